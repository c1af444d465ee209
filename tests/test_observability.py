"""What operators see: JSON log lines joined by a request id from the request into its tasks, Prometheus metrics
behind a token, Sentry only when a DSN is set."""

import io
import json
import logging
import subprocess
import sys
import uuid

import pytest
from celery.signals import before_task_publish
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from onestop import celery_app, observability
from tests.brokers import real_broker
from tests.processes import ROOT, process_environment
from workflows.dossiers.models import OutboxEvent
from workflows.notifications.models import Delivery
from workflows.sla.tasks import run_sla_timers

task_logger = logging.getLogger("tests.observability.task")


@celery_app.task(name="tests.observability.log_in_a_task")
def log_in_a_task():
    task_logger.info("the task ran")


def queue_a_task(request):
    log_in_a_task.delay()
    return HttpResponse("queued")


urlpatterns = [path("queue/", queue_a_task)]


@pytest.fixture
def json_log():
    """The console handler's formatter and filter (settings.LOGGING with LOG_FORMAT=json), into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observability.JsonFormatter())
    handler.addFilter(observability.RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.urls("tests.test_observability")
def test_the_request_id_is_in_the_request_log_line_and_in_the_task_it_queued(client, settings, json_log):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/queue/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    lines = json_log()
    request_line = next(line for line in lines if line["logger"] == "onestop.request")
    assert request_line | {"duration_ms": 0} == {
        "time": request_line["time"], "level": "INFO", "logger": "onestop.request", "message": "GET /queue/ 200",
        "request_id": request_id, "method": "GET", "path": "/queue/", "status": 200, "duration_ms": 0}
    task_line = next(line for line in lines if line["logger"] == "tests.observability.task")
    assert (task_line["message"], task_line["request_id"]) == ("the task ran", request_id)


def test_a_proxy_request_id_is_kept_and_a_forged_one_replaced(client):
    assert client.get("/health/", HTTP_X_REQUEST_ID="proxy-1234abcd")["X-Request-ID"] == "proxy-1234abcd"
    forged = client.get("/health/", HTTP_X_REQUEST_ID='x" injected\nline')["X-Request-ID"]
    assert forged != 'x" injected\nline' and len(forged) == 32


def test_a_queued_task_carries_the_request_id_in_its_message_to_the_worker(json_log):
    published = []

    def remember(headers=None, **kwargs):
        published.append(dict(headers))

    before_task_publish.connect(remember)
    token = observability.request_id.set("a1b2c3d4e5f6")
    queue = f"test-observability-{uuid.uuid4().hex[:8]}"
    try:
        with real_broker():
            log_in_a_task.apply_async(queue=queue)
            with celery_app.connection_for_write() as connection:
                connection.default_channel.queue_purge(queue)
    finally:
        observability.request_id.reset(token)
        before_task_publish.disconnect(remember)
    assert published[0]["request_id"] == "a1b2c3d4e5f6"

    # The worker's side: the id comes from the message, not from whatever the worker ran before.
    log_in_a_task.apply(headers={"request_id": "a1b2c3d4e5f6"})
    assert [line["request_id"] for line in json_log() if line["logger"] == "tests.observability.task"] == [
        "a1b2c3d4e5f6"]
    assert observability.request_id.get() is None


@pytest.mark.django_db
def test_metrics_expose_the_operations_series_to_the_token_holder(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    event = OutboxEvent.objects.create(event="dossier_received", created_at=timezone.now())
    Delivery.objects.create(event=event, channel=Delivery.Channel.SMS, recipient="0912345678")
    Delivery.objects.create(event=event, channel=Delivery.Channel.EMAIL, recipient="lan@example.vn",
                            status=Delivery.Status.FAILED)
    run_sla_timers.delay()
    client.get("/health/")

    response = client.get("/metrics/", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200
    body = response.content.decode()
    for series in ["django_http_requests_total_by_method_total", "onestop_outbox_lag_seconds ",
                   "onestop_outbox_unrelayed_events 1.0", 'onestop_deliveries{status="pending"} 1.0',
                   'onestop_deliveries{status="failed"} 1.0', "onestop_dossiers_overdue 0.0",
                   'onestop_timer_last_run_seconds{task="workflows.sla.tasks.run_sla_timers"}',
                   'onestop_timer_last_run_finished_timestamp_seconds{task="workflows.sla.tasks.run_sla_timers"}']:
        assert series in body, series


@pytest.mark.parametrize(("authorization", "status"), [
    (None, 401), ("Bearer wrong", 401), ("Basic c2NyYXBlLXNlY3JldA==", 401), ("Bearer scrape-secret", 200),
], ids=["anonymous", "wrong-token", "basic-auth", "token"])
@pytest.mark.django_db
def test_metrics_refuse_anyone_without_the_token(client, settings, authorization, status):
    settings.METRICS_TOKEN = "scrape-secret"
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get("/metrics/", **headers)
    assert response.status_code == status
    if status == 401:
        assert b"onestop_" not in response.content
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_metrics_do_not_exist_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics/", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def _sentry_probe(**env):
    probe = ("import django, json, sentry_sdk; django.setup(); from django.conf import settings; "
             "print(json.dumps([settings.SENTRY_ENABLED, sentry_sdk.get_client().is_active()]))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            env=process_environment(DJANGO_SETTINGS_MODULE="onestop.settings", **env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sentry_starts_only_with_a_dsn():
    assert _sentry_probe(SENTRY_DSN="") == [False, False]
    assert _sentry_probe(SENTRY_DSN="https://public@errors.onestop.example.vn/3") == [True, True]


def test_production_logs_are_json_by_default():
    probe = ("import django, json; django.setup(); from django.conf import settings; "
             "print(json.dumps(settings.LOGGING['handlers']['console']))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            env=process_environment(DJANGO_SETTINGS_MODULE="onestop.settings_production",
                                                    SECRET_KEY="x" * 50, ALLOWED_HOSTS="onestop.example.vn",
                                                    EMAIL_URL="smtp://mail.example.vn",
                                                    SMS_BACKEND="onestop.sms.HttpGatewayBackend"))
    assert result.returncode == 0, result.stderr
    console = json.loads(result.stdout)
    assert (console["formatter"], console["filters"]) == ("json", ["request_id"])
