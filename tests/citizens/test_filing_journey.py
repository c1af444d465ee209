"""The citizen's filing journey: the start page, every problem at once with a summary, check your answers, the
confirmation, the account's details in a new draft and the answers readable on the dossier's page."""

import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from procedures.forms import initial_from_account
from procedures.models import FormField
from procedures.services import publish_procedure_version
from tests.citizens.test_filing import VALID_FORM, edit_url, start
from tests.factories import FormFieldFactory
from tests.office import PDF, pdf
from workflows.dossiers import services
from workflows.dossiers.models import Dossier


def summary_links(response):
    """The fields the error summary links to, in its order."""
    summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S).group(0)
    assert 'role="alert"' in summary and "Có thông tin cần sửa" in summary
    return re.findall(r'<a href="#([^"]+)"', summary)


def ready_for_review(client, portal):
    dossier = start(client, portal)
    response = client.post(edit_url(dossier), {**VALID_FORM, "result_delivery": "at_desk",
                                               "receiving_agency": portal.desk.pk, "action": "submit",
                                               "document_2": pdf("ban-ve.pdf")})
    assert response.status_code == 302 and response.url == reverse("citizens:review", args=[dossier.pk])
    return dossier


def test_the_start_page_says_what_is_needed_how_long_what_it_costs_and_how_the_result_comes(client, portal):
    portal.procedure.documents.get(order=2).template.save("mau-ban-ve.pdf", ContentFile(PDF))

    page = client.get(reverse("citizens:start", args=[portal.procedure.code]))

    assert page.status_code == 200  # open to anyone, before signing in
    body = page.content.decode()
    assert "Bản vẽ thiết kế xây dựng" in body and "Đơn đề nghị cấp giấy phép xây dựng" in body
    assert portal.procedure.time_limit_display in body
    assert "Không thu phí, lệ phí." in body
    assert "Tại nơi tiếp nhận hồ sơ; Qua bưu chính" in body
    template_url = reverse("procedures:document-template",
                           args=[portal.procedure.code, portal.procedure.documents.get(order=2).pk])
    assert template_url in body
    assert client.get(template_url).status_code == 200
    assert "Đăng nhập để bắt đầu" in body
    anonymous_start = client.post(reverse("citizens:start", args=[portal.procedure.code]))
    assert anonymous_start.status_code == 302 and reverse("account_login") in anonymous_start.url
    assert not Dossier.objects.exists()


def test_submitting_shows_every_problem_at_once_each_at_its_field_with_a_summary(citizen_client, portal):
    drawing = portal.procedure.documents.get(order=2)
    drawing.template.save("mau-ban-ve.pdf", ContentFile(PDF))
    dossier = start(citizen_client, portal)

    response = citizen_client.post(edit_url(dossier), {
        "dia_chi_cong_trinh": "", "dien_tich": "120.5", "so_dinh_danh_chu_dau_tu": "03819500123",
        "result_delivery": "at_desk", "receiving_agency": "", "action": "submit",
    })

    assert response.status_code == 400
    # The form, the missing drawing and the desk, together, in the page's order: no second or third round.
    assert summary_links(response) == ["id_dia_chi_cong_trinh", "id_so_dinh_danh_chu_dau_tu", "id_document_2",
                                       "id_receiving_agency"]
    assert set(response.context["form"].errors) == {"dia_chi_cong_trinh", "so_dinh_danh_chu_dau_tu"}
    assert response.context["delivery"].errors["receiving_agency"] == ["Vui lòng chọn nơi nộp hồ sơ."]
    assert response.context["documents"][1]["errors"] == ["Hãy đính kèm giấy tờ này."]
    body = response.content.decode()
    assert 'id="id_document_2" accept="application/pdf,image/jpeg,image/png" aria-invalid="true"' in body
    assert "Địa chỉ công trình: " in body  # the summary names the field each message is about
    # The missing document's template is at hand where it is attached.
    assert reverse("procedures:document-template", args=[portal.procedure.code, drawing.pk]) in body
    assert not list(response.context["messages"])  # no banner repeating it
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DRAFT
    assert dossier.form_data["dien_tich"] == "120.5"  # what was valid is kept


def test_saving_a_draft_still_checks_only_what_was_typed(citizen_client, portal):
    dossier = start(citizen_client, portal)

    response = citizen_client.post(edit_url(dossier), {"dia_chi_cong_trinh": "Thôn 3", "result_delivery": "at_desk",
                                                       "action": "save"})

    assert response.status_code == 302 and response.url == edit_url(dossier)


def test_the_review_lists_answers_documents_desk_and_delivery_each_with_a_change_link(citizen_client, portal):
    dossier = ready_for_review(citizen_client, portal)

    page = citizen_client.get(reverse("citizens:review", args=[dossier.pk]))

    assert page.status_code == 200
    body = page.content.decode()
    answers = {answer["label"]: answer["value"] for answer in page.context["answers"]}
    assert answers["Diện tích xây dựng (m²)"] == "120,5"
    assert answers["Số định danh của chủ đầu tư"] == "038195001234"
    assert "ban-ve.pdf" in body and portal.desk.name in body
    assert f'{edit_url(dossier)}#id_dien_tich' in body
    assert f'{edit_url(dossier)}#id_document_2' in body
    assert f'{edit_url(dossier)}#id_receiving_agency' in body
    assert body.count(">Thay đổi<") >= 6
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DRAFT

    filed = citizen_client.post(reverse("citizens:review", args=[dossier.pk]))

    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.SUBMITTED and dossier.receiving_agency == portal.desk
    assert filed.status_code == 302 and filed.url == reverse("citizens:filed", args=[dossier.pk])


def test_the_chosen_desk_stays_with_the_draft_and_its_officers_cannot_edit_it_before_filing(
        citizen_client, client, portal):
    dossier = ready_for_review(citizen_client, portal)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DRAFT and dossier.receiving_agency == portal.desk

    # Another browser of the same citizen (a new session) finds the review ready, desk and all.
    client.force_login(portal.citizen)
    review = client.get(reverse("citizens:review", args=[dossier.pk]))
    assert review.status_code == 200 and review.context["desk"] == portal.desk

    # The desk has not received it: its officer may not change a citizen's draft.
    with pytest.raises(services.NotPermitted):
        services.update_form_data(dossier=dossier, acting_user=portal.receiver, form_data={"dien_tich": "1"})


def test_the_review_needs_the_editor_first(citizen_client, portal):
    dossier = start(citizen_client, portal)

    response = citizen_client.post(reverse("citizens:review", args=[dossier.pk]))

    assert response.status_code == 302 and response.url == edit_url(dossier)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DRAFT


def test_the_review_shows_what_the_desk_refused_if_the_dossier_changed_meanwhile(citizen_client, portal):
    dossier = ready_for_review(citizen_client, portal)
    dossier.documents.update(is_current=False)  # e.g. replaced from another tab and then lost

    response = citizen_client.post(reverse("citizens:review", args=[dossier.pk]))

    assert response.status_code == 400
    assert "Bản vẽ thiết kế xây dựng" in re.search(r'<div class="error-summary".*?</div>',
                                                   response.content.decode(), re.S).group(0)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DRAFT


def test_the_confirmation_gives_the_code_large_what_happens_next_and_the_way_on(citizen_client, portal):
    dossier = ready_for_review(citizen_client, portal)
    citizen_client.post(reverse("citizens:review", args=[dossier.pk]))
    dossier.refresh_from_db()

    page = citizen_client.get(reverse("citizens:filed", args=[dossier.pk]))

    body = page.content.decode()
    assert re.search(rf'id="dossier-code">{re.escape(dossier.code)}<', body)
    assert f"{portal.desk.name} kiểm tra hồ sơ" in body
    assert "dự kiến trả kết quả trước" in body
    assert reverse("citizens:detail", args=[dossier.pk]) in body

    received = services.receive_dossier(dossier=dossier, acting_user=portal.receiver)
    page = citizen_client.get(reverse("citizens:filed", args=[dossier.pk]))
    body = page.content.decode()
    assert f"{received.appointment_at.astimezone():%d/%m/%Y}" in body
    assert reverse("citizens:slip", args=[dossier.pk, "receipt"]) in body


def test_a_draft_has_no_confirmation_yet(citizen_client, portal):
    dossier = start(citizen_client, portal)

    response = citizen_client.get(reverse("citizens:filed", args=[dossier.pk]))

    assert response.status_code == 302 and response.url == edit_url(dossier)


def requester_form(portal):
    """Birth registration's shape: the requester named apart from the child, whose name must stay blank."""
    fields = [("nguoi_yeu_cau_ho_ten", FormField.Kind.TEXT), ("nguoi_yeu_cau_so_dinh_danh",
                                                              FormField.Kind.IDENTITY_NUMBER),
              ("nguoi_yeu_cau_noi_cu_tru", FormField.Kind.TEXT), ("nguoi_yeu_cau_dien_thoai", FormField.Kind.PHONE),
              ("nguoi_yeu_cau_email", FormField.Kind.EMAIL), ("ho_ten", FormField.Kind.TEXT)]
    for order, (name, kind) in enumerate(fields, start=4):
        FormFieldFactory(procedure=portal.procedure, order=order, name=name, kind=kind, required=False)
    publish_procedure_version(procedure=portal.procedure)


def test_a_new_draft_starts_from_the_account_details(citizen_client, portal):
    portal.citizen.address = "Số 1 Lê Lợi, phường Hạc Thành"
    portal.citizen.save()
    requester_form(portal)
    dossier = start(citizen_client, portal)

    page = citizen_client.get(edit_url(dossier))

    initial = page.context["form"].initial
    assert (initial["nguoi_yeu_cau_ho_ten"], initial["nguoi_yeu_cau_so_dinh_danh"], initial["nguoi_yeu_cau_dien_thoai"],
            initial["nguoi_yeu_cau_email"], initial["nguoi_yeu_cau_noi_cu_tru"]) == (
        "Nguyễn Thị Lan", "038195001234", "0912345678", "congdan@example.vn", "Số 1 Lê Lợi, phường Hạc Thành")
    assert "ho_ten" not in initial  # the child's name, not the requester's
    assert 'value="Nguyễn Thị Lan"' in page.content.decode()

    # What the citizen cleared and saved stays cleared.
    citizen_client.post(edit_url(dossier), {"nguoi_yeu_cau_email": "", "result_delivery": "at_desk",
                                            "action": "save"})
    assert not citizen_client.get(edit_url(dossier)).context["form"].initial["nguoi_yeu_cau_email"]


@pytest.mark.parametrize(("names", "expected"), [
    pytest.param(["ho_ten", "ngay_sinh", "so_dinh_danh", "noi_cu_tru", "dien_thoai"],
                 {"ho_ten": "Nguyễn Thị Lan", "ngay_sinh": date(1995, 3, 8), "so_dinh_danh": "038195001234",
                  "noi_cu_tru": "Thôn 2", "dien_thoai": "0912345678"}, id="a-form-about-the-applicant"),
    pytest.param(["nguoi_yeu_cau_ho_ten", "ho_ten", "ngay_sinh"], {"nguoi_yeu_cau_ho_ten": "Nguyễn Thị Lan"},
                 id="a-form-about-someone-else"),
    pytest.param(["chu_ho_ho_ten", "chu_ho_so_dinh_danh", "email"],
                 {"chu_ho_ho_ten": "Nguyễn Thị Lan", "chu_ho_so_dinh_danh": "038195001234"},
                 id="no-email-on-the-account"),
])
def test_the_account_fills_only_the_fields_about_its_holder(names, expected, django_user_model, db):
    account = django_user_model(full_name="Nguyễn Thị Lan", identity_number="038195001234", phone="0912345678",
                                email="", address="Thôn 2", date_of_birth=date(1995, 3, 8))

    assert initial_from_account([{"name": name, "kind": "text"} for name in names], account) == expected


def test_the_dossier_page_shows_the_answers_readably(citizen_client, portal):
    for order, (name, label, kind, required) in enumerate([
        ("ngay_khoi_cong", "Ngày khởi công", FormField.Kind.DATE, True),
        ("loai_cong_trinh", "Loại công trình", FormField.Kind.CHOICE, True),
        ("xac_nhan", "Đề nghị xác nhận thêm", FormField.Kind.CHECKBOX, False),
        ("cam_doan", "Tôi xin cam đoan làm theo đúng giấy phép được cấp", FormField.Kind.CHECKBOX, True),
    ], start=4):
        FormFieldFactory(procedure=portal.procedure, order=order, name=name, label=label, kind=kind,
                         required=required,
                         choices="Nhà ở riêng lẻ\nCông trình công cộng" if kind == FormField.Kind.CHOICE else "")
    publish_procedure_version(procedure=portal.procedure)
    dossier = start(citizen_client, portal)
    citizen_client.post(edit_url(dossier), {**VALID_FORM, "ngay_khoi_cong": "2026-11-20",
                                            "loai_cong_trinh": "Nhà ở riêng lẻ", "cam_doan": "on",
                                            "result_delivery": "at_desk", "action": "save"})

    page = citizen_client.get(reverse("citizens:detail", args=[dossier.pk]))

    answers = re.search(r'<dl class="summary-list" id="answers">.*?</dl>', page.content.decode(), re.S).group(0)
    assert "20/11/2026" in answers and "2026-11-20" not in answers
    assert "True" not in answers and "False" not in answers
    assert re.search(r"Đề nghị xác nhận thêm</dt>\s*<dd>Không</dd>", answers)
    assert re.search(r"Cam đoan</dt>\s*<dd>Tôi xin cam đoan làm theo đúng giấy phép được cấp</dd>", answers)
    assert "Nhà ở riêng lẻ" in answers and "120,5" in answers


SIGNUP = {"full_name": "Trần Văn Minh", "identity_number": "03809500123", "email": "", "phone": "",
          "password1": "Thanh-Hoa-2026!", "password2": "Thanh-Hoa-2026?"}


def test_sign_up_lists_every_problem_at_the_top_and_at_its_field(client, db):
    response = client.post(reverse("account_signup"), SIGNUP)

    assert response.status_code == 200
    # Each problem once, linked: the missing contact leads to the email field.
    assert summary_links(response) == ["id_email", "id_identity_number", "id_password2"]
    body = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', body, re.S).group(0)
    assert "Vui lòng nhập địa chỉ email hoặc số điện thoại" in summary
    assert 'id="id_identity_number_errors"' in body
    assert "<title>Lỗi:" in body
