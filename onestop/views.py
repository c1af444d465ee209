from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import FileResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularRedocView

from .problems import problem_response


def health(request):
    """For load balancers and container health checks: the database and the cache answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        cache.set("health-check", "ok", 5)
        checks["cache"] = "ok" if cache.get("health-check") == "ok" else "error: value lost"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


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
    """The API's reference, from the sidecar's script and the system's fonts. Redoc's bundle always shows its
    maker's logo from their CDN: the page's policy keeps it (and anything else) from being fetched elsewhere."""

    template_name = "api/redoc.html"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'")
        return response
