"""Email and SMS to the applicant through a real Celery worker on the real Redis broker: once, after commit."""

import time
import uuid
from unittest import mock

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from onestop import sms
from onestop.celery import app
from tests.workflows.test_lifecycle import filed
from workflows import services, tasks
from workflows.models import Delivery, OutboxEvent


@pytest.fixture
def worker(transactional_db, settings):
    """A worker thread consuming a queue of this test's own, so parallel test runs never take each other's
    tasks."""
    settings.SMS_BACKEND = "onestop.sms.LocmemBackend"
    sms.outbox.clear()
    queue = f"test-{uuid.uuid4().hex}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING"):
            yield
    finally:
        app.conf.task_default_queue = previous


def walk_in_with_contacts(office):
    dossier = filed(office)
    type(dossier).objects.filter(pk=dossier.pk).update(applicant_email="lan@example.vn",
                                                       applicant_phone="0912345678")
    dossier.refresh_from_db()
    return dossier


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_applicant_is_emailed_and_texted_once_after_the_change_commits(worker, office):
    dossier = services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)

    assert wait_for(lambda: Delivery.objects.filter(status="sent").count() == 2)
    assert len(mail.outbox) == 1 and dossier.code in mail.outbox[0].body
    assert mail.outbox[0].to == ["lan@example.vn"]
    assert [message["phone"] for message in sms.outbox] == ["0912345678"]
    assert sms.outbox[0]["reference"].startswith("onestop-delivery-")


def test_nothing_is_sent_for_a_change_that_rolls_back(worker, office):
    dossier = walk_in_with_contacts(office)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.receive_dossier(dossier=dossier, acting_user=office.receiver)
        raise RuntimeError("the desk's power went out")

    time.sleep(1)
    assert not OutboxEvent.objects.exists() and not mail.outbox and not sms.outbox


def test_a_redelivered_task_sends_nothing_twice(worker, office):
    services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)
    assert wait_for(lambda: Delivery.objects.filter(status="sent").count() == 2)

    for delivery in Delivery.objects.all():
        assert tasks.deliver.delay(delivery.pk).id
    time.sleep(1.5)

    assert len(mail.outbox) == 1 and len(sms.outbox) == 1


def test_with_the_broker_down_the_officer_still_acts_and_the_messages_follow_later(worker, office):
    with mock.patch.object(tasks.relay_outbox, "delay", side_effect=ConnectionError("Redis is down")):
        dossier = services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)

    assert dossier.state == "received"
    assert OutboxEvent.objects.filter(relayed_at__isnull=True).count() == 1 and not mail.outbox

    tasks.relay_outbox.delay()  # what the beat's periodic relay does
    assert wait_for(lambda: Delivery.objects.filter(status="sent").count() == 2)
    assert len(mail.outbox) == 1


def test_a_gateway_refusal_leaves_the_delivery_failed_for_an_administrator(worker, office, settings):
    with mock.patch("workflows.tasks.send_sms", side_effect=sms.SmsDeliveryError("bad number", retryable=False)):
        services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)
        assert wait_for(lambda: Delivery.objects.filter(status="failed").count() == 1)

    failed = Delivery.objects.get(status="failed")
    assert failed.channel == "sms" and "bad number" in failed.last_error and failed.attempts == 1


def test_an_administrator_sends_a_failed_delivery_again_from_the_admin(worker, office, admin_client_logged_in):
    from django.urls import reverse

    with mock.patch("workflows.tasks.send_sms", side_effect=sms.SmsDeliveryError("gateway down", retryable=False)):
        services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)
        assert wait_for(lambda: Delivery.objects.filter(status="failed").count() == 1)
    failed = Delivery.objects.get(status="failed")

    listing = admin_client_logged_in.get(reverse("admin:workflows_delivery_changelist"), {"status": "failed"})
    assert failed.recipient in listing.content.decode()
    admin_client_logged_in.post(reverse("admin:workflows_delivery_changelist"),
                                {"action": "send_again", "_selected_action": [failed.pk]})

    assert wait_for(lambda: Delivery.objects.get(pk=failed.pk).status == "sent")
    assert len(sms.outbox) == 1
