"""Sending back, the supplement that stops the clock, and the apology for a late dossier."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.factories import AgencyFactory
from tests.office import pdf
from workflows.dossiers import services

from .test_lifecycle import received

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_step_sends_the_dossier_back_with_a_reason(office):
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    dossier = services.hand_over(dossier=dossier, acting_user=office.specialist)
    with pytest.raises(ValidationError):
        services.send_back(dossier=dossier, acting_user=office.head, reason="")
    dossier = services.send_back(dossier=dossier, acting_user=office.head, reason="Thiếu ý kiến thẩm định")
    assert (dossier.state, dossier.current_step["role"]) == ("processing", "specialist")
    dossier = services.send_back(dossier=dossier, acting_user=office.specialist, reason="Hồ sơ gốc chưa chuyển")
    assert (dossier.state, dossier.current_step["role"]) == ("received", "receiving_officer")
    with pytest.raises(services.InvalidTransition):
        services.send_back(dossier=dossier, acting_user=office.receiver, reason="x")


def test_a_supplement_during_processing_stops_the_clock_until_resubmission(office):
    with time_machine.travel(datetime(2026, 3, 9, 9, tzinfo=TZ), tick=False):
        dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    assert dossier.due_at == datetime(2026, 3, 16, 17, tzinfo=TZ)

    with time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=TZ), tick=False):
        dossier = services.request_supplement(dossier=dossier, acting_user=office.specialist,
                                              missing="Bổ sung bản vẽ mặt bằng")
        assert dossier.state == "paused" and dossier.national_status == "supplement_requested"
        left = dossier.clock().working_minutes_left
    with time_machine.travel(datetime(2026, 3, 20, 10, tzinfo=TZ), tick=False):
        reading = dossier.clock()
        assert (reading.status, reading.working_minutes_left) == ("paused", left)
        assert not dossier.is_late

    with time_machine.travel(datetime(2026, 3, 23, 9, tzinfo=TZ), tick=False):
        services.attach_document(dossier=dossier, acting_user=office.citizen, name="Bản vẽ mặt bằng", upload=pdf())
        dossier = services.supply_supplement(dossier=dossier, acting_user=office.citizen)
        # The same time left, rounded up to the close of the working day as limits in days are.
        assert left <= dossier.clock().working_minutes_left < left + 480
    # Paused Tuesday 10:00, three hours into the first counted day: 4 days 5 hours left; resumed the Monday two
    # weeks later at 9:00.
    assert dossier.due_at == dossier.appointment_at == datetime(2026, 3, 27, 17, tzinfo=TZ)
    pause = dossier.pauses.get()
    assert (pause.started_at, pause.ended_at) == (datetime(2026, 3, 10, 10, tzinfo=TZ),
                                                  datetime(2026, 3, 23, 9, tzinfo=TZ))
    with pytest.raises(services.InvalidTransition):
        services.request_supplement(dossier=dossier, acting_user=office.specialist, missing="Lần hai")


def test_a_late_dossier_gets_an_apology_and_stays_late(office):
    with time_machine.travel(datetime(2026, 3, 9, 9, tzinfo=TZ), tick=False):
        dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
        with pytest.raises(services.InvalidTransition):  # on time: nothing to apologise for yet
            services.apologise(dossier=dossier, acting_user=office.leader, reason="x",
                               new_appointment=datetime(2026, 3, 20, 17, tzinfo=TZ))

    with time_machine.travel(datetime(2026, 3, 16, 9, tzinfo=TZ), tick=False):
        assert dossier.clock().status == "due_soon"
        with pytest.raises(services.NotPermitted):
            services.apologise(dossier=dossier, acting_user=office.specialist, reason="x",
                               new_appointment=datetime(2026, 3, 20, 17, tzinfo=TZ))
        with pytest.raises(ValidationError):
            services.apologise(dossier=dossier, acting_user=office.leader, reason="Chờ ý kiến",
                               new_appointment=datetime(2026, 3, 16, 8, tzinfo=TZ))
        with pytest.raises(ValidationError):  # the window's form sent no appointment
            services.apologise(dossier=dossier, acting_user=office.leader, reason="Chờ ý kiến",
                               new_appointment=None)
        dossier = services.apologise(dossier=dossier, acting_user=office.leader, reason="Chờ ý kiến liên ngành",
                                     new_appointment=datetime(2026, 3, 20, 17, tzinfo=TZ))
    assert dossier.appointment_at == datetime(2026, 3, 20, 17, tzinfo=TZ)
    assert dossier.due_at == datetime(2026, 3, 16, 17, tzinfo=TZ)
    assert dossier.is_late
    entry = dossier.audit_entries.get(action="apologise")
    assert entry.note == "Chờ ý kiến liên ngành" and entry.data["new_appointment"].startswith("2026-03-20T17")

    with time_machine.travel(datetime(2026, 3, 18, 9, tzinfo=TZ), tick=False):
        reading = dossier.clock()
        assert (reading.status, reading.working_minutes_left) == ("overdue", -(480 + 120))


def test_inter_agency_consultation_returns_when_every_agency_has_answered(office):
    finance = AgencyFactory(code="000.00.20.H56", name="Sở Tài chính")
    land = AgencyFactory(code="000.00.21.H56", name="Sở Nông nghiệp và Môi trường")
    finance_officer = office.staff("taichinh", finance, "specialist")
    land_officer = office.staff("moitruong", land, "specialist")
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    with pytest.raises(ValidationError):
        services.consult_agencies(dossier=dossier, acting_user=office.specialist, agencies=[office.department],
                                  question="Ý kiến?", days=2)
    dossier = services.consult_agencies(dossier=dossier, acting_user=office.specialist, agencies=[finance, land],
                                        question="Cho ý kiến về nghĩa vụ tài chính và quy hoạch", days=2)
    assert (dossier.state, dossier.national_status) == ("consulting", "processing")
    assert dossier.consultations.count() == 2
    with pytest.raises(services.NotPermitted):
        services.answer_consultation(dossier=dossier, acting_user=office.head, answer="Không liên quan")

    dossier = services.answer_consultation(dossier=dossier, acting_user=finance_officer, answer="Đã hoàn thành")
    assert dossier.state == "consulting"
    with pytest.raises(services.NotPermitted):
        services.answer_consultation(dossier=dossier, acting_user=finance_officer, answer="Lần hai")
    dossier = services.answer_consultation(dossier=dossier, acting_user=land_officer, answer="Phù hợp quy hoạch")
    assert (dossier.state, dossier.current_step["role"]) == ("processing", "specialist")
    actions = list(dossier.audit_entries.values_list("action", "actor_agency__name"))[-3:]
    assert actions == [("consult", "Sở Xây dựng"), ("consultation_answered", "Sở Tài chính"),
                       ("consultation_answered", "Sở Nông nghiệp và Môi trường")]
