"""What OneStop keeps only for a while: sent deliveries and relayed outbox events (ONESTOP_OUTBOX_RETENTION_DAYS)
and the API's stored answers to an Idempotency-Key (ONESTOP_IDEMPOTENCY_RETENTION_HOURS), purged by the beat and
by `manage.py purge_expired`; failed and pending deliveries stay for an administrator."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from tests.workflows.test_lifecycle import filed
from workflows.api.models import IdempotencyRecord
from workflows.api.tasks import purge_idempotency_records
from workflows.dossiers.models import OutboxEvent
from workflows.notifications.models import Delivery
from workflows.notifications.tasks import purge_delivered

pytestmark = pytest.mark.django_db


def relayed(dossier, days_ago, *deliveries):
    """An outbox event relayed `days_ago`, with deliveries given as (status, days since sent)."""
    at = timezone.now() - timedelta(days=days_ago)
    event = OutboxEvent.objects.create(dossier=dossier, event="receive", created_at=at, relayed_at=at,
                                       data={"code": dossier.code})
    for number, (status, sent_days_ago) in enumerate(deliveries):
        Delivery.objects.create(event=event, channel="email", recipient=f"lan{number}@example.vn", status=status,
                                sent_at=timezone.now() - timedelta(days=sent_days_ago) if status == "sent" else None)
    return event


def test_sent_deliveries_and_relayed_events_are_purged_after_the_retention_and_failed_ones_stay(office, settings):
    settings.ONESTOP_OUTBOX_RETENTION_DAYS = 30
    dossier = filed(office)
    OutboxEvent.objects.all().delete()
    told = relayed(dossier, 40, ("sent", 40), ("sent", 35))
    failed = relayed(dossier, 40, ("sent", 40), ("failed", 0))
    recent = relayed(dossier, 40, ("sent", 29))
    waiting = relayed(dossier, 40, ("pending", 0))
    unrelayed = OutboxEvent.objects.create(dossier=dossier, event="receive", data={"code": dossier.code},
                                           created_at=timezone.now() - timedelta(days=40))

    assert purge_delivered() == (3, 1)

    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {failed.pk, recent.pk, waiting.pk, unrelayed.pk}
    assert not OutboxEvent.objects.filter(pk=told.pk).exists()
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["failed", "pending", "sent"]
    assert purge_delivered() == (0, 0)  # nothing more: safe to run again


def test_stored_idempotent_answers_are_purged_after_their_hours(office, settings):
    settings.ONESTOP_IDEMPOTENCY_RETENTION_HOURS = 24
    old = IdempotencyRecord.objects.create(owner=office.receiver, key="old", request_hash="a" * 64,
                                           response_status=201, response_body={"identity_number": "038195001234"})
    new = IdempotencyRecord.objects.create(owner=office.receiver, key="new", request_hash="b" * 64)
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))

    assert purge_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [new.pk]


def test_an_operator_purges_by_command_and_the_beat_does_it_daily(office):
    dossier = filed(office)
    relayed(dossier, 400, ("sent", 400))
    IdempotencyRecord.objects.filter(pk=IdempotencyRecord.objects.create(
        owner=office.receiver, key="k", request_hash="c" * 64).pk).update(created_at=timezone.now() - timedelta(days=9))
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "Deleted 1 sent deliveries and 1 relayed outbox events older than 30 days" in out.getvalue()
    assert "1 idempotency records older than 24 hours" in out.getvalue()

    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"workflows.notifications.tasks.purge_delivered", "workflows.api.tasks.purge_idempotency_records",
            "workflows.notifications.tasks.sweep_deliveries"} <= scheduled
