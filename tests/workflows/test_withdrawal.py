"""Withdrawal once received: the applicant's request, accepted or declined by a leader of the competent agency or
whoever works the current step, with the clock running while it waits."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.workflows.test_lifecycle import at_decision, filed, received
from workflows.dossiers import selectors, services
from workflows.dossiers.models import Dossier, OutboxEvent, PausePeriod
from workflows.notifications import messages as notifications
from workflows.notifications.models import Notification
from workflows.reporting import indicators
from workflows.sla import timers

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)


def at(moment):
    return time_machine.travel(moment, tick=False)


def at_specialist(office):
    return services.hand_over(dossier=received(office), acting_user=office.receiver, assignee=office.specialist)


def paused(office):
    return services.request_supplement(dossier=at_specialist(office), acting_user=office.specialist,
                                       missing="Thiếu bản vẽ")


def consulting(office):
    return services.consult_agencies(dossier=at_specialist(office), acting_user=office.specialist,
                                     agencies=[office.desk], question="Ý kiến?", days=2)


def requested(dossier, office, reason="Không còn nhu cầu"):
    return services.withdraw_dossier(dossier=dossier, acting_user=office.citizen, reason=reason)


@pytest.mark.parametrize("before", [received, at_specialist, paused, consulting],
                         ids=["received", "processing", "paused", "consulting"])
def test_once_received_withdrawal_is_a_request_declined_back_to_where_it_was(office, before):
    dossier = before(office)
    state, step, reason = dossier.state, dossier.current_step_order, dossier.reason

    dossier = requested(dossier, office)
    assert (dossier.state, dossier.national_status) == ("withdrawal_requested", "withdrawal_requested")
    assert (dossier.state_before_withdrawal, dossier.withdrawal_reason) == (state, "Không còn nhu cầu")
    assert dossier.closed_at is None and dossier.reason == reason
    entry = dossier.audit_entries.last()
    assert (entry.action, entry.from_state, entry.to_state, entry.actor_role, entry.note) == (
        "withdraw", state, "withdrawal_requested", "applicant", "Không còn nhu cầu")

    dossier = services.decline_withdrawal(dossier=dossier, acting_user=office.leader, reason="Đã ký kết quả")
    assert (dossier.state, dossier.current_step_order, dossier.reason) == (state, step, reason)
    assert (dossier.state_before_withdrawal, dossier.withdrawal_reason, dossier.closed_at) == ("", "", None)
    entry = dossier.audit_entries.last()
    assert (entry.action, entry.from_state, entry.to_state, entry.actor_role, entry.note) == (
        "decline_withdrawal", "withdrawal_requested", state, "agency_leader", "Đã ký kết quả")
    told = Notification.objects.get(dossier=dossier, event="decline_withdrawal")
    assert (told.recipient, told.data["reason"]) == (office.citizen, "Đã ký kết quả")
    assert "Đã ký kết quả" in notifications.message(told, "en")
    assert "của Quý vị không được chấp nhận" in notifications.message(told, "vi")


def test_the_step_actor_accepts_a_withdrawal_and_the_dossier_closes(office):
    dossier = requested(at_specialist(office), office)

    dossier = services.accept_withdrawal(dossier=dossier, acting_user=office.specialist)

    assert (dossier.state, dossier.national_status, dossier.reason) == ("withdrawn", "withdrawn",
                                                                       "Không còn nhu cầu")
    assert dossier.closed_at is not None and dossier.assignee is None
    entry = dossier.audit_entries.last()
    assert (entry.action, entry.to_state, entry.actor_role, entry.actor_agency) == (
        "accept_withdrawal", "withdrawn", "specialist", office.department)
    told = Notification.objects.get(dossier=dossier, event="accept_withdrawal")
    assert told.recipient == office.citizen
    assert OutboxEvent.objects.filter(dossier=dossier, event="accept_withdrawal").exists()
    assert dossier.code in notifications.message(told, "vi")


def test_accepting_a_request_made_while_paused_ends_the_wait(office):
    dossier = services.accept_withdrawal(dossier=requested(paused(office), office), acting_user=office.head)
    assert dossier.state == "withdrawn"
    assert not PausePeriod.objects.filter(dossier=dossier, ended_at__isnull=True).exists()


def test_a_leader_of_the_competent_agency_settles_a_request_made_at_the_desk_step(office):
    dossier = requested(received(office), office)
    dossier = services.accept_withdrawal(dossier=dossier, acting_user=office.leader, note="Đồng ý")
    entry = dossier.audit_entries.last()
    assert (dossier.state, entry.actor_role, entry.actor_agency, entry.note) == (
        "withdrawn", "agency_leader", office.department, "Đồng ý")


@pytest.mark.parametrize("actor", ["second_specialist", "receiver", "result_desk", "citizen", "other_citizen"],
                         ids=["a-colleague-not-assigned", "the-desk-after-the-handover", "the-result-desk",
                              "the-applicant", "another-citizen"])
def test_only_leaders_and_the_steps_actor_settle_a_withdrawal_request(office, actor):
    dossier = requested(at_specialist(office), office)
    for settle in (lambda user: services.accept_withdrawal(dossier=dossier, acting_user=user),
                   lambda user: services.decline_withdrawal(dossier=dossier, acting_user=user, reason="Không")):
        with pytest.raises(services.NotPermitted):
            settle(getattr(office, actor))
    dossier.refresh_from_db()
    assert dossier.state == "withdrawal_requested" and dossier.audit_entries.last().action == "withdraw"


def test_a_leader_of_another_agency_may_not_settle_a_withdrawal_request(office):
    other_leader = office.staff("giamdoc_khac", office.desk, "agency_leader")
    dossier = requested(at_specialist(office), office)
    with pytest.raises(services.NotPermitted):
        services.accept_withdrawal(dossier=dossier, acting_user=other_leader)


def test_withdrawal_decisions_refuse_a_dossier_with_no_request_waiting(office):
    dossier = at_specialist(office)
    with pytest.raises(services.InvalidTransition):
        services.accept_withdrawal(dossier=dossier, acting_user=office.leader)
    with pytest.raises(services.InvalidTransition):
        services.decline_withdrawal(dossier=dossier, acting_user=office.leader, reason="Không")


def test_the_applicant_cannot_ask_twice_nor_staff_ask_for_them(office):
    dossier = at_specialist(office)
    with pytest.raises(services.NotPermitted):
        services.withdraw_dossier(dossier=dossier, acting_user=office.receiver, reason="Thay mặt")
    dossier = requested(dossier, office)
    with pytest.raises(services.InvalidTransition):
        requested(dossier, office, reason="Lần nữa")


def test_declining_needs_a_written_reason(office):
    from django.core.exceptions import ValidationError

    dossier = requested(at_specialist(office), office)
    with pytest.raises(ValidationError):
        services.decline_withdrawal(dossier=dossier, acting_user=office.leader, reason="  ")


def test_the_request_waits_in_the_steps_queue_and_its_actor_is_told(office):
    dossier = requested(at_specialist(office), office)
    queued = OutboxEvent.objects.filter(dossier=dossier, event="queued").last()
    assert queued.data["position"][0] == "withdrawal_requested"
    assert [address for _channel, address, _language in notifications.recipients(queued)] == [
        office.specialist.email]
    assert "withdraw" in notifications.email(queued, "en")[1]
    mine = selectors.queue_dossiers(office.specialist, "my_work")
    assert list(mine) == [dossier]
    assert dossier in selectors.queue_dossiers(office.leader, "my_agency")
    names = sorted(t.name for t in services.available_transitions(dossier, office.specialist))
    assert names == ["accept_withdrawal", "decline_withdrawal"]


def test_the_clock_keeps_running_while_a_withdrawal_request_waits(office):
    with at(MONDAY):
        dossier = requested(at_specialist(office), office)
    due_at = dossier.due_at
    with at(datetime(2026, 12, 7, 17, 30, tzinfo=TZ)):  # after the legal deadline
        timers.run()
        dossier.refresh_from_db()
        assert dossier.sla_mark == "overdue" and dossier.clock().status == "overdue"
        assert dossier in Dossier.objects.filter(selectors.sla_condition("overdue"))
        dossier = services.decline_withdrawal(dossier=dossier, acting_user=office.specialist, reason="Không")
    assert dossier.due_at == due_at and dossier.state == "processing"


def test_a_request_made_while_paused_keeps_the_clock_stopped(office):
    with at(MONDAY):
        dossier = requested(paused(office), office)
    with at(datetime(2026, 12, 10, 9, 0, tzinfo=TZ)):
        timers.run()
        dossier.refresh_from_db()
        assert dossier.sla_mark == "" and dossier.clock().status == "paused"
        assert dossier in Dossier.objects.filter(selectors.sla_condition("paused"))
        assert dossier not in Dossier.objects.filter(selectors.sla_condition("overdue"))


def test_a_waiting_request_counts_in_progress_and_an_accepted_one_as_withdrawn(office):
    with at(MONDAY):
        dossier = requested(at_decision(office), office)
    period = indicators.Period.month(2026, 11)
    with at(datetime(2026, 11, 30, 15, 0, tzinfo=TZ)):
        figures = indicators.report(period)[0].figures
        assert (figures.received, figures.in_progress, figures.withdrawn) == (1, 1, 0)
    with at(datetime(2026, 12, 8, 9, 0, tzinfo=TZ)):  # past the deadline, still waiting
        late = indicators.late_dossiers(indicators.Period.month(2026, 12))
        assert list(late) == [dossier]
        services.accept_withdrawal(dossier=dossier, acting_user=office.leader)
        figures = indicators.report(indicators.Period.month(2026, 12))[0].figures
        assert (figures.withdrawn, figures.in_progress) == (1, 0)


@pytest.mark.parametrize(("state", "status"), [("withdrawal_requested", "withdrawal_requested"),
                                               ("withdrawn", "withdrawn")])
def test_the_national_portal_knows_withdrawal_requested(state, status):
    assert Dossier.NATIONAL_STATUS[Dossier.State(state)] == status
    assert set(Dossier.NATIONAL_STATUS) == set(Dossier.State)


def test_a_withdrawal_before_receipt_stays_immediate(office):
    dossier = services.request_documents(dossier=filed(office), acting_user=office.receiver, missing="Thiếu đơn")
    dossier = requested(dossier, office)
    assert dossier.state == "withdrawn" and dossier.closed_at is not None


def test_integrators_hear_of_the_request_and_its_decision_with_the_national_status(office, django_user_model):
    from tests.api.conftest import Integrator
    from workflows.integrations import webhooks
    from workflows.integrations.models import WebhookSubscription

    portal = Integrator(django_user_model, "dvcqg", roles=[(office.department, "specialist")])
    subscription = WebhookSubscription.objects.create(client=portal.client, url="https://dvcqg.example/events",
                                                      secret="s" * 32)
    dossier = requested(at_specialist(office), office)
    services.accept_withdrawal(dossier=dossier, acting_user=office.leader)

    sent = [webhooks.payload(event) for event in OutboxEvent.objects.filter(dossier=dossier, event="webhook")
            .order_by("pk") if webhooks.subscribers(event) == [subscription]]
    assert [(event["type"], event["data"]["national_status"]) for event in sent][-2:] == [
        ("dossier.withdraw", "withdrawal_requested"), ("dossier.accept_withdrawal", "withdrawn")]
