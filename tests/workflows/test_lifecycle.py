"""A dossier's life through the service layer: each transition, who may take it, and what it records."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from tests.factories import ProcedureFactory
from workflows.dossiers import services
from workflows.dossiers.events import dossier_changed
from workflows.dossiers.models import AuditEntry, Dossier

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_MORNING = datetime(2026, 3, 9, 9, 0, tzinfo=TZ)


def filed(office, **kwargs):
    dossier = services.create_draft(procedure=office.procedure, acting_user=office.citizen,
                                    form_data={"address": "12 Lê Lợi"})
    return services.submit_dossier(dossier=dossier, acting_user=office.citizen, receiving_agency=office.desk,
                                   **kwargs)


def received(office):
    return services.receive_dossier(dossier=filed(office), acting_user=office.receiver)


def at_decision(office):
    dossier = received(office)
    for officer in (office.receiver, office.specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    return dossier


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_a_dossier_lives_from_filing_to_returned_result(office):
    dossier = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    assert (dossier.state, dossier.code, dossier.applicant_name) == ("draft", None, "Lan Nguyễn")

    dossier = services.submit_dossier(dossier=dossier, acting_user=office.citizen, receiving_agency=office.desk)
    assert re.fullmatch(r"000\.00\.01\.H56-260309-0001", dossier.code)
    assert dossier.national_status == "new"

    dossier = services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    assert dossier.competent_agency == office.department
    assert dossier.due_at == dossier.appointment_at == datetime(2026, 3, 16, 17, tzinfo=TZ)
    assert dossier.current_step["role"] == "receiving_officer"
    # The first step's half day is the first half of the limit's first counted day: Tuesday 07:00–11:00.
    assert dossier.step_due_at == datetime(2026, 3, 10, 11, tzinfo=TZ)

    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver, assignee=office.specialist)
    assert (dossier.state, dossier.current_step["role"], dossier.assignee) == (
        "processing", "specialist", office.specialist)
    dossier = services.hand_over(dossier=dossier, acting_user=office.specialist)
    dossier = services.hand_over(dossier=dossier, acting_user=office.head)
    dossier = services.approve_dossier(dossier=dossier, acting_user=office.leader)
    assert (dossier.state, dossier.outcome, dossier.current_step["role"]) == ("result_ready", "approved",
                                                                              "result_desk")
    dossier = services.return_result(dossier=dossier, acting_user=office.result_desk)
    assert dossier.state == "returned" and dossier.national_status == "result_returned"

    trail = list(dossier.audit_entries.values_list("action", "actor__username", "actor_role", "to_state"))
    assert trail == [
        ("created", "congdan", "applicant", "draft"),
        ("submit", "congdan", "applicant", "submitted"),
        ("receive", "tiepnhan", "receiving_officer", "received"),
        ("hand_over", "tiepnhan", "receiving_officer", "processing"),
        ("hand_over", "chuyenvien", "specialist", "processing"),
        ("hand_over", "truongphong", "department_head", "processing"),
        ("approve", "giamdoc", "agency_leader", "result_ready"),
        ("return_result", "trakq", "result_desk", "returned"),
    ]
    specialist_entry = dossier.audit_entries.get(actor=office.specialist)
    assert specialist_entry.actor_agency == office.department and specialist_entry.step_order == 2
    assert specialist_entry.data["step_due_at"]


def test_codes_count_per_agency_and_day(office):
    first, second = filed(office), filed(office)
    other = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    other = services.submit_dossier(dossier=other, acting_user=office.citizen, receiving_agency=office.other_desk)
    assert [first.code[-4:], second.code[-4:], other.code[-4:]] == ["0001", "0002", "0001"]


def test_a_walk_in_is_filed_at_the_officers_desk(office):
    dossier = services.create_draft(procedure=office.procedure, acting_user=office.other_receiver,
                                    applicant={"name": "Trần Văn B", "identity_number": "038090001234"})
    dossier = services.submit_dossier(dossier=dossier, acting_user=office.other_receiver)
    assert (dossier.channel, dossier.filing_desk, dossier.receiving_agency) == (
        "counter", office.other_desk, office.other_desk)
    assert dossier.code.startswith("000.00.02.H56-")
    dossier = services.receive_dossier(dossier=dossier, acting_user=office.other_receiver)
    assert dossier.competent_agency == office.department


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        ("specialist", services.NotPermitted),      # wrong role
        ("other_receiver", services.NotPermitted),  # a receiving officer at another desk
        ("citizen", services.NotPermitted),
        ("leader", services.NotPermitted),
    ],
)
def test_only_the_receiving_desks_officer_receives(office, actor, error):
    dossier = filed(office)
    with pytest.raises(error):
        services.receive_dossier(dossier=dossier, acting_user=getattr(office, actor))
    dossier.refresh_from_db()
    assert dossier.state == "submitted" and dossier.audit_entries.count() == 2


def test_transitions_refuse_the_wrong_state(office):
    draft = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    with pytest.raises(services.InvalidTransition):
        services.receive_dossier(dossier=draft, acting_user=office.receiver)
    done = services.return_result(dossier=services.approve_dossier(dossier=at_decision(office),
                                                                   acting_user=office.leader),
                                  acting_user=office.result_desk)
    with pytest.raises(services.InvalidTransition):
        services.withdraw_dossier(dossier=done, acting_user=office.citizen, reason="Không cần nữa")


def test_refusal_needs_a_written_reason(office):
    dossier = filed(office)
    with pytest.raises(ValidationError):
        services.refuse_dossier(dossier=dossier, acting_user=office.receiver, reason="  ")
    dossier = services.refuse_dossier(dossier=dossier, acting_user=office.receiver,
                                      reason="Không thuộc thẩm quyền")
    assert (dossier.state, dossier.national_status, dossier.reason) == ("refused", "not_received",
                                                                        "Không thuộc thẩm quyền")
    assert dossier.audit_entries.last().note == "Không thuộc thẩm quyền"


def test_supplement_before_receipt_then_resubmission(office):
    dossier = services.request_documents(dossier=filed(office), acting_user=office.receiver,
                                         missing="Thiếu bản vẽ thiết kế")
    assert dossier.state == "incomplete" and dossier.due_at is None
    with pytest.raises(services.NotPermitted):
        services.resubmit_dossier(dossier=dossier, acting_user=office.other_citizen)
    dossier = services.update_form_data(dossier=dossier, acting_user=office.citizen,
                                        form_data={"address": "14 Lê Lợi"})
    dossier = services.resubmit_dossier(dossier=dossier, acting_user=office.citizen)
    assert dossier.state == "submitted"
    change = dossier.audit_entries.get(action="form_changed")
    assert change.data == {"changes": {"address": {"old": "12 Lê Lợi", "new": "14 Lê Lợi"}}}


def test_only_the_assignee_or_role_holders_act_on_a_step(office):
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver,
                                 assignee=office.specialist)
    with pytest.raises(services.NotPermitted):
        services.hand_over(dossier=dossier, acting_user=office.second_specialist)
    dossier = services.assign_dossier(dossier=dossier, acting_user=office.head, assignee=office.second_specialist)
    with pytest.raises(services.NotPermitted):
        services.hand_over(dossier=dossier, acting_user=office.specialist)
    dossier = services.hand_over(dossier=dossier, acting_user=office.second_specialist)
    assert dossier.current_step["role"] == "department_head"


def test_only_a_published_procedure_in_force_is_filed(office):
    procedure = office.procedure
    procedure.effective_to = timezone.localdate() - timedelta(days=1)
    procedure.save(update_fields=["effective_to"])
    with pytest.raises(services.DossierError, match="chưa thể nộp hồ sơ"):
        services.create_draft(procedure=procedure, acting_user=office.citizen)
    procedure.effective_to, procedure.is_active = None, False
    procedure.save(update_fields=["effective_to", "is_active"])
    with pytest.raises(services.DossierError, match="chưa thể nộp hồ sơ"):
        services.create_draft(procedure=procedure, acting_user=office.citizen)
    with pytest.raises(services.DossierError, match="chưa có phiên bản được công bố"):
        services.create_draft(procedure=ProcedureFactory(), acting_user=office.citizen)
    procedure.is_active = True
    procedure.save(update_fields=["is_active"])
    assert services.create_draft(procedure=procedure, acting_user=office.citizen).state == Dossier.State.DRAFT
    assert not Dossier.objects.exclude(procedure=procedure).exists()


def test_assignee_must_hold_the_steps_role(office):
    with pytest.raises(services.DossierError):
        services.hand_over(dossier=received(office), acting_user=office.receiver, assignee=office.leader)


def test_the_decision_comes_at_the_signing_step_only(office):
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    with pytest.raises(services.InvalidTransition):
        services.approve_dossier(dossier=dossier, acting_user=office.specialist)
    dossier = at_decision(office)
    with pytest.raises(services.InvalidTransition):
        services.hand_over(dossier=dossier, acting_user=office.leader)
    dossier = services.refuse_result(dossier=dossier, acting_user=office.leader, reason="Không đủ điều kiện")
    assert (dossier.state, dossier.outcome) == ("result_ready", "refused")


def test_the_applicant_withdraws_at_once_before_receipt(office):
    dossier = filed(office)
    with pytest.raises(services.NotPermitted):
        services.withdraw_dossier(dossier=dossier, acting_user=office.other_citizen, reason="x")
    dossier = services.withdraw_dossier(dossier=dossier, acting_user=office.citizen, reason="Đổi ý")
    assert (dossier.state, dossier.national_status, dossier.reason) == ("withdrawn", "withdrawn", "Đổi ý")
    assert dossier.closed_at is not None


def test_officers_are_offered_only_what_they_may_do_now(office):
    dossier = filed(office)
    names = lambda user: sorted(t.name for t in services.available_transitions(dossier, user))  # noqa: E731
    assert names(office.receiver) == ["receive", "refuse", "request_documents"]
    assert names(office.other_receiver) == []
    assert names(office.specialist) == []
    assert names(office.citizen) == ["withdraw"]
    dossier = at_decision(office)
    assert names(office.leader) == ["approve", "assign", "consult", "notify_obligation", "refuse_result",
                                    "request_supplement", "send_back"]
    assert names(office.specialist) == []


def test_state_cannot_be_assigned_directly(office):
    dossier = filed(office)
    with pytest.raises(AttributeError):
        dossier.state = "returned"


def test_a_stale_version_is_refused_with_a_reload_message(office):
    dossier = filed(office)
    seen = dossier.version
    services.request_documents(dossier=dossier, acting_user=office.receiver, missing="Thiếu tờ khai")
    with pytest.raises(services.DossierChanged, match="Reload|Tải lại|tải lại"):
        services.receive_dossier(dossier=dossier, acting_user=office.receiver, expected_version=seen)
    assert Dossier.objects.get(pk=dossier.pk).state == "incomplete"


def test_transitions_stay_within_eight_queries(office, django_assert_max_num_queries):
    dossier = received(office)
    for user in (office.receiver, office.specialist, office.head):
        user.staff_memberships.first()  # a request's user has been loaded already
    with django_assert_max_num_queries(8):
        dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)
    with django_assert_max_num_queries(8):
        dossier = services.hand_over(dossier=dossier, acting_user=office.specialist)


def test_the_change_is_announced_after_commit_and_never_on_rollback(office, django_capture_on_commit_callbacks):
    heard = []
    receiver = lambda **kwargs: heard.append((kwargs["action"], kwargs["state"]))  # noqa: E731
    dossier_changed.connect(receiver)
    try:
        dossier = filed(office)
        with django_capture_on_commit_callbacks(execute=True):
            services.receive_dossier(dossier=dossier, acting_user=office.receiver)
        assert heard == [("receive", "received")]
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                services.hand_over(dossier=dossier, acting_user=office.receiver)
                raise RuntimeError("the officer's request failed later")
        assert callbacks == [] and heard == [("receive", "received")]
    finally:
        dossier_changed.disconnect(receiver)


def test_the_audit_trail_cannot_be_rewritten(office):
    entry = filed(office).audit_entries.first()
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="sửa")
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE workflows_auditentry SET note = 'sửa' WHERE id = %s", [entry.pk])


def test_a_desk_that_may_not_receive_the_procedure_is_refused(office):
    office.procedure.boundary_free = False
    office.procedure.save()
    from procedures.services import publish_procedure_version

    publish_procedure_version(procedure=office.procedure)
    office.department.receives_dossiers = False
    dossier = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    with pytest.raises(services.DossierError):
        services.submit_dossier(dossier=dossier, acting_user=office.citizen, receiving_agency=office.department)
