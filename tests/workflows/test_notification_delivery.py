"""Email and SMS to the applicant through a real Celery worker on the real Redis broker: once, after commit."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from onestop import sms
from tests.brokers import broker_down, wait_for, worker_on_own_queue
from tests.workflows.test_lifecycle import filed
from workflows.dossiers import services
from workflows.dossiers.models import Dossier, OutboxEvent
from workflows.notifications import tasks
from workflows.notifications.models import Delivery
from workflows.sla import tasks as sla_tasks

SEND_SMS = "workflows.notifications.tasks.send_sms"


@pytest.fixture
def worker(transactional_db, settings):
    settings.SMS_BACKEND = "onestop.sms.LocmemBackend"
    sms.outbox.clear()
    with worker_on_own_queue():
        yield


# The applicant's messages; staff are told of the dossier too (tests/workflows/test_staff_notifications.py).
def to_applicant():
    return Delivery.objects.filter(recipient__in=["lan@example.vn", "0912345678"])


def applicant_mail():
    return [message for message in mail.outbox if message.to == ["lan@example.vn"]]


def walk_in_with_contacts(office):
    dossier = filed(office)
    type(dossier).objects.filter(pk=dossier.pk).update(applicant_email="lan@example.vn",
                                                       applicant_phone="0912345678")
    dossier.refresh_from_db()
    return dossier


def test_the_applicant_is_emailed_and_texted_once_after_the_change_commits(worker, office):
    dossier = services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)

    assert wait_for(lambda: to_applicant().filter(status="sent").count() == 2)
    [email] = applicant_mail()
    assert dossier.code in email.body and dossier.code in email.subject
    assert [message["phone"] for message in sms.outbox] == ["0912345678"]
    assert sms.outbox[0]["reference"].startswith("onestop-delivery-")


def test_nothing_is_sent_for_a_change_that_rolls_back(worker, office):
    dossier = walk_in_with_contacts(office)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.receive_dossier(dossier=dossier, acting_user=office.receiver)
        raise RuntimeError("the desk's power went out")

    time.sleep(1)
    assert not OutboxEvent.objects.filter(event="receive").exists() and not to_applicant().exists()
    assert not sms.outbox


def test_a_redelivered_task_sends_nothing_twice(worker, office):
    services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)
    assert wait_for(lambda: to_applicant().filter(status="sent").count() == 2)

    for delivery in to_applicant():
        assert tasks.deliver.delay(delivery.pk).id
    time.sleep(1.5)

    assert len(applicant_mail()) == 1 and len(sms.outbox) == 1


def test_with_the_broker_down_the_officer_still_acts_and_the_messages_follow_later(worker, office):
    with broker_down():
        dossier = services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)

    assert dossier.state == "received"
    assert OutboxEvent.objects.filter(event="receive", relayed_at__isnull=True).count() == 1
    time.sleep(0.5)
    assert not to_applicant().exists()

    tasks.relay_outbox.delay()  # what the beat's periodic relay does once Redis is back
    assert wait_for(lambda: to_applicant().filter(status="sent").count() == 2)
    assert len(applicant_mail()) == 1


def test_a_gateway_refusal_leaves_the_delivery_failed_for_an_administrator(worker, office, settings):
    with mock.patch(SEND_SMS, side_effect=sms.SmsDeliveryError("bad number", retryable=False)):
        services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)
        assert wait_for(lambda: to_applicant().filter(status="failed").count() == 1)

    failed = to_applicant().get(status="failed")
    assert failed.channel == "sms" and "bad number" in failed.last_error and failed.attempts == 1


def test_an_administrator_sends_a_failed_delivery_again_from_the_admin(worker, office, admin_client_logged_in):
    from django.urls import reverse

    with mock.patch(SEND_SMS, side_effect=sms.SmsDeliveryError("gateway down", retryable=False)):
        services.receive_dossier(dossier=walk_in_with_contacts(office), acting_user=office.receiver)
        assert wait_for(lambda: to_applicant().filter(status="failed").count() == 1)
    failed = to_applicant().get(status="failed")

    listing = admin_client_logged_in.get(reverse("admin:notifications_delivery_changelist"), {"status": "failed"})
    assert failed.recipient in listing.content.decode()
    admin_client_logged_in.post(reverse("admin:notifications_delivery_changelist"),
                                {"action": "send_again", "_selected_action": [failed.pk]})

    assert wait_for(lambda: Delivery.objects.get(pk=failed.pk).status == "sent")
    assert len(sms.outbox) == 1


def test_an_applicant_who_reads_english_is_written_to_in_english(worker, office):
    office.citizen.language = "en"
    office.citizen.save()
    dossier = services.receive_dossier(dossier=filed(office), acting_user=office.receiver)

    assert wait_for(lambda: Delivery.objects.filter(recipient=office.citizen.email, status="sent").exists())
    [email] = [message for message in mail.outbox if message.to == [office.citizen.email]]
    assert email.subject == f"[OneStop] Dossier {dossier.code}"
    assert email.body.startswith(f"Dossier {dossier.code} was received. Its result is due on ")
    assert f"/tra-cuu/?code={dossier.code}" in email.body


def test_the_timers_on_a_worker_escalate_a_late_step_to_the_leaders_by_email(worker, office):
    dossier = services.hand_over(dossier=services.receive_dossier(dossier=filed(office), acting_user=office.receiver),
                                 acting_user=office.receiver)
    Dossier.objects.filter(pk=dossier.pk).update(step_due_at=timezone.now() - timedelta(minutes=1))

    sla_tasks.run_sla_timers.delay()

    leaders = {office.head.email, office.leader.email}
    assert wait_for(lambda: leaders <= {message.to[0] for message in mail.outbox
                                        if message.subject.startswith("[OneStop] Cảnh báo")})
    assert wait_for(lambda: Delivery.objects.filter(event__event="step_overdue", status="sent").count() == 2)
    Dossier.objects.filter(pk=dossier.pk).update(step_due_at=timezone.now() - timedelta(minutes=2))
    sla_tasks.run_sla_timers.delay()  # a second run has nothing new to say
    time.sleep(1)
    assert Delivery.objects.filter(event__event="escalation").count() == 2
