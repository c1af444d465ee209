"""The citizen's answer to the agency's request for a supplement, on its own page."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.citizens.test_my_dossiers import received, submitted
from tests.office import pdf
from workflows.dossiers import services
from workflows.dossiers.models import Dossier

OUTSIDE = "Giấy xác nhận của UBND xã về nguồn gốc đất"
ANSWERS = {"form-dia_chi_cong_trinh": "Thôn 3", "form-dien_tich": "80", "form-so_dinh_danh_chu_dau_tu": "038195001234"}


def paused(portal, missing=f"- {OUTSIDE}\n- Bản vẽ thiết kế xây dựng có chữ ký của chủ đầu tư"):
    dossier = services.hand_over(dossier=received(portal), acting_user=portal.receiver)
    return services.request_supplement(dossier=dossier, acting_user=portal.specialist, missing=missing)


def supply_url(dossier):
    return reverse("citizens:supply", args=[dossier.pk])


def answer(client, dossier, **fields):
    return client.post(supply_url(dossier), {"expected_version": dossier.version, **ANSWERS, **fields})


def test_a_dossier_asked_for_a_supplement_is_answered_on_its_own_page(citizen_client, portal):
    dossier = paused(portal)
    before_receipt = services.request_documents(dossier=submitted(portal), acting_user=portal.receiver,
                                                missing=OUTSIDE)

    for waiting in (dossier, before_receipt):
        response = citizen_client.get(reverse("citizens:edit", args=[waiting.pk]))
        assert response.status_code == 302 and response.url == supply_url(waiting)
    detail = citizen_client.get(reverse("citizens:detail", args=[dossier.pk])).content.decode()
    assert f'href="{supply_url(dossier)}"' in detail


def test_the_page_offers_an_upload_for_each_requested_item(citizen_client, portal):
    dossier = paused(portal)
    services.attach_document(dossier=dossier, acting_user=portal.citizen, document_order=2,
                             upload=pdf("ban-ve-cu.pdf"))

    page = citizen_client.get(supply_url(dossier))

    body = page.content.decode()
    items = [(item["name"], item["order"], attached and attached.original_filename)
             for item, _field, attached in page.context["items"]]
    assert items == [(OUTSIDE, None, None),
                     ("Bản vẽ thiết kế xây dựng có chữ ký của chủ đầu tư", 2, "ban-ve-cu.pdf")]
    assert 'name="item_1"' in body and 'name="item_2"' in body and 'name="extra_file"' in body
    assert "Thay cho tệp bạn đã đính kèm trước đó: ban-ve-cu.pdf" in body


def test_the_citizen_sends_an_item_outside_the_procedures_documents_and_is_told_what_was_sent(citizen_client,
                                                                                             portal):
    dossier = paused(portal)

    response = answer(citizen_client, dossier, item_1=pdf("xac-nhan.pdf"), note="Bản sao có chứng thực")

    assert response.status_code == 302 and response.url == reverse("citizens:detail", args=[dossier.pk])
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING and dossier.paused_at is None
    extra = dossier.documents.get(is_current=True, document_order__isnull=True)
    assert (extra.name, extra.original_filename) == (OUTSIDE, "xac-nhan.pdf")
    page = citizen_client.get(response.url).content.decode()
    assert f"Đã gửi bổ sung: {OUTSIDE}." in page
    assert "Đã nộp hồ sơ" not in page


def test_a_file_for_an_item_naming_a_document_replaces_that_document(citizen_client, portal):
    dossier = paused(portal)

    answer(citizen_client, dossier, item_2=pdf("ban-ve-co-chu-ky.pdf"),
           extra_name="Ảnh hiện trạng", extra_file=pdf("anh.pdf"))

    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    current = {document.document_order: document.name for document in dossier.documents.filter(is_current=True)}
    assert current == {2: "Bản vẽ thiết kế xây dựng", None: "Ảnh hiện trạng"}
    assert dossier.documents.get(document_order=2, is_current=True).original_filename == "ban-ve-co-chu-ky.pdf"


def test_an_empty_answer_is_refused_with_a_form_error_and_the_clock_stays_stopped(citizen_client, portal):
    dossier = paused(portal)

    response = answer(citizen_client, dossier, note="Tôi đã nộp đủ rồi")

    assert response.status_code == 400
    assert "Chưa có gì được bổ sung" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PAUSED and dossier.paused_at is not None


def test_a_changed_answer_alone_is_an_answer(citizen_client, portal):
    dossier = paused(portal, missing="Diện tích xây dựng (m²) ghi chưa đúng")
    page = citizen_client.get(supply_url(dossier))
    assert page.context["answers_open"]

    response = answer(citizen_client, dossier, **{"form-dien_tich": "95"})

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING and dossier.form_data["dien_tich"] == "95"
    assert "Đã gửi bổ sung: đã sửa câu trả lời (Diện tích xây dựng (m²))." in citizen_client.get(
        response.url).content.decode()


def test_a_file_that_is_not_a_pdf_or_image_is_refused_at_its_item(citizen_client, portal):
    dossier = paused(portal)
    documents = dossier.documents.count()
    fake = SimpleUploadedFile("xac-nhan.pdf", b"MZ not a pdf", content_type="application/pdf")

    response = answer(citizen_client, dossier, item_1=fake, extra_file=pdf())

    assert response.status_code == 400
    form = response.context["form"]
    assert "item_1" in form.errors and "extra_name" in form.errors
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PAUSED and dossier.documents.count() == documents


def test_only_the_applicant_opens_the_page_and_only_while_the_agency_waits(citizen_client, portal):
    dossier = paused(portal)
    running = received(portal)
    response = citizen_client.get(supply_url(running))
    assert response.status_code == 302 and response.url == reverse("citizens:detail", args=[running.pk])

    citizen_client.force_login(portal.other_citizen)
    assert citizen_client.get(supply_url(dossier)).status_code == 404


def test_the_officer_sees_the_supplied_items_by_name_in_the_window(citizen_client, portal):
    dossier = paused(portal)
    answer(citizen_client, dossier, item_1=pdf("xac-nhan.pdf"))

    citizen_client.force_login(portal.specialist)
    page = citizen_client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk])).content.decode()

    assert OUTSIDE in page and "xac-nhan.pdf" in page and "tài liệu bổ sung" in page
