"""The SLA timers: deadlines marked due soon and overdue at the right working-day moment, each announced once, and
supplement requests that remind and then lapse."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from tests.office import pdf
from tests.workflows.test_lifecycle import filed
from workflows.dossiers import selectors, services
from workflows.dossiers.models import AuditEntry, Dossier, OutboxEvent
from workflows.notifications import messages as notifications
from workflows.notifications.models import Notification
from workflows.sla import digest as daily_digest
from workflows.sla import timers

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


def at(moment):
    return time_machine.travel(moment, tick=False)


def received_at(office, moment):
    with at(moment):
        return services.receive_dossier(dossier=filed(office), acting_user=office.receiver)


def scan(moment):
    with at(moment):
        return timers.run()


def events(dossier, event):
    return OutboxEvent.objects.filter(dossier=dossier, event=event).count()


@pytest.mark.django_db
@pytest.mark.parametrize("moment, status", [
    (datetime(2026, 12, 4, 16, 59, tzinfo=TZ), "on_time"),   # Friday: Monday and a minute left
    (datetime(2026, 12, 4, 17, 0, tzinfo=TZ), "due_soon"),   # closing time: exactly Monday's 8 working hours left
    (datetime(2026, 12, 7, 17, 1, tzinfo=TZ), "overdue"),
], ids=["a-day-and-a-minute-left", "exactly-a-day-left", "late"])
def test_the_queues_the_badge_and_the_timer_agree_on_when_a_dossier_is_due_soon(office, moment, status):
    dossier = received_at(office, MONDAY)

    scan(moment)
    with at(moment):
        in_queue = {name for name in ("on_time", "due_soon", "overdue")
                    if Dossier.objects.filter(selectors.sla_condition(name, moment), pk=dossier.pk).exists()}
        dossier.refresh_from_db()
        reading = dossier.clock().status

    assert in_queue == {status} and reading == status
    assert dossier.sla_mark == ("" if status == "on_time" else status)


@pytest.mark.django_db
def test_a_deadline_after_a_weekend_is_due_soon_from_friday_evening_and_overdue_after_monday_closing(office):
    dossier = received_at(office, MONDAY)
    # Five working days from Monday morning: the close of the next Monday.
    assert dossier.due_at == datetime(2026, 12, 7, 17, 0, tzinfo=TZ)

    # Due soon with 8 working hours left: a whole working day (07:00-11:30, 13:30-17:00).
    scan(datetime(2026, 12, 4, 16, 59, tzinfo=TZ))  # Friday: Monday and a minute left
    dossier.refresh_from_db()
    assert dossier.sla_mark == "" and events(dossier, "dossier_due_soon") == 0

    scan(datetime(2026, 12, 4, 17, 1, tzinfo=TZ))  # Friday after closing: Monday is all that is left
    scan(datetime(2026, 12, 5, 10, 0, tzinfo=TZ))  # Saturday: nothing new to say
    dossier.refresh_from_db()
    assert dossier.sla_mark == "due_soon" and events(dossier, "dossier_due_soon") == 1

    scan(datetime(2026, 12, 7, 16, 59, tzinfo=TZ))
    assert events(dossier, "dossier_overdue") == 0
    scan(datetime(2026, 12, 7, 17, 1, tzinfo=TZ))
    scan(datetime(2026, 12, 8, 8, 0, tzinfo=TZ))
    dossier.refresh_from_db()
    assert dossier.sla_mark == "overdue" and events(dossier, "dossier_overdue") == 1


@pytest.mark.django_db
def test_tet_holidays_do_not_count_towards_the_deadline(office):
    dossier = received_at(office, datetime(2027, 1, 25, 9, 0, tzinfo=TZ))
    # Tết 2027: Thursday 4 to Wednesday 10 February are days off; the 11th is the first working day after.
    Dossier.objects.filter(pk=dossier.pk).update(due_at=datetime(2027, 2, 11, 17, 0, tzinfo=TZ),
                                                 step_due_at=datetime(2027, 3, 1, 17, 0, tzinfo=TZ))

    scan(datetime(2027, 2, 3, 16, 59, tzinfo=TZ))  # the last working afternoon before Tết
    assert events(dossier, "dossier_due_soon") == 0
    scan(datetime(2027, 2, 3, 17, 1, tzinfo=TZ))
    assert events(dossier, "dossier_due_soon") == 1

    for day in range(4, 11):  # a week of calendar days, none of them working days
        scan(datetime(2027, 2, day, 23, 0, tzinfo=TZ))
    dossier.refresh_from_db()
    assert dossier.sla_mark == "due_soon" and events(dossier, "dossier_overdue") == 0

    scan(datetime(2027, 2, 11, 17, 1, tzinfo=TZ))
    assert events(dossier, "dossier_overdue") == 1


@pytest.mark.django_db
def test_a_late_step_warns_its_holders_and_escalates_to_the_agency_leaders(office):
    dossier = received_at(office, MONDAY)
    with at(MONDAY + timedelta(minutes=5)):
        dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)  # to the specialists
    step_due = dossier.step_due_at

    scan(step_due - timedelta(minutes=30))
    scan(step_due + timedelta(minutes=1))

    [due_soon] = OutboxEvent.objects.filter(dossier=dossier, event="step_due_soon")
    [overdue] = OutboxEvent.objects.filter(dossier=dossier, event="step_overdue")
    [escalation] = OutboxEvent.objects.filter(dossier=dossier, event="escalation")
    specialists = {office.specialist.email, office.second_specialist.email}
    assert {address for _channel, address, _language in notifications.recipients(due_soon)} == specialists
    assert {address for _channel, address, _language in notifications.recipients(overdue)} == specialists
    assert {address for _channel, address, _language in notifications.recipients(escalation)} == {
        office.head.email, office.leader.email}
    subject, body = notifications.email(escalation, "en")
    assert dossier.code in subject and "late at the step" in body and "/admin/workflows/dossier/" in body

    # Once the step is handed over, a reminder still waiting in the outbox is not sent.
    with at(step_due + timedelta(minutes=2)):
        services.hand_over(dossier=dossier, acting_user=office.specialist)
    overdue.refresh_from_db()
    assert notifications.recipients(overdue) == []


@pytest.mark.django_db
def test_an_overdue_dossier_asks_the_leaders_for_an_apology_until_one_is_made(office):
    dossier = received_at(office, MONDAY)
    scan(dossier.due_at + timedelta(minutes=1))

    [overdue] = OutboxEvent.objects.filter(dossier=dossier, event="dossier_overdue")
    assert {address for _c, address, _l in notifications.recipients(overdue)} == {office.head.email,
                                                                                   office.leader.email}
    with at(dossier.due_at + timedelta(minutes=2)):
        assert "apologise" in [t.name for t in services.available_transitions(dossier, office.leader)]
        services.apologise(dossier=dossier, acting_user=office.leader, reason="Chờ ý kiến liên ngành",
                           new_appointment=dossier.due_at + timedelta(days=3))
    overdue.refresh_from_db()
    assert notifications.recipients(overdue) == []


@pytest.mark.django_db(transaction=True)
def test_two_timers_running_at_once_announce_each_deadline_once(office):
    dossiers = [received_at(office, MONDAY) for _ in range(20)]
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            scan(dossiers[0].due_at + timedelta(minutes=1))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert OutboxEvent.objects.filter(event="dossier_overdue").count() == 20
    assert OutboxEvent.objects.filter(event="step_overdue").count() == 20
    assert OutboxEvent.objects.filter(event="escalation").count() == 20


@pytest.mark.django_db
def test_an_applicant_is_reminded_before_a_supplement_request_lapses_then_the_dossier_stops(office, settings):
    settings.ONESTOP_SUPPLEMENT_WAIT_WORKING_DAYS = 10
    settings.ONESTOP_SUPPLEMENT_REMINDER_WORKING_DAYS = 2
    with at(MONDAY):
        dossier = services.request_documents(dossier=filed(office), acting_user=office.receiver,
                                             missing="Bản vẽ mặt bằng có chữ ký")
    # Ten working days from Monday 30 November: the close of Monday 14 December.
    assert dossier.supplement_due_at == datetime(2026, 12, 14, 17, 0, tzinfo=TZ)

    scan(datetime(2026, 12, 10, 16, 0, tzinfo=TZ))  # Thursday: more than two working days left
    assert events(dossier, "supplement_reminder") == 0
    scan(datetime(2026, 12, 11, 9, 0, tzinfo=TZ))
    scan(datetime(2026, 12, 11, 10, 0, tzinfo=TZ))
    assert events(dossier, "supplement_reminder") == 1
    reminder = Notification.objects.get(dossier=dossier, event="supplement_reminder")
    assert reminder.recipient == office.citizen
    assert "Bản vẽ mặt bằng" in notifications.message(reminder, "vi") and "14/12/2026" in notifications.message(
        reminder, "vi")

    scan(datetime(2026, 12, 14, 16, 59, tzinfo=TZ))
    dossier.refresh_from_db()
    assert dossier.state == "incomplete"
    counts = scan(datetime(2026, 12, 15, 7, 30, tzinfo=TZ))
    dossier.refresh_from_db()
    assert counts["lapse"] == 1 and dossier.state == "stopped" and dossier.national_status == "processing_stopped"
    entry = AuditEntry.objects.filter(dossier=dossier).last()
    assert (entry.action, entry.actor, entry.actor_role) == ("lapse", None, "system")
    assert Notification.objects.filter(dossier=dossier, event="lapse", recipient=office.citizen).exists()
    assert scan(datetime(2026, 12, 15, 8, 0, tzinfo=TZ))["lapse"] == 0


@pytest.mark.django_db
def test_a_supplement_sent_in_time_cancels_the_lapse(office):
    dossier = received_at(office, MONDAY)
    with at(MONDAY + timedelta(minutes=5)):
        dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)
        dossier = services.request_supplement(dossier=dossier, acting_user=office.specialist, missing="Sổ đỏ")
    with at(MONDAY + timedelta(days=3)):
        services.attach_document(dossier=dossier, acting_user=office.citizen, name="Sổ đỏ", upload=pdf())
        dossier = services.supply_supplement(dossier=dossier, acting_user=office.citizen)
    assert dossier.supplement_due_at is None

    scan(MONDAY + timedelta(days=120))
    dossier.refresh_from_db()
    assert dossier.state == "processing"


@pytest.mark.django_db
def test_leaders_get_one_digest_per_working_day(office):
    received_at(office, MONDAY)
    overdue = received_at(office, MONDAY)
    Dossier.objects.filter(pk=overdue.pk).update(sla_mark="overdue")

    with at(datetime(2026, 12, 1, 7, 0, tzinfo=TZ)):
        assert daily_digest.send_daily_digest() == 2  # the department head and the director
        assert daily_digest.send_daily_digest() == 0
    with at(datetime(2026, 12, 6, 7, 0, tzinfo=TZ)):
        assert daily_digest.send_daily_digest() == 0  # Sunday

    digest = OutboxEvent.objects.get(event="digest", recipient=office.leader)
    assert digest.data["agencies"] == [{"name": "Sở Xây dựng", "waiting": 2, "due_soon": 0, "overdue": 1,
                                        "paused": 0}]
    subject, body = notifications.email(digest, "vi")
    assert "01/12/2026" in subject and "Sở Xây dựng" in body
    assert notifications.recipients(digest) == [("email", office.leader.email, "vi")]

