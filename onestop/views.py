from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularRedocView

from .problems import problem_response


def server_error(request):
    """A failure the code did not foresee: API callers get problem details, people the usual page."""
    if request.path.startswith("/api/"):
        return problem_response(500, _("The server failed; the failure was logged."), request)
    return defaults.server_error(request)


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; answer with the site's mark, not a 404."""
    return FileResponse(open(settings.BASE_DIR / "onestop" / "static" / "onestop" / "favicon.ico", "rb"),
                        content_type="image/x-icon")


class RedocView(SpectacularRedocView):
    """The API's reference, from the sidecar's script and the system's fonts, started by a static script. Redoc's
    bundle always shows its maker's logo from their CDN: the site's policy (CONTENT_SECURITY_POLICY) keeps it, and
    anything else, from being fetched elsewhere."""

    template_name = "api/redoc.html"
