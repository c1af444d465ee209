"""The API's JSON parser: a body is read under the API's own size limit (documents travel base64-encoded inside
it, so the portal's DATA_UPLOAD_MAX_MEMORY_SIZE would refuse them), and refused as a problem when it is too large,
nests deeper than any of OneStop's bodies or carries a NUL character that PostgreSQL cannot store."""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status

MAX_DEPTH = 32


class ContentTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "content_too_large"


def too_large():
    return ContentTooLarge(_("The body is larger than the API takes (%(megabytes)s MB).")
                           % {"megabytes": settings.API_MAX_BODY_SIZE // (1024 * 1024)})


class BoundedJSONParser(parsers.BaseParser):
    """DRF's JSONParser behind the limits. Not its subclass on purpose: DRF hands a JSONParser the body through
    HttpRequest.body, which applies DATA_UPLOAD_MAX_MEMORY_SIZE; any other parser gets the stream."""

    media_type = "application/json"
    renderer_class = parsers.JSONParser.renderer_class

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large()
        try:
            data = parsers.JSONParser().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("The body nests deeper than %(depth)s levels.")
                                        % {"depth": MAX_DEPTH}) from None
        _check(data)
        return data


def _check(data):
    """Walks the parsed body without recursion: its depth, and NUL characters in its keys and strings."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise exceptions.ParseError(_("The request contains a NUL character, which no field accepts."))
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise exceptions.ParseError(_("The body nests deeper than %(depth)s levels.") % {"depth": MAX_DEPTH})
        items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
        for key, item in items:
            if key is not None and "\x00" in key:
                raise exceptions.ParseError(_("The request contains a NUL character, which no field accepts."))
            pending.append((item, depth + 1))
