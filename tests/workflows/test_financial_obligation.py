"""A financial obligation (taxes, charges) notified during processing: the clock stops until the payments recorded
cover it, then starts again with the time it had left."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.workflows.test_lifecycle import received
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.dossiers.services import InvalidTransition, NotPermitted
from workflows.payments import services as payments

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(month, day, hour=9):
    return time_machine.travel(datetime(2026, month, day, hour, 0, tzinfo=TZ), tick=False)


def at_the_specialist(office):
    with at(11, 30):  # Monday: five working days, due Monday 7 December at 17:00
        dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    return dossier


def test_the_clock_stops_while_the_obligation_is_unpaid_and_restarts_with_the_time_it_had_left(office):
    dossier = at_the_specialist(office)
    assert dossier.due_at == datetime(2026, 12, 7, 17, 0, tzinfo=TZ)
    with at(12, 1):  # Tuesday 09:00: four working days and 6 hours left
        dossier = services.notify_financial_obligation(dossier=dossier, acting_user=office.specialist,
                                                       amount=2_500_000, reason="Tiền sử dụng đất theo thông báo thuế")
    assert dossier.state == Dossier.State.FEES_DUE and dossier.national_status == "financial_obligation_due"
    assert dossier.fees_due == 2_500_000 and dossier.clock().status == "paused"
    assert dossier.audit_entries.get(action="notify_obligation").data["amount"] == 2_500_000

    with at(12, 8):  # a week later the applicant pays half at the desk: still waiting
        payments.record_payment(dossier=dossier, acting_user=office.receiver, amount=1_000_000, method="desk",
                                reference="BL-1")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.FEES_DUE
    with at(12, 9):  # Wednesday 09:00: the rest; the same time left runs from here
        payments.record_payment(dossier=dossier, acting_user=office.receiver, amount=1_500_000, method="desk",
                                reference="BL-2")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING and dossier.paused_at is None
    assert dossier.due_at == datetime(2026, 12, 15, 17, 0, tzinfo=TZ)
    assert dossier.appointment_at == dossier.due_at
    assert list(dossier.audit_entries.values_list("action", flat=True))[-4:] == [
        "notify_obligation", "record_payment", "record_payment", "obligation_paid"]
    assert list(dossier.notifications.values_list("event", flat=True))[:2] == ["obligation_paid", "notify_obligation"]

    # The week spent paying is not processing time.
    for officer in (office.specialist, office.head):
        with at(12, 10):
            dossier = services.hand_over(dossier=dossier, acting_user=officer)
    with at(12, 10, 10):
        dossier = services.approve_dossier(dossier=dossier, acting_user=office.leader)
    # Received Monday 30 Nov, counted from Tuesday 1 Dec 07:00: 120 working minutes to the obligation at 09:00,
    # then 9 Dec 09:00 → 10 Dec 10:00 is 360 + 180.
    assert dossier.working_minutes_taken == 660


def test_only_the_current_step_notifies_an_obligation_and_only_in_processing_with_an_amount(office):
    from django.core.exceptions import ValidationError

    dossier = at_the_specialist(office)
    with pytest.raises(NotPermitted):
        services.notify_financial_obligation(dossier=dossier, acting_user=office.receiver, amount=100,
                                             reason="Thuế")
    with pytest.raises(ValidationError):
        services.notify_financial_obligation(dossier=dossier, acting_user=office.specialist, amount=0,
                                             reason="Thuế")
    with pytest.raises(ValidationError):
        services.notify_financial_obligation(dossier=dossier, acting_user=office.specialist, amount=100,
                                             reason=" ")
    with pytest.raises(InvalidTransition):
        services.notify_financial_obligation(dossier=received(office), acting_user=office.specialist,
                                             amount=100, reason="Thuế")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING and dossier.fees_due == 0
    # Nobody restarts the clock by hand: only the payments do.
    with at(12, 1):
        dossier = services.notify_financial_obligation(dossier=dossier, acting_user=office.specialist, amount=100,
                                                       reason="Lệ phí trước bạ")
    assert "obligation_paid" not in [t.name for t in services.available_transitions(dossier, office.leader)]


def test_the_window_notifies_an_obligation_with_its_amount(office, client):
    dossier = at_the_specialist(office)
    client.force_login(office.specialist)
    page = client.get(f"/admin/workflows/dossier/{dossier.pk}/change/")
    assert 'id="transition-notify_obligation"' in page.content.decode()
    missing = client.post(f"/admin/workflows/dossier/{dossier.pk}/act/notify_obligation/",
                          {"expected_version": dossier.version, "reason": "Thuế"}, follow=True)
    assert missing.status_code == 200
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    client.post(f"/admin/workflows/dossier/{dossier.pk}/act/notify_obligation/",
                {"expected_version": dossier.version, "reason": "Thuế", "amount": 350000})
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.FEES_DUE and dossier.fees_due == 350_000


def test_a_withdrawal_asked_while_the_obligation_is_due_keeps_the_clock_stopped_and_a_decline_returns_to_it(
        office):
    dossier = at_the_specialist(office)
    with at(12, 1):
        dossier = services.notify_financial_obligation(dossier=dossier, acting_user=office.specialist,
                                                       amount=500_000, reason="Lệ phí trước bạ")
    with at(12, 2):
        dossier = services.withdraw_dossier(dossier=dossier, acting_user=office.citizen, reason="Chưa đủ tiền")
    assert dossier.state == Dossier.State.WITHDRAWAL_REQUESTED and dossier.clock().status == "paused"
    with at(12, 3):
        dossier = services.decline_withdrawal(dossier=dossier, acting_user=office.leader,
                                              reason="Hồ sơ đã gần hoàn thành")
    assert dossier.state == Dossier.State.FEES_DUE and dossier.fees_outstanding == 500_000
