"""Appointments as the law counts them, end to end: receipt of a same-day procedure, the appointment API that desks
quote on the phone, the procedure page, and a day off announced after receipt moving the open dossiers it touches."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from procedures.models import Procedure, ProcedureVersion
from procedures.services import publish_procedure_version
from tests.api.conftest import Integrator
from tests.brokers import wait_for, worker_on_own_queue
from tests.factories import ProcedureFactory
from tests.workflows.test_lifecycle import filed, received
from workflows.dossiers import services
from workflows.dossiers.models import AuditEntry, Dossier, OutboxEvent
from workflows.notifications import messages
from workflows.notifications.models import Notification
from workflows.worktime.calendar import TimeLimit
from workflows.worktime.clock import working_calendar
from workflows.worktime.models import CalendarException

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(year, month, day, hour=9, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def travel(moment):
    return time_machine.travel(moment, tick=False)


def same_day_procedure(office, cutoff=None):
    procedure = ProcedureFactory(code="2.000815", name="Chứng thực bản sao từ bản chính", time_limit=Decimal(8),
                                 time_limit_unit=Procedure.TimeUnit.SAME_DAY, intake_cutoff=cutoff,
                                 competent_agency=office.department,
                                 steps=[Decimal(1), Decimal(5), Decimal(2)],
                                 steps__roles=["receiving_officer", "specialist", "agency_leader"])
    publish_procedure_version(procedure=procedure)
    return procedure


def received_for(office, procedure):
    draft = services.create_draft(procedure=procedure, acting_user=office.citizen)
    dossier = services.submit_dossier(dossier=draft, acting_user=office.citizen, receiving_agency=office.desk)
    return services.receive_dossier(dossier=dossier, acting_user=office.receiver)


# Receipt


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("received_at", "appointment", "first_step_due"),
    [
        pytest.param(at(2026, 3, 16, 9), at(2026, 3, 16, 17), at(2026, 3, 16, 10), id="before-cutoff-same-day"),
        pytest.param(at(2026, 3, 16, 16, 30), at(2026, 3, 16, 17), at(2026, 3, 16, 17), id="step-never-past-it"),
        pytest.param(at(2026, 3, 16, 15, 30), at(2026, 3, 17, 17), at(2026, 3, 17, 8), id="after-cutoff-next-day"),
    ],
)
def test_a_same_day_procedure_is_settled_the_day_it_is_received(office, received_at, appointment, first_step_due):
    procedure = same_day_procedure(office, cutoff=time(17) if received_at.hour == 16 else None)
    with travel(received_at):
        dossier = received_for(office, procedure)
    assert dossier.due_at == dossier.appointment_at == appointment
    assert dossier.step_due_at == first_step_due


@pytest.mark.django_db
def test_a_dossier_filed_before_same_day_procedures_had_their_unit_is_still_same_day(office):
    procedure = same_day_procedure(office)
    version = procedure.current_version
    ProcedureVersion.objects.filter(pk=version.pk).update(
        snapshot={**version.snapshot, "time_limit_unit": "hours", "intake_cutoff": "15:00"})
    with travel(at(2026, 3, 16, 15, 30)):
        dossier = received_for(office, procedure)
    assert dossier.due_at == at(2026, 3, 17, 17)


@pytest.mark.django_db
def test_only_a_same_day_procedure_has_a_cutoff(office):
    office.procedure.intake_cutoff = time(15)
    with pytest.raises(ValidationError) as refused:
        office.procedure.full_clean()
    assert "intake_cutoff" in refused.value.message_dict


# Asking for an appointment

DOMAIN_EXAMPLES = [
    # DOMAIN.md's table of worked examples, with the default working hours.
    pytest.param("2026-03-13T16:30:00+07:00", 1, "2026-03-16T17:00:00+07:00", id="friday-1630"),
    pytest.param("2026-03-16T07:30:00+07:00", 1, "2026-03-17T17:00:00+07:00", id="monday-at-opening"),
    pytest.param("2026-03-16T06:45:00", 1, "2026-03-17T17:00:00+07:00", id="before-opening-local-time"),
    pytest.param("2026-03-16T17:30:00+07:00", 1, "2026-03-17T17:00:00+07:00", id="monday-after-closing"),
    pytest.param("2026-03-14T09:00:00+07:00", 1, "2026-03-16T17:00:00+07:00", id="saturday"),
    pytest.param("2026-03-16T09:00:00+07:00", 5, "2026-03-23T17:00:00+07:00", id="five-days"),
    pytest.param("2026-02-13T03:00:00Z", 5, "2026-02-27T17:00:00+07:00", id="last-day-before-tet-in-utc"),
    pytest.param("2026-04-29T09:00:00+07:00", 3, "2026-05-06T17:00:00+07:00", id="over-30-4-and-1-5"),
]


@pytest.fixture
def reader(db, django_user_model):
    return Integrator(django_user_model, "cong-dvc", scopes=["catalogue:read"]).api()


@pytest.mark.django_db
@pytest.mark.parametrize(("received_at", "days", "appointment"), DOMAIN_EXAMPLES)
def test_the_appointment_api_answers_domains_worked_examples(office, reader, received_at, days, appointment):
    procedure = ProcedureFactory(time_limit=Decimal(days), steps=[Decimal(days)])
    response = reader.get(f"/api/v1/procedures/{procedure.code}/appointment/", {"received_at": received_at})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["appointment"] == appointment
    assert (answer["procedure"], answer["time_limit_unit"]) == (procedure.code, "days")
    received = datetime.fromisoformat(received_at.replace("Z", "+00:00"))
    if received.tzinfo is None:
        received = received.replace(tzinfo=TZ)
    assert answer["working_minutes"] == working_calendar().working_minutes_between(
        received, datetime.fromisoformat(appointment))


@pytest.mark.django_db
def test_the_appointment_api_counts_working_minutes_and_same_day_cutoffs(office, reader):
    five_days = reader.get(f"/api/v1/procedures/{office.procedure.code}/appointment/",
                           {"received_at": "2026-03-16T09:00:00+07:00"}).json()
    # The rest of Monday (150 + 210 minutes), then five days of 480.
    assert five_days["working_minutes"] == 360 + 5 * 480

    procedure = same_day_procedure(office)
    late = reader.get(f"/api/v1/procedures/{procedure.code}/appointment/",
                      {"received_at": "2026-03-16T15:30:00+07:00"}).json()
    assert (late["appointment"], late["time_limit_unit"], late["intake_cutoff"]) == (
        "2026-03-17T17:00:00+07:00", "same_day", "15:00")


@pytest.mark.django_db
def test_the_appointment_api_without_a_time_answers_for_now(office, reader):
    with travel(at(2026, 3, 16, 9)):
        answer = reader.get(f"/api/v1/procedures/{office.procedure.code}/appointment/").json()
    assert answer["appointment"] == "2026-03-23T17:00:00+07:00"


@pytest.mark.django_db
@pytest.mark.parametrize("received_at", ["16/03/2026", "2026-13-01T09:00", "2041-03-16T09:00:00+07:00"])
def test_a_bad_time_gets_a_clear_400(office, reader, received_at):
    response = reader.get(f"/api/v1/procedures/{office.procedure.code}/appointment/", {"received_at": received_at})
    assert response.status_code == 400
    assert "received_at" in str(response.json())


@pytest.mark.django_db
def test_the_appointment_api_is_authenticated_and_knows_its_procedures(office, reader, client):
    assert client.get(f"/api/v1/procedures/{office.procedure.code}/appointment/").status_code == 401
    assert reader.get("/api/v1/procedures/9.999999/appointment/").status_code == 404


@pytest.mark.django_db
def test_the_procedure_page_says_when_a_dossier_received_now_would_be_ready(office, client):
    with travel(at(2026, 3, 16, 9)):
        page = client.get(f"/thu-tuc/{office.procedure.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nếu tiếp nhận ngay bây giờ" in text
    assert "17:00" in text and "23/03/2026" in text


# A day off announced after receipt


def announce(django_capture_on_commit_callbacks, **values):
    with django_capture_on_commit_callbacks(execute=True):
        return CalendarException.objects.create(**values)


@pytest.mark.django_db
def test_a_day_off_announced_after_receipt_moves_the_open_dossiers_it_touches(
        office, django_capture_on_commit_callbacks):
    with travel(at(2026, 3, 9)):
        running = services.hand_over(dossier=received(office), acting_user=office.receiver)
        waiting = services.receive_dossier(dossier=filed(office), acting_user=office.receiver)
        waiting = services.hand_over(dossier=waiting, acting_user=office.receiver)
        waiting = services.request_supplement(dossier=waiting, acting_user=office.specialist, missing="Bản vẽ")
        untouched = received(office)
    # Counted from Tuesday 10/3: due Monday 16/3; the specialist's 3.5 days from Monday 09:00 end Thursday 15:00;
    # the supplement's 30 working days after the 9th end Monday 20/4.
    assert running.due_at == at(2026, 3, 16, 17)
    assert (running.step_due_at, waiting.supplement_due_at) == (at(2026, 3, 12, 15), at(2026, 4, 20, 17))
    # Received on the 9th: decided before the announcement, nothing of it is still counting.
    with travel(at(2026, 3, 9, 10)):
        untouched = services.approve_dossier(
            dossier=services.hand_over(dossier=services.hand_over(dossier=services.hand_over(
                dossier=untouched, acting_user=office.receiver), acting_user=office.specialist),
                acting_user=office.head), acting_user=office.leader)

    with travel(at(2026, 3, 10, 10)):
        announce(django_capture_on_commit_callbacks, day=date(2026, 3, 12), kind="day_off",
                 name="Nghỉ bù theo Thông báo của Văn phòng Chính phủ")

    running.refresh_from_db()
    waiting.refresh_from_db()
    untouched.refresh_from_db()
    assert running.due_at == running.appointment_at == at(2026, 3, 17, 17)
    assert (running.step_due_at, waiting.supplement_due_at) == (at(2026, 3, 13, 15), at(2026, 4, 21, 17))
    assert untouched.due_at == at(2026, 3, 16, 17)

    entry = running.audit_entries.get(action="retimed")
    assert entry.actor is None and entry.actor_role == "system"
    assert entry.data["due_at"] == {"from": "2026-03-16T17:00:00+07:00", "to": "2026-03-17T17:00:00+07:00"}
    told = Notification.objects.get(dossier=running, event="appointment_moved")
    assert "17/03/2026 17:00" in messages.message(told, "vi")
    assert OutboxEvent.objects.filter(dossier=running, event="appointment_moved").count() == 1
    assert not AuditEntry.objects.filter(dossier=untouched, action="retimed").exists()

    # Withdrawn again: back to where they were, audited again; announcing twice moves nothing twice.
    with travel(at(2026, 3, 10, 11)):
        with django_capture_on_commit_callbacks(execute=True):
            CalendarException.objects.filter(day=date(2026, 3, 12)).get().delete()
        assert services.retime_open_dossiers(date(2026, 3, 12)) == 0
    running.refresh_from_db()
    assert (running.due_at, running.step_due_at) == (at(2026, 3, 16, 17), at(2026, 3, 12, 15))
    assert running.audit_entries.filter(action="retimed").count() == 2


@pytest.mark.django_db
def test_a_make_up_saturday_brings_appointments_forward(office, django_capture_on_commit_callbacks):
    with travel(at(2026, 3, 9)):
        dossier = received(office)
    with travel(at(2026, 3, 10)):
        announce(django_capture_on_commit_callbacks, day=date(2026, 3, 14), kind="working_day", name="Làm bù")
    dossier.refresh_from_db()
    assert dossier.due_at == at(2026, 3, 14, 17)
    assert dossier.step_due_at == at(2026, 3, 10, 11)  # the first step's half day was before the Saturday


@pytest.fixture
def worker(transactional_db):
    with worker_on_own_queue():
        yield


def test_a_worker_retimes_the_open_dossiers_once_the_day_off_is_saved(office, worker):
    dossier = received(office)
    calendar = working_calendar()
    # The second working day after today falls inside the five days whatever today is.
    day = timezone.localdate()
    for _ in range(2):
        day += timedelta(days=1)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
    CalendarException.objects.create(day=day, kind="day_off", name="Nghỉ đột xuất do bão")
    expected = working_calendar().due(dossier.received_at, TimeLimit.of(5, "days"))
    assert expected > dossier.due_at
    assert wait_for(lambda: Dossier.objects.get(pk=dossier.pk).due_at == expected, seconds=30)
    assert AuditEntry.objects.filter(dossier=dossier, action="retimed").count() == 1


@pytest.mark.django_db
def test_an_administrator_announcing_a_day_off_in_the_admin_moves_appointments(
        office, django_user_model, client, django_capture_on_commit_callbacks):
    with travel(at(2026, 3, 9)):
        dossier = received(office)
    client.force_login(django_user_model.objects.create_superuser("quantri", "qt@example.vn", "x"))
    with travel(at(2026, 3, 10)), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/worktime/calendarexception/add/", {
            "day": "13/03/2026", "kind": "day_off", "name": "Nghỉ do bão số 3"}, follow=True)
    assert response.status_code == 200
    assert "đang được tính lại thời hạn" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.due_at == at(2026, 3, 17, 17)
