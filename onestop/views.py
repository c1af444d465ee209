from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views import defaults

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
        return problem_response(500, "The server failed; the failure was logged.", request)
    return defaults.server_error(request)
