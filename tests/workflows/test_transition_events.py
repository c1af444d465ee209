"""Every state change publishes its event: walking every transition of the registry through its service writes
the integrators' webhook event for each, and a dossier saved after a transition without its event is refused."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import AgencyFactory
from tests.office import pdf
from tests.workflows.test_lifecycle import at_decision, filed, received
from workflows.dossiers import services, transitions
from workflows.dossiers.events import UnpublishedTransition
from workflows.dossiers.models import Dossier, OutboxEvent
from workflows.payments import services as payments

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def consulted(office):
    """A dossier at the specialist's step, waiting for the finance department's opinion; and its officer."""
    finance = AgencyFactory(code="000.00.20.H56", name="Sở Tài chính")
    finance_officer = office.staff("taichinh", finance, "specialist")
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver, assignee=office.specialist)
    dossier = services.consult_agencies(dossier=dossier, acting_user=office.specialist, agencies=[finance],
                                        question="Cho ý kiến về nghĩa vụ tài chính", days=2)
    return dossier, finance_officer


def walk_every_transition(office):
    """Takes each transition of the registry at least once, through its service, as the window and the API do."""
    dossier = services.request_documents(dossier=filed(office), acting_user=office.receiver, missing="Tờ khai")
    dossier = services.update_form_data(dossier=dossier, acting_user=office.citizen,
                                        form_data={"address": "14 Lê Lợi"})
    dossier = services.resubmit_dossier(dossier=dossier, acting_user=office.citizen)
    dossier = services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)
    dossier = services.assign_dossier(dossier=dossier, acting_user=office.head, assignee=office.second_specialist)
    dossier = services.request_supplement(dossier=dossier, acting_user=office.second_specialist, missing="Bản vẽ")
    services.attach_document(dossier=dossier, acting_user=office.citizen, name="Bản vẽ", upload=pdf())
    dossier = services.supply_supplement(dossier=Dossier.objects.get(pk=dossier.pk), acting_user=office.citizen)
    dossier = services.notify_financial_obligation(dossier=dossier, acting_user=office.second_specialist,
                                                   amount=500_000, reason="Lệ phí cấp phép")
    payments.record_payment(dossier=dossier, acting_user=office.receiver, amount=500_000, method="desk",
                            reference="BL-1")  # paid in full: obligation_paid, the system's act
    dossier = services.hand_over(dossier=Dossier.objects.get(pk=dossier.pk), acting_user=office.second_specialist)
    dossier = services.send_back(dossier=dossier, acting_user=office.head, reason="Thiếu thẩm định")
    for officer in (office.second_specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    dossier = services.approve_dossier(dossier=dossier, acting_user=office.leader)
    services.return_result(dossier=dossier, acting_user=office.result_desk)

    services.refuse_dossier(dossier=filed(office), acting_user=office.receiver, reason="Không thuộc thẩm quyền")
    services.refuse_result(dossier=at_decision(office), acting_user=office.leader, reason="Không đủ điều kiện")

    dossier, finance_officer = consulted(office)
    services.answer_consultation(dossier=dossier, acting_user=finance_officer, answer="Đồng ý")  # end_consultation

    dossier = services.withdraw_dossier(dossier=received(office), acting_user=office.citizen, reason="Đổi ý")
    dossier = services.decline_withdrawal(dossier=dossier, acting_user=office.leader, reason="Đã thẩm định xong")
    dossier = services.withdraw_dossier(dossier=dossier, acting_user=office.citizen, reason="Vẫn muốn rút")
    services.accept_withdrawal(dossier=dossier, acting_user=office.leader)

    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    dossier = services.request_supplement(dossier=dossier, acting_user=office.specialist, missing="Bản sao")
    services.lapse_supplement_request(dossier_id=dossier.pk, now=dossier.supplement_due_at + timedelta(minutes=1))


@time_machine.travel(datetime(2026, 3, 9, 9, tzinfo=TZ))
def test_every_transition_in_the_registry_writes_its_event(office):
    walk_every_transition(office)
    with time_machine.travel(datetime(2026, 3, 16, 9, tzinfo=TZ)):  # due soon: an apology is in order
        dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    with time_machine.travel(datetime(2026, 3, 23, 9, tzinfo=TZ)):
        services.apologise(dossier=dossier, acting_user=office.leader, reason="Chờ ý kiến liên ngành",
                           new_appointment=datetime(2026, 3, 27, 17, tzinfo=TZ))

    published = set(OutboxEvent.objects.filter(event="webhook").values_list("data__action", flat=True))
    assert set(transitions.TRANSITIONS) - published == set()


def test_the_last_consultation_answer_tells_integrators_and_puts_the_dossier_back_in_the_askers_queue(office):
    dossier, finance_officer = consulted(office)
    dossier = services.answer_consultation(dossier=dossier, acting_user=finance_officer, answer="Đồng ý")

    assert dossier.state == "processing"
    webhook = OutboxEvent.objects.get(event="webhook", data__action="end_consultation")
    assert webhook.data["state"] == "processing" and webhook.data["version"] == dossier.version
    back = OutboxEvent.objects.filter(event="queued", dossier=dossier).latest("id")
    assert back.data["position"] == ["processing", dossier.current_step_order, office.specialist.pk]
    assert back.data["actor"] == finance_officer.pk


def test_an_answer_that_is_not_the_last_publishes_nothing(office):
    finance = AgencyFactory(code="000.00.20.H56", name="Sở Tài chính")
    land = AgencyFactory(code="000.00.21.H56", name="Sở Nông nghiệp và Môi trường")
    finance_officer = office.staff("taichinh", finance, "specialist")
    office.staff("moitruong", land, "specialist")
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    dossier = services.consult_agencies(dossier=dossier, acting_user=office.specialist, agencies=[finance, land],
                                        question="Ý kiến?", days=2)
    before = OutboxEvent.objects.count()
    services.answer_consultation(dossier=dossier, acting_user=finance_officer, answer="Đồng ý")
    assert OutboxEvent.objects.count() == before


def test_a_dossier_saved_after_a_transition_without_its_event_is_refused(office):
    dossier, finance_officer = consulted(office)
    dossier.consultations.update(answer="Đồng ý", answered_at=dossier.updated_at, answered_by=finance_officer)
    dossier.end_consultation()
    with pytest.raises(UnpublishedTransition, match="end_consultation"):
        dossier.save()
    assert Dossier.objects.get(pk=dossier.pk).state == "consulting"
