"""The staff single window in the admin: queues scoped by agency and role, the dossier page, transitions."""

import pytest
from django.urls import reverse

from tests.factories import AgencyFactory
from tests.office import pdf
from tests.workflows.test_lifecycle import filed, received
from workflows.dossiers import services
from workflows.dossiers.models import Dossier, StaffMembership

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def queue(client, slug):
    page = client.get(reverse("admin:workflows_dossier_changelist"), {"queue": slug})
    assert page.status_code == 200
    return [dossier.code for dossier in page.context["cl"].result_list], {
        queue.slug: count for queue, count in page.context["queue_counts"]}


def act(client, dossier, name, **data):
    return client.post(reverse("admin:workflows_dossier_act", args=[dossier.pk, name]),
                       {"expected_version": dossier.version, **data}, follow=True)


def test_the_receiving_desk_sees_what_it_must_receive_and_nothing_of_other_desks(client, office):
    mine = filed(office)
    theirs = services.submit_dossier(
        dossier=services.create_draft(procedure=office.procedure, acting_user=office.citizen),
        acting_user=office.citizen, receiving_agency=office.other_desk)

    codes, counts = queue(signed_in(client, office.receiver), "to_receive")

    assert codes == [mine.code] and counts["to_receive"] == 1
    assert client.get(reverse("admin:workflows_dossier_change", args=[theirs.pk])).status_code == 404


def test_each_role_finds_its_dossiers_in_its_queue(client, office):
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver,
                                 assignee=office.specialist)

    assert queue(signed_in(client, office.specialist), "my_work")[0] == [dossier.code]
    assert queue(signed_in(client, office.second_specialist), "my_work")[0] == []
    assert queue(signed_in(client, office.head), "my_agency")[0] == [dossier.code]
    assert queue(signed_in(client, office.receiver), "my_agency")[0] == []


def test_a_citizen_and_staff_of_unrelated_agencies_see_nothing(client, office):
    dossier = received(office)
    outsider = office.staff("sotuphap", AgencyFactory(code="000.00.09.H56", name="Sở Tư pháp"), "specialist")

    assert queue(signed_in(client, outsider), "")[0] == []
    assert client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk])).status_code == 404
    assert act(client, dossier, "hand_over").status_code == 404
    client.force_login(office.citizen)
    assert client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk])).status_code == 302


def test_the_page_offers_only_what_this_person_may_do_now(client, office):
    dossier = filed(office)

    receiver_page = signed_in(client, office.receiver).get(reverse("admin:workflows_dossier_change",
                                                                   args=[dossier.pk]))
    specialist_page = signed_in(client, office.specialist).get(reverse("admin:workflows_dossier_change",
                                                                       args=[dossier.pk]))

    assert {t["name"] for t in receiver_page.context["transitions"]} == {"receive", "refuse", "request_documents"}
    assert specialist_page.status_code == 404  # not yet routed to the department


def test_a_dossier_is_carried_through_the_window_with_reasons_and_the_result(client, office):
    dossier = filed(office)
    signed_in(client, office.receiver)
    act(client, dossier, "receive")
    dossier.refresh_from_db()
    act(client, dossier, "hand_over", assignee=office.specialist.pk)
    dossier.refresh_from_db()
    assert (dossier.state, dossier.assignee) == (Dossier.State.PROCESSING, office.specialist)

    signed_in(client, office.specialist)
    blank = act(client, dossier, "send_back", reason="  ")
    assert "reason" in blank.content.decode().lower() or "lý do" in blank.content.decode().lower()
    act(client, dossier, "hand_over")
    dossier.refresh_from_db()
    signed_in(client, office.head)
    act(client, dossier, "hand_over")
    dossier.refresh_from_db()
    signed_in(client, office.leader)
    act(client, dossier, "approve", result_file=pdf("giay-phep.pdf"))
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RESULT_READY and dossier.result_file

    _codes, counts = queue(signed_in(client, office.result_desk), "to_return")
    assert counts["to_return"] == 1
    act(client, dossier, "return_result")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RETURNED
    slip = client.get(reverse("admin:workflows_dossier_slip", args=[dossier.pk, "process_control"]))
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF")


def test_two_officers_at_once_one_wins_the_other_is_told_to_reload(client, office):
    dossier = filed(office)
    StaffMembership.objects.create(user=office.other_receiver, agency=office.desk, role="receiving_officer")
    stale_version = dossier.version
    signed_in(client, office.receiver)
    act(client, dossier, "receive")

    client.force_login(office.other_receiver)
    response = client.post(reverse("admin:workflows_dossier_act", args=[dossier.pk, "refuse"]),
                           {"expected_version": stale_version, "reason": "Không thuộc thẩm quyền", "confirmed": "on"},
                           follow=True)

    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED and not dossier.reason
    shown = [str(message) for message in response.context["messages"]]
    assert any(dossier.get_state_display() in message for message in shown)


def test_documents_open_for_the_staff_who_may_see_the_dossier_only(client, office):
    draft = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    document = services.attach_document(dossier=draft, acting_user=office.citizen, document_order=1,
                                        upload=pdf("don.pdf"))
    dossier = services.submit_dossier(dossier=draft, acting_user=office.citizen, receiving_agency=office.desk)
    url = reverse("admin:workflows_dossier_document", args=[dossier.pk, document.pk])

    assert signed_in(client, office.receiver).get(url).status_code == 200
    assert signed_in(client, office.other_receiver).get(url).status_code == 404


def test_a_queue_page_costs_the_same_queries_for_5_or_40_dossiers(client, office, django_assert_num_queries):
    for _ in range(5):
        received(office)
    signed_in(client, office.head)
    client.get(reverse("admin:workflows_dossier_changelist"))  # warm the session and the calendar
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("admin:workflows_dossier_changelist"), {"queue": "my_agency"})
    for _ in range(35):
        received(office)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("admin:workflows_dossier_changelist"), {"queue": "my_agency"})
    assert len(page.context["cl"].result_list) == 25  # a full page
    assert len(many.captured_queries) == len(few.captured_queries) <= 12


def walk_in(client, office, **data):
    return client.post(reverse("admin:workflows_dossier_file") + f"?procedure={office.procedure.code}", {
        "applicant_name": "Phạm Văn Đức", "applicant_identity_number": "038090004321",
        "applicant_phone": "0903 111 222", "result_delivery": "at_desk", "paper_documents": ["1"],
        "decision": "receive", **data}, follow=True)


def test_a_walk_in_is_filed_and_received_at_any_desk_and_routed_to_the_department(client, office):
    signed_in(client, office.other_receiver)

    response = walk_in(client, office, document_1=pdf("don-scan.pdf"))

    dossier = Dossier.objects.get()
    assert response.redirect_chain[-1][0] == reverse("admin:workflows_dossier_change", args=[dossier.pk])
    assert (dossier.state, dossier.channel) == (Dossier.State.RECEIVED, Dossier.Channel.COUNTER)
    assert dossier.code.startswith("000.00.02.H56-") and dossier.competent_agency == office.department
    assert (dossier.applicant_name, dossier.applicant_phone) == ("Phạm Văn Đức", "0903111222")
    assert dossier.documents.get().original_filename == "don-scan.pdf"
    assert dossier.audit_entries.get(action="submit").data["paper_documents"] == [1]


def test_a_walk_in_with_bad_input_gets_form_errors_and_nothing_is_filed(client, office):
    signed_in(client, office.receiver)

    response = walk_in(client, office, applicant_identity_number="12345", decision="refuse", reason="")

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"applicant_identity_number", "reason"}
    assert not Dossier.objects.exists()


def test_a_walk_in_can_be_asked_for_what_is_missing_at_once(client, office):
    signed_in(client, office.receiver)
    walk_in(client, office, decision="request_documents", reason="Thiếu bản vẽ thiết kế", paper_documents=[])
    dossier = Dossier.objects.get()
    assert dossier.state == Dossier.State.INCOMPLETE and dossier.reason == "Thiếu bản vẽ thiết kế"


def test_only_receiving_officers_file_walk_ins(client, office):
    signed_in(client, office.specialist)
    assert client.get(reverse("admin:workflows_dossier_file")).status_code == 403


def test_staff_leave_internal_notes_the_applicant_never_sees(client, office):
    from citizens.selectors import timeline

    dossier = received(office)
    signed_in(client, office.receiver)
    client.post(reverse("admin:workflows_dossier_note", args=[dossier.pk]), {"note": "Đã gọi điện cho ông Đức"})
    blank = client.post(reverse("admin:workflows_dossier_note", args=[dossier.pk]), {"note": " "}, follow=True)

    page = client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))
    assert "Đã gọi điện cho ông Đức" in page.content.decode()
    assert any("lý do" in str(m).lower() or "reason" in str(m).lower() for m in blank.context["messages"])
    assert dossier.audit_entries.filter(action="note").count() == 1
    assert "note" not in [event["action"] for event in timeline(dossier)]
    signed_in(client, office.other_receiver)
    assert client.post(reverse("admin:workflows_dossier_note", args=[dossier.pk]), {"note": "x"}).status_code == 404


def test_a_consulted_agency_answers_in_the_window_and_the_dossier_returns_to_its_step(client, office):
    finance = AgencyFactory(code="000.00.20.H56", name="Sở Tài chính")
    finance_officer = office.staff("taichinh", finance, "specialist")
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver, assignee=office.specialist)
    signed_in(client, office.specialist)
    act(client, dossier, "consult", agencies=[finance.pk], reason="Cho ý kiến về nghĩa vụ tài chính", days=2)

    page = signed_in(client, finance_officer).get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))
    assert page.context["may_answer"] and page.context["transitions"] == []
    client.post(reverse("admin:workflows_dossier_answer", args=[dossier.pk]), {"answer": "Đã hoàn thành"})

    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    assert dossier.consultations.get().answer == "Đã hoàn thành"
    again = client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))
    assert not again.context["may_answer"]


@pytest.mark.parametrize("params", [{"step": "abc"}, {"step": "99999999999999999999"}, {"sla": "zzz"},
                                    {"queue": "zzz"}])
def test_hand_edited_filters_show_the_queue_not_an_error(client, office, params):
    dossier = received(office)
    page = signed_in(client, office.receiver).get(reverse("admin:workflows_dossier_changelist"), params)
    assert page.status_code == 200 and dossier.code in page.content.decode()


def test_the_window_shows_a_withdrawal_request_and_settles_it_with_a_reason(client, office):
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver, assignee=office.specialist)
    dossier = services.withdraw_dossier(dossier=dossier, acting_user=office.citizen, reason="Nộp nhầm thủ tục")
    signed_in(client, office.leader)
    page = client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))
    assert "Nộp nhầm thủ tục" in page.content.decode()
    assert {"accept_withdrawal", "decline_withdrawal"} <= {t["name"] for t in page.context["transitions"]}

    blank = act(client, dossier, "decline_withdrawal", reason=" ")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.WITHDRAWAL_REQUESTED
    assert any(message.level_tag == "error" for message in blank.context["messages"])
    act(client, dossier, "decline_withdrawal", reason="Kết quả đã được ký")
    dossier.refresh_from_db()
    assert (dossier.state, dossier.assignee) == (Dossier.State.PROCESSING, office.specialist)

    dossier = services.withdraw_dossier(dossier=dossier, acting_user=office.citizen, reason="Vẫn muốn rút")
    signed_in(client, office.specialist)
    act(client, dossier, "accept_withdrawal", confirmed="on")
    dossier.refresh_from_db()
    assert (dossier.state, dossier.reason) == (Dossier.State.WITHDRAWN, "Vẫn muốn rút")


@pytest.mark.parametrize("name", ["no_such_thing", "lapse", "withdraw"])
def test_a_transition_the_window_does_not_offer_is_refused_with_a_message(client, office, name):
    dossier = received(office)

    page = act(signed_in(client, office.receiver), dossier, name)

    assert page.status_code == 200
    assert [str(message) for message in page.context["messages"]] == [
        "Không thể thực hiện thao tác này tại bộ phận một cửa."]
    assert Dossier.objects.get(pk=dossier.pk).version == dossier.version
