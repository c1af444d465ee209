from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

from .problems import problem_response


class ChosenLanguageMiddleware:
    """Vietnamese unless the visitor chose another language with the switch.

    Django's LocaleMiddleware would also follow the browser's Accept-Language, which shows a citizen whose phone is
    set to English a portal they did not ask for; the language cookie set by the switch is the only choice here.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseNulCharactersMiddleware:
    """PostgreSQL text cannot hold the NUL character: a request carrying one in its path, its query or a posted
    form's fields is refused as bad input (problem+json on the API, the 400 page elsewhere) before it reaches a
    query that would fail with a server error. The API's JSON bodies are checked by their parser
    (onestop.parsers), which reads them under the API's own size limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            message = _("The request contains a NUL character, which no field accepts.")
            if request.path.startswith("/api/"):
                return problem_response(400, message, request)
            return bad_request(request, SuspiciousOperation(message))
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return True
        # A form's fields (not its files, which may hold any byte; Django drops NUL from their names); the API takes
        # JSON only, which its parser checks.
        if request.method == "POST" and not request.path.startswith("/api/") and request.content_type in FORMS:
            return any("\x00" in key or any("\x00" in value for value in values)
                       for key, values in request.POST.lists())
        return False


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
