"""GET /health/: 200 while OneStop can serve people, 503 when it cannot; the broker, beat, the outbox and the
deliveries are reported for monitoring without taking the server out of the load balancer."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from onestop import celery_app, health
from tests.brokers import real_broker
from workflows.dossiers.models import OutboxEvent
from workflows.notifications.models import Delivery

pytestmark = pytest.mark.django_db

EVERY_CHECK = {"database", "cache", "storage", "broker", "beat", "outbox", "deliveries"}


@pytest.fixture
def running_stack(settings):
    """A broker that answers and a beat that has just run."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    health.beat_heartbeat()
    with real_broker():
        yield
    cache.delete(health.BEAT_HEARTBEAT_KEY)


def test_a_healthy_stack_answers_ok_for_every_check(client, running_stack):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", **dict.fromkeys(EVERY_CHECK, "ok")}
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_database_answers_503(client, running_stack, monkeypatch):
    def refuse(self):
        raise health.library_checks.ServiceUnavailable("connection refused")

    monkeypatch.setattr(health.library_checks.Database, "run", refuse)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "error: connection refused"


def test_upload_storage_that_cannot_be_written_answers_503(client, running_stack, settings, tmp_path):
    # The private root is a file: nothing can be stored under it (the image's bug before its volume was writable).
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "not-a-directory"
    settings.PRIVATE_MEDIA_ROOT.write_text("")
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["storage"].startswith("error")
    assert response.json()["database"] == "ok"


def test_a_dead_broker_and_a_silent_beat_degrade_but_keep_serving(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the suite's broker is a closed port
    cache.delete(health.BEAT_HEARTBEAT_KEY)
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"].startswith("error: broker unreachable")
    assert body["beat"] == "error: beat has not run since the cache was emptied"
    assert (body["database"], body["cache"], body["storage"]) == ("ok", "ok", "ok")


def test_beat_last_run_long_ago_is_reported(client, running_stack, settings, time_machine):
    health.beat_heartbeat()
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.ONESTOP_HEALTH_BEAT_STALE_SECONDS + 60))
    body = client.get("/health/").json()
    assert body["status"] == "degraded"
    assert body["beat"].startswith("error: beat last ran 3")


def test_beat_schedules_the_heartbeat_every_minute(settings):
    heartbeat = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values()
                     if entry["task"] == "onestop.beat_heartbeat")
    assert heartbeat["schedule"] == 60.0
    celery_app.loader.import_default_modules()
    assert "onestop.beat_heartbeat" in celery_app.tasks  # a worker knows the task beat sends


def test_outbox_lag_and_stuck_deliveries_are_reported(client, running_stack, settings):
    old = timezone.now() - timedelta(seconds=settings.ONESTOP_HEALTH_DELIVERY_PENDING_SECONDS + 60)
    OutboxEvent.objects.create(event="dossier_received", created_at=old)
    relayed = OutboxEvent.objects.create(event="dossier_received", created_at=old, relayed_at=old)
    Delivery.objects.create(event=relayed, channel=Delivery.Channel.SMS, recipient="0912345678")
    Delivery.objects.create(event=relayed, channel=Delivery.Channel.EMAIL, recipient="lan@example.vn",
                            status=Delivery.Status.SENT)
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["outbox"].startswith("error: the oldest unrelayed outbox event is 18")
    assert body["deliveries"] == (f"error: 1 deliveries pending for more than "
                                  f"{settings.ONESTOP_HEALTH_DELIVERY_PENDING_SECONDS} s")


def test_fresh_events_and_deliveries_are_healthy(client, running_stack):
    event = OutboxEvent.objects.create(event="dossier_received", created_at=timezone.now())
    Delivery.objects.create(event=event, channel=Delivery.Channel.SMS, recipient="0912345678")
    body = client.get("/health/").json()
    assert (body["status"], body["outbox"], body["deliveries"]) == ("ok", "ok", "ok")


def test_the_embedded_default_checks_no_broker_and_no_beat(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    body = client.get("/health/").json()
    assert body == {"status": "ok", **dict.fromkeys(EVERY_CHECK - {"broker", "beat"}, "ok")}
