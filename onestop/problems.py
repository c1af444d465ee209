"""Every API error as RFC 9457 problem details (application/problem+json), never an HTML page."""

import re
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers
from rest_framework.fields import get_error_detail
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
_JSON_POSITION = re.compile(r"line (?P<line>\d+) column (?P<column>\d+)")


class ProblemSerializer(serializers.Serializer):
    """What an error looks like, for the schema."""

    type = serializers.CharField(help_text="about:blank: the status says it all.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong and what to do, for a person.")
    instance = serializers.CharField(required=False, help_text="The path that was called.")
    code = serializers.CharField(required=False, help_text="A machine-readable reason, e.g. not_authenticated.")
    errors = serializers.DictField(required=False, help_text=(
        "For invalid fields: each field's messages; nested objects and lists hold their own fields' messages."))


def problem_details(exc, context):
    """DRF's exception handler, answering in RFC 9457 problem details."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=get_error_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    body = {"type": "about:blank", "title": _status_title(response.status_code), "status": response.status_code}
    if isinstance(exc, exceptions.ValidationError):
        body["detail"] = _("The request has invalid fields.")
        body["errors"] = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    elif isinstance(exc, exceptions.ParseError) and str(exc.detail).startswith("JSON parse error"):
        # DRF's parser words this in English with Python's own message: say it in the caller's language.
        where = _JSON_POSITION.search(str(exc.detail))
        body["detail"] = (_("The body is not valid JSON (line %(line)s, column %(column)s).")
                          % {"line": where["line"], "column": where["column"]} if where
                          else _("The body is not valid JSON."))
    else:
        body["detail"] = str(detail.get("detail", "")) if isinstance(detail, dict) else str(detail)
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if isinstance(codes, str):
        body["code"] = codes
    request = context.get("request")
    if request is not None:
        body["instance"] = request.path
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(status_code, detail, request):
    """A problem-details response outside DRF's views (unknown API paths, server errors)."""
    return JsonResponse({"type": "about:blank", "title": _status_title(status_code), "status": status_code,
                         "detail": detail, "instance": request.path},
                        status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def not_found(request, *args, **kwargs):
    return problem_response(404, _("There is no such API endpoint."), request)


# A problem's title in the language of its detail (RFC 9457 allows the title to be localised).
TITLES = {
    400: gettext_lazy("Bad Request"),
    401: gettext_lazy("Unauthorized"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not Found"),
    405: gettext_lazy("Method Not Allowed"),
    406: gettext_lazy("Not Acceptable"),
    409: gettext_lazy("Conflict"),
    412: gettext_lazy("Precondition Failed"),
    413: gettext_lazy("Content Too Large"),
    415: gettext_lazy("Unsupported Media Type"),
    422: gettext_lazy("Unprocessable Content"),
    428: gettext_lazy("Precondition Required"),
    429: gettext_lazy("Too Many Requests"),
    500: gettext_lazy("Internal Server Error"),
    503: gettext_lazy("Service Unavailable"),
}


def _status_title(code):
    return str(TITLES.get(code, HTTPStatus(code).phrase))

