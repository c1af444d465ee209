"""What the province's operators watch: JSON log lines carrying a request id (into the Celery tasks a request
queued), errors to Sentry when SENTRY_DSN is set, and Prometheus metrics behind a bearer token."""

import hmac
import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

import sentry_sdk
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

request_id = ContextVar("request_id", default=None)
# A proxy's id is kept so its log and ours join up, if it looks like an id and not like an injection.
INCOMING_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
REQUEST_ID_HEADER = "request_id"
TASK_RUN_KEY = "onestop:task-run:{}"

request_logger = logging.getLogger("onestop.request")


class RequestIdMiddleware:
    """Gives each request an id (the proxy's X-Request-ID, or a new one), answers with it and logs the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        token = request_id.set(incoming if INCOMING_REQUEST_ID.match(incoming) else uuid.uuid4().hex)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            request_logger.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1)})
            return response
        finally:
            request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request's (or task's) id on every log record."""

    def filter(self, record):
        record.request_id = request_id.get()
        return True


# Attributes every LogRecord has; anything else was passed in `extra=` and goes into the JSON line.
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for the province's log collector."""

    def format(self, record):
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


@before_task_publish.connect
def send_request_id_with_task(headers=None, **kwargs):
    """A task queued while serving a request carries the request's id to the worker in its message headers."""
    if headers is not None and request_id.get() and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id.get()


@task_prerun.connect
def take_request_id_from_task(task=None, **kwargs):
    # In a worker the id comes with the message; a task run in-process keeps its caller's.
    sent = task.request.get(REQUEST_ID_HEADER) or (task.request.headers or {}).get(REQUEST_ID_HEADER)
    task.request.request_id_token = request_id.set(sent or request_id.get())
    task.request.started_monotonic = time.monotonic()


@task_postrun.connect
def forget_request_id(task=None, **kwargs):
    started = getattr(task.request, "started_monotonic", None)
    if started is not None and settings.CELERY_TASK_ROUTES.get(task.name, {}).get("queue") == "timers":
        # Timer tasks run in the workers, metrics are scraped from the web: the run is kept in the cache.
        cache.set(TASK_RUN_KEY.format(task.name),
                  {"seconds": time.monotonic() - started, "finished": time.time()}, timeout=None)
    token = getattr(task.request, "request_id_token", None)
    if token is not None:
        request_id.reset(token)


def last_task_run(task_name):
    """The timer task's last run: {"seconds": run time, "finished": epoch seconds}, or None."""
    return cache.get(TASK_RUN_KEY.format(task_name))


def init_sentry(dsn, *, environment, traces_sample_rate=0.0):
    """Errors from the web and the workers go to Sentry (or a compatible server such as GlitchTip). Nothing is
    sent without a DSN; no personal data is sent with the events."""
    if not dsn:
        return False
    sentry_sdk.init(dsn=dsn, environment=environment, integrations=[DjangoIntegration(), CeleryIntegration()],
                    send_default_pii=False, traces_sample_rate=traces_sample_rate)
    return True


@never_cache
@require_safe
def metrics(request):
    """Prometheus metrics for the province's monitoring, with `Authorization: Bearer <METRICS_TOKEN>`. Without a
    token configured the endpoint does not exist; a wrong or missing token gets 401."""
    if not settings.METRICS_TOKEN:
        return HttpResponse(status=404)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), settings.METRICS_TOKEN.encode()):
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
