"""Sending feedback or a recommendation: on one's own dossier signed in, on a dossier with its code and the
applicant's phone or identity digits, or on a procedure; to the agency that must answer, who hears of it."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.urls import reverse

from procedures.models import Agency, Procedure
from tests.factories import AgencyFactory, CommuneFactory, ProcedureFactory
from tests.workflows.feedback.helpers import sent_on
from tests.workflows.test_lifecycle import filed
from workflows.dossiers.models import AuditEntry, OutboxEvent
from workflows.feedback import services
from workflows.feedback.models import Feedback, FeedbackAuditEntry
from workflows.notifications import messages as notifications

pytestmark = pytest.mark.django_db


def told(event_name):
    return [{address for _channel, address, _language in notifications.recipients(event)}
            for event in OutboxEvent.objects.filter(event=event_name).order_by("pk")]


def test_a_signed_in_applicant_sends_feedback_on_their_dossier_to_its_competent_agency(office, dossier):
    feedback = sent_on(dossier, office.citizen)

    assert re.fullmatch(r"PA-\d{6}-[2-9A-HJ-NP-Z]{4}", feedback.code)
    assert (feedback.dossier, feedback.procedure, feedback.agency) == (dossier, office.procedure, office.department)
    assert (feedback.author, feedback.author_name, feedback.email, feedback.phone) == (
        office.citizen, "Nguyễn Thị Lan", "congdan@example.vn", "0912345678")
    assert (feedback.status, feedback.answered_on_time, feedback.satisfied) == (Feedback.Status.OPEN, None, None)
    # Its own trail and the dossier's both record it, alike.
    assert list(FeedbackAuditEntry.objects.values_list("action", "actor", "data")) == [
        ("feedback_sent", office.citizen.pk, {"feedback": feedback.code, "kind": "feedback"})]
    assert AuditEntry.objects.filter(dossier=dossier, action="feedback_sent", actor=office.citizen).count() == 1
    # The department's leaders hear of it; its specialists and the desk that received the dossier do not.
    assert told("feedback_received") == [{office.head.email, office.leader.email}]
    subject, body = notifications.email(OutboxEvent.objects.get(event="feedback_received"), "vi")
    assert subject == f"[OneStop] Phản ánh, kiến nghị mới cần trả lời: {feedback.code}"
    assert f"Người dân gửi phản ánh ({feedback.code}) về \"Cấp giấy phép xây dựng\", Sở Xây dựng cần trả lời" in body
    assert reverse("admin:feedback_feedback_change", args=[feedback.pk]) in body


def test_before_the_dossier_is_routed_its_receiving_desk_answers(office, applicant):
    feedback = sent_on(filed(office), office.citizen)

    assert feedback.agency == office.desk
    assert told("feedback_received") == [{office.receiver.email}]


def test_anyone_with_the_code_and_the_applicants_phone_or_identity_digits_sends_feedback(client, office, dossier):
    page = client.post(reverse("feedback:send-by-code"), {
        "code": dossier.code.lower(), "verifier": "0912 345 678", "kind": "recommendation",
        "content": "Đề nghị niêm yết rõ thời hạn ở bộ phận một cửa.", "author_name": "Trần Văn Bình",
        "phone": "+84 903 111 222"}, follow=True)

    feedback = Feedback.objects.get()
    assert (feedback.author, feedback.author_name, feedback.phone, feedback.email) == (
        None, "Trần Văn Bình", "0903111222", "")
    assert (feedback.kind, feedback.dossier, feedback.agency) == ("recommendation", dossier, office.department)
    assert page.redirect_chain[-1][0] == f"{reverse('feedback:lookup')}?ma={feedback.code}"
    assert f"Đã gửi phản ánh, kiến nghị. Mã phản ánh: {feedback.code}; Sở Xây dựng sẽ trả lời trước" in (
        page.content.decode())
    # The last four digits of the identity number work as well.
    services.submit_feedback(acting_user=AnonymousUser(), kind="feedback", content="Chậm trả kết quả.",
                             dossier=dossier, verifier="1234", author_name="Lan", email="lan@example.vn")
    assert Feedback.objects.count() == 2


@pytest.mark.parametrize("verifier", ["0912345679", "4321", "12"], ids=["wrong phone", "wrong digits", "too short"])
def test_a_wrong_verifier_is_refused_and_nothing_is_recorded(client, office, dossier, verifier):
    page = client.post(reverse("feedback:send-by-code"), {
        "code": dossier.code, "verifier": verifier, "kind": "feedback", "content": "Chậm trả kết quả.",
        "author_name": "Trần Văn Bình", "email": "binh@example.vn"})

    assert page.status_code == 400
    assert "Không tìm thấy hồ sơ khớp" in page.context["form"].errors["verifier"][0]
    with pytest.raises(services.NotPermitted):
        services.submit_feedback(acting_user=AnonymousUser(), kind="feedback", content="Chậm trả kết quả.",
                                 dossier=dossier, verifier=verifier, author_name="Bình", email="binh@example.vn")
    assert not Feedback.objects.exists() and not OutboxEvent.objects.filter(event="feedback_received").exists()


def test_a_citizen_sends_nothing_on_someone_elses_dossier(client, office, dossier):
    client.force_login(office.other_citizen)

    assert client.get(reverse("feedback:send-on-dossier", args=[dossier.pk])).status_code == 404
    with pytest.raises(services.NotPermitted):
        sent_on(dossier, office.other_citizen)


def test_a_sender_without_an_account_says_who_they_are_and_how_to_reach_them(client, office, dossier):
    page = client.post(reverse("feedback:send-on-procedure", args=[office.procedure.code]),
                       {"kind": "feedback", "content": "  ", "author_name": "", "phone": "12345"})

    assert page.status_code == 400
    errors = page.context["form"].errors
    assert set(errors) == {"content", "author_name", "phone"}
    assert "10 chữ số" in errors["phone"][0]
    page = client.post(reverse("feedback:send-on-procedure", args=[office.procedure.code]),
                       {"kind": "feedback", "content": "Chậm.", "author_name": "Bình"})
    assert page.context["form"].errors["email"] == [
        "Vui lòng cho biết địa chỉ email hoặc số điện thoại để cơ quan trả lời quý vị."]
    with pytest.raises(ValidationError) as refused:
        services.submit_feedback(acting_user=AnonymousUser(), kind="complaint", content="",
                                 procedure=office.procedure)
    assert set(refused.value.message_dict) == {"kind", "content", "author_name", "email"}
    assert not Feedback.objects.exists()


def test_feedback_on_a_procedure_goes_to_its_competent_agency(client, office, applicant):
    client.force_login(office.citizen)
    page = client.post(reverse("feedback:send-on-procedure", args=[office.procedure.code]),
                       {"kind": "recommendation", "content": "Đề nghị cho nộp bản vẽ dạng điện tử."}, follow=True)

    feedback = Feedback.objects.get()
    assert (feedback.dossier, feedback.procedure, feedback.agency, feedback.author) == (
        None, office.procedure, office.department, office.citizen)
    assert page.redirect_chain[-1][0] == reverse("feedback:detail", args=[feedback.code])
    assert FeedbackAuditEntry.objects.filter(feedback=feedback, action="feedback_sent").count() == 1
    assert not AuditEntry.objects.filter(action="feedback_sent").exists()


def test_feedback_on_a_commune_level_procedure_goes_to_the_committee_the_citizen_chooses(client, office):
    ward = CommuneFactory(name="Phường Hạc Thành")
    committee = AgencyFactory(code="000.01.01.H56", name="UBND phường Hạc Thành",
                              kind=Agency.Kind.COMMUNE_COMMITTEE, unit=ward)
    AgencyFactory(code="000.01.02.H56", name="Điểm phục vụ phường Hạc Thành",
                  kind=Agency.Kind.COMMUNE_SERVICE_POINT, unit=ward, parent=committee)
    procedure = ProcedureFactory(level=Procedure.Level.COMMUNE, competent_agency=None,
                                 competent_agency_kind=Agency.Kind.COMMUNE_COMMITTEE)
    url = reverse("feedback:send-on-procedure", args=[procedure.code])
    data = {"kind": "feedback", "content": "Cán bộ hẹn nhiều lần.", "author_name": "Bình", "email": "b@example.vn"}

    page = client.get(url)
    assert [agency.name for agency in page.context["form"].fields["agency"].queryset] == ["UBND phường Hạc Thành"]
    assert "agency" in client.post(url, data).context["form"].errors
    client.post(url, {**data, "agency": committee.pk})
    assert Feedback.objects.get().agency == committee
    with pytest.raises(ValidationError) as refused:
        services.submit_feedback(acting_user=AnonymousUser(), procedure=procedure, agency=None, **data)
    assert refused.value.message_dict["agency"] == ["Vui lòng chọn xã, phường cần trả lời."]


def test_the_dossier_page_the_procedure_page_and_the_lookup_lead_to_the_feedback_form(client, office, dossier):
    procedure_page = client.get(reverse("procedures:detail", args=[office.procedure.code])).content.decode()
    assert reverse("feedback:send-on-procedure", args=[office.procedure.code]) in procedure_page
    assert "Gửi phản ánh, kiến nghị" in procedure_page
    lookup = client.post(reverse("citizens:lookup"), {"code": dossier.code, "verifier": "1234"}).content.decode()
    assert f'{reverse("feedback:send-by-code")}?ma={dossier.code}' in lookup
    client.force_login(office.citizen)
    own = client.get(reverse("citizens:detail", args=[dossier.pk])).content.decode()
    assert reverse("feedback:send-on-dossier", args=[dossier.pk]) in own and "Gửi phản ánh, kiến nghị" in own
    feedback = sent_on(dossier, office.citizen)
    own = client.get(reverse("citizens:detail", args=[dossier.pk])).content.decode()
    assert reverse("feedback:detail", args=[feedback.code]) in own and "Đang chờ trả lời" in own
