"""Answering a supplement request: the request's items, and the rule that an answer must bring something new."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.office import pdf
from workflows.dossiers import services
from workflows.dossiers.models import Dossier

from .test_lifecycle import filed, received

pytestmark = pytest.mark.django_db

SLOTS = [{"name": "Đơn đề nghị cấp giấy phép xây dựng"}, {"name": "Bản vẽ thiết kế xây dựng"}]


def paused(office, missing="Giấy xác nhận của UBND xã về nguồn gốc đất"):
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    return services.request_supplement(dossier=dossier, acting_user=office.specialist, missing=missing)


def incomplete(office):
    return services.request_documents(dossier=filed(office), acting_user=office.receiver,
                                      missing="Giấy xác nhận của UBND xã")


@pytest.mark.parametrize("missing, items", [
    ("Sổ đỏ", ["Sổ đỏ"]),
    ("- Sổ đỏ\n- Bản vẽ mặt bằng.\n\n", ["Sổ đỏ", "Bản vẽ mặt bằng"]),
    ("1. Sổ đỏ;\n2) Sổ đỏ\na) Giấy xác nhận", ["Sổ đỏ", "Giấy xác nhận"]),
    ("• Đơn đề nghị\r\n* Ảnh hiện trạng", ["Đơn đề nghị", "Ảnh hiện trạng"]),
], ids=["one-line", "dashes", "numbers-and-duplicates", "bullets"])
def test_a_request_reads_as_one_item_a_line_without_list_markers(missing, items):
    assert services.requested_items(missing) == items


@pytest.mark.parametrize("item, order", [
    ("Bản vẽ thiết kế xây dựng", 2),
    ("bản vẽ thiết kế  xây dựng có chữ ký của chủ đầu tư", 2),
    ("Đơn đề nghị cấp giấy phép xây dựng.", 1),
    ("Giấy xác nhận của UBND xã", None),
], ids=["exact", "with-more-words", "trailing-dot", "not-a-slot"])
def test_an_item_naming_one_of_the_procedures_documents_is_matched_to_it(item, order):
    assert services.match_document(item, SLOTS) == order


def test_a_supplement_with_nothing_new_is_refused_and_the_clock_stays_stopped(office):
    dossier = paused(office)

    for note in ("", "Tôi đã gửi rồi"):
        with pytest.raises(ValidationError) as refusal:
            services.supply_supplement(dossier=dossier, acting_user=office.citizen, note=note)
        assert refusal.value.code == "nothing_supplied"

    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PAUSED and dossier.paused_at is not None
    assert not dossier.audit_entries.filter(action="supply").exists()


def test_what_answered_an_earlier_request_does_not_answer_a_later_one(office):
    dossier = incomplete(office)
    services.attach_document(dossier=dossier, acting_user=office.citizen, name="Giấy xác nhận", upload=pdf())
    dossier = services.resubmit_dossier(dossier=dossier, acting_user=office.citizen)
    dossier = services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)
    dossier = services.request_supplement(dossier=dossier, acting_user=office.specialist, missing="Sổ đỏ")

    with pytest.raises(ValidationError):
        services.supply_supplement(dossier=dossier, acting_user=office.citizen)


def test_resubmitting_nothing_before_receipt_is_refused(office):
    dossier = incomplete(office)

    with pytest.raises(ValidationError):
        services.resubmit_dossier(dossier=dossier, acting_user=office.citizen)

    services.attach_document(dossier=dossier, acting_user=office.citizen, name="Giấy xác nhận của UBND xã",
                             upload=pdf())
    assert services.resubmit_dossier(dossier=dossier, acting_user=office.citizen).state == Dossier.State.SUBMITTED


def test_at_the_desk_the_officer_notes_the_papers_handed_in(office):
    dossier = paused(office)
    with pytest.raises(ValidationError):
        services.supply_supplement(dossier=dossier, acting_user=office.receiver)

    dossier = services.supply_supplement(dossier=dossier, acting_user=office.receiver,
                                         note="  Bản chính giấy xác nhận, nộp tại quầy  ")

    assert dossier.state == Dossier.State.PROCESSING
    assert dossier.audit_entries.get(action="supply").note == "Bản chính giấy xác nhận, nộp tại quầy"


def test_the_answer_attaches_an_item_outside_the_procedures_documents_and_restarts_the_clock(office):
    dossier = paused(office)

    dossier, supplied = services.answer_supplement(
        dossier=dossier, acting_user=office.citizen, note="Bản sao có chứng thực",
        documents=[(None, "Giấy xác nhận của UBND xã về nguồn gốc đất", pdf("xac-nhan.pdf"))])

    assert dossier.state == Dossier.State.PROCESSING and dossier.paused_at is None
    assert supplied == {"documents": ["Giấy xác nhận của UBND xã về nguồn gốc đất"], "answers": []}
    extra = dossier.documents.get(is_current=True, document_order__isnull=True)
    assert (extra.name, extra.original_filename) == ("Giấy xác nhận của UBND xã về nguồn gốc đất", "xac-nhan.pdf")
    entry = dossier.audit_entries.get(action="supply")
    assert entry.note == "Bản sao có chứng thực"
    assert entry.data["documents"] == ["Giấy xác nhận của UBND xã về nguồn gốc đất"]


def test_a_changed_answer_is_an_answer_too(office):
    dossier = paused(office, missing="Địa chỉ công trình ghi sai số nhà")

    dossier, supplied = services.answer_supplement(dossier=dossier, acting_user=office.citizen,
                                                   form_data={"address": "14 Lê Lợi"})

    assert dossier.state == Dossier.State.PROCESSING and supplied["answers"] == ["address"]


def test_a_file_for_the_same_extra_item_replaces_the_earlier_one(office):
    dossier = incomplete(office)
    first = services.attach_document(dossier=dossier, acting_user=office.citizen, name="Sổ đỏ", upload=pdf("1.pdf"))
    services.attach_document(dossier=dossier, acting_user=office.citizen, name="Sổ  đỏ ", upload=pdf("2.pdf"))
    services.attach_document(dossier=dossier, acting_user=office.citizen, name="Ảnh hiện trạng", upload=pdf())

    current = dossier.documents.filter(is_current=True).order_by("name")
    assert [(document.name, document.original_filename) for document in current] == [
        ("Sổ đỏ", "2.pdf"), ("Ảnh hiện trạng", "don.pdf")]
    first.refresh_from_db()
    assert not first.is_current


def test_a_draft_takes_only_the_procedures_documents_and_an_extra_file_needs_its_name(office):
    draft = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    with pytest.raises(ValidationError):
        services.attach_document(dossier=draft, acting_user=office.citizen, name="Sổ đỏ", upload=pdf())

    dossier = incomplete(office)
    with pytest.raises(ValidationError) as refusal:
        services.attach_document(dossier=dossier, acting_user=office.citizen, name="  ", upload=pdf())
    assert refusal.value.code == "document_name_required"


def test_an_answer_with_a_bad_file_keeps_nothing_and_the_clock_stays_stopped(office):
    dossier = paused(office)
    text = SimpleUploadedFile("ghi-chu.pdf", b"not really a pdf", content_type="application/pdf")

    with pytest.raises(ValidationError):
        services.answer_supplement(dossier=dossier, acting_user=office.citizen,
                                   documents=[(1, "Đơn", pdf()), (None, "Giấy xác nhận", text)])

    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PAUSED and not dossier.documents.exists()


def test_only_the_applicant_or_the_desk_may_answer(office):
    dossier = paused(office)

    with pytest.raises(services.NotPermitted):
        services.answer_supplement(dossier=dossier, acting_user=office.other_citizen,
                                   documents=[(None, "Sổ đỏ", pdf())])
