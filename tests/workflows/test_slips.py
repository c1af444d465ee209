"""The official slips as PDFs: what each prints, its QR code, and which slips a dossier's state offers."""

import io
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import segno
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from procedures.models import RequiredDocument
from procedures.services import publish_procedure_version
from tests.factories import AgencyFactory, RequiredDocumentFactory
from workflows.dossiers import services
from workflows.paperwork import slips

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_MORNING = datetime(2026, 3, 9, 9, 0, tzinfo=TZ)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NATION = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def lookup_url(dossier):
    return f"https://dichvucong.thanhhoa.example.vn/tra-cuu/{dossier.code}/"


def text_of(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def assert_prints(pdf, *expected):
    """Each text appears in the PDF; line breaks from wrapping inside table cells are ignored."""
    squashed = "".join(text_of(pdf).split())
    missing = [text for text in expected if "".join(text.split()) not in squashed]
    assert not missing, f"not in the slip: {missing}\n---\n{text_of(pdf)}"


def assert_qr_encodes(pdf, url):
    """The slip's only image is, module for module, the QR code of `url` (a decoder would be a new dependency;
    comparing with segno's encoding proves the same thing for a code segno made)."""
    (image,) = PdfReader(io.BytesIO(pdf)).pages[0].images
    picture = image.image.convert("1")
    dark = [[not picture.getpixel((x, y)) for x in range(picture.width)] for y in range(picture.height)]
    assert dark == [[bool(module) for module in row]
                    for row in segno.make(url, error="m").matrix_iter(scale=1, border=4)]


def filed_at_desk(office):
    """A walk-in applicant's dossier filed by the desk on Monday 9 March 2026, 9:00, with its first document
    attached electronically."""
    with time_machine.travel(MONDAY_MORNING, tick=False):
        dossier = services.create_draft(procedure=office.procedure, acting_user=office.receiver, applicant={
            "name": "Trần Văn Bình", "identity_number": "038090001234", "phone": "0912345678",
            "address": "12 Lê Lợi, phường Hạc Thành",
        })
        services.attach_document(dossier=dossier, acting_user=office.receiver, document_order=1,
                                 upload=SimpleUploadedFile("don.pdf", PDF))
        return services.submit_dossier(dossier=dossier, acting_user=office.receiver)


@pytest.fixture
def walk_in(office):
    """As filed_at_desk, for a procedure that asks for a second document, by a receiving officer with a
    name."""
    RequiredDocumentFactory(procedure=office.procedure, order=2, name="Bản vẽ thiết kế xây dựng",
                            form=RequiredDocument.Form.CERTIFIED_COPY, copies=2)
    publish_procedure_version(procedure=office.procedure)
    office.receiver.full_name = "Lê Thị Hoa"
    office.receiver.save()
    return filed_at_desk(office)


def received(office, dossier):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        return services.receive_dossier(dossier=dossier, acting_user=office.receiver)


def test_the_receipt_slip_carries_code_applicant_documents_and_appointment(office, walk_in):
    dossier = received(office, walk_in)
    pdf = slips.receipt_slip(dossier, lookup_url=lookup_url(dossier))

    assert PdfReader(io.BytesIO(pdf)).metadata.title.startswith("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    assert_prints(
        pdf, *NATION, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mẫu số 01", dossier.code,
        "Cơ quan tiếp nhận: Trung tâm Phục vụ hành chính công", "Cơ quan giải quyết: Sở Xây dựng",
        "Trần Văn Bình", "Số định danh cá nhân: 038090001234", "Số điện thoại: 0912345678",
        "Địa chỉ: 12 Lê Lợi, phường Hạc Thành", "Cấp giấy phép xây dựng",
        "Đơn đề nghị cấp giấy phép xây dựng", "Bản chính 01",
        "Bản vẽ thiết kế xây dựng Bản sao chứng thực 02",
        "Thời hạn giải quyết hồ sơ theo quy định: 5 ngày làm việc",
        "Thời gian nhận hồ sơ: 09:00 ngày 09/03/2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 17:00 ngày 16/03/2026",
        "NGƯỜI TIẾP NHẬN HỒ SƠ", "Lê Thị Hoa", lookup_url(dossier),
    )
    assert "".join(text_of(pdf).split()).count("✓Đãđínhkèm") == 1  # only the first document came online
    assert_qr_encodes(pdf, lookup_url(dossier))


def test_slips_print_vietnam_time_whatever_zone_is_active(office, walk_in):
    dossier = received(office, walk_in)
    with timezone.override(ZoneInfo("UTC")):
        pdf = slips.receipt_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(pdf, "09:00 ngày 09/03/2026", "17:00 ngày 16/03/2026")


def test_the_supplement_request_at_receipt_says_what_is_missing(office, walk_in):
    dossier = services.request_documents(dossier=walk_in, acting_user=office.receiver,
                                         missing="Bản vẽ thiết kế chưa có chữ ký của đơn vị tư vấn")
    pdf = slips.supplement_request_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, *NATION, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Mẫu số 02", dossier.code, "Trần Văn Bình",
        "Cấp giấy phép xây dựng", "Hồ sơ nộp lúc 09:00 ngày 09/03/2026 chưa đầy đủ, chưa được tiếp nhận",
        "Bản vẽ thiết kế chưa có chữ ký của đơn vị tư vấn", "Lê Thị Hoa", lookup_url(dossier),
    )
    assert_qr_encodes(pdf, lookup_url(dossier))


def test_the_supplement_request_during_processing_outlives_the_supplement(office, walk_in):
    dossier = services.hand_over(dossier=received(office, walk_in), acting_user=office.receiver)
    with time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=TZ), tick=False):
        dossier = services.request_supplement(dossier=dossier, acting_user=office.specialist,
                                              missing="Bổ sung bản vẽ mặt bằng")
    with time_machine.travel(datetime(2026, 3, 12, 8, tzinfo=TZ), tick=False):
        dossier = services.supply_supplement(dossier=dossier, acting_user=office.receiver)
    assert dossier.reason == ""  # the slip now reads the request from the audit trail

    pdf = slips.supplement_request_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, "Hồ sơ được tiếp nhận lúc 09:00 ngày 09/03/2026", "tạm dừng từ 10:00 ngày 10/03/2026",
        "Bổ sung bản vẽ mặt bằng", "chuyenvien", "SỞ XÂY DỰNG",  # issued by the agency that asked
    )


def test_the_refusal_slip_gives_the_reason_at_receipt(office, walk_in):
    dossier = services.refuse_dossier(dossier=walk_in, acting_user=office.receiver,
                                      reason="Không thuộc thẩm quyền giải quyết của tỉnh")
    pdf = slips.refusal_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, *NATION, "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", "Mẫu số 03", dossier.code, "Trần Văn Bình",
        "Cấp giấy phép xây dựng", "không tiếp nhận hồ sơ vì lý do sau",
        "Không thuộc thẩm quyền giải quyết của tỉnh", "Lê Thị Hoa", lookup_url(dossier),
    )


def test_the_refusal_slip_gives_the_reason_of_a_refused_result(office, walk_in):
    office.leader.full_name = "Phạm Minh Đức"
    office.leader.save()
    dossier = received(office, walk_in)
    for officer in (office.receiver, office.specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    dossier = services.refuse_result(dossier=dossier, acting_user=office.leader,
                                     reason="Công trình nằm trong hành lang bảo vệ đê điều")
    pdf = slips.refusal_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(pdf, "Sở Xây dựng từ chối giải quyết hồ sơ vì lý do sau",
                  "Công trình nằm trong hành lang bảo vệ đê điều", "Phạm Minh Đức")


def test_the_apology_slip_gives_the_reason_and_the_new_appointment(office, walk_in):
    office.leader.full_name = "Phạm Minh Đức"
    office.leader.save()
    dossier = services.hand_over(dossier=received(office, walk_in), acting_user=office.receiver)
    with time_machine.travel(datetime(2026, 3, 16, 9, tzinfo=TZ), tick=False):
        dossier = services.apologise(dossier=dossier, acting_user=office.leader,
                                     reason="Chờ ý kiến liên ngành",
                                     new_appointment=datetime(2026, 3, 20, 17, tzinfo=TZ))
    pdf = slips.apology_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, *NATION, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Mẫu số 04", dossier.code, "Trần Văn Bình",
        "Cấp giấy phép xây dựng", "Thời gian hẹn trả kết quả theo quy định: 17:00 ngày 16/03/2026",
        "Chờ ý kiến liên ngành", "Thời gian hẹn lại trả kết quả: 17:00 ngày 20/03/2026", "Phạm Minh Đức",
        "Ngày 16/03/2026", lookup_url(dossier),
    )


def returned(office, dossier):
    """Received Monday 9:00; the receiver hands over at 9:30, the specialist only on Friday 13 (late), the
    head and the leader on time, and the result is returned that afternoon."""
    dossier = received(office, dossier)
    for moment, officer in [((9, 9, 30), office.receiver), ((13, 9, 0), office.specialist),
                            ((13, 10, 0), office.head)]:
        day, hour, minute = moment
        with time_machine.travel(datetime(2026, 3, day, hour, minute, tzinfo=TZ), tick=False):
            dossier = services.hand_over(dossier=dossier, acting_user=officer)
    with time_machine.travel(datetime(2026, 3, 13, 14, tzinfo=TZ), tick=False):
        dossier = services.approve_dossier(dossier=dossier, acting_user=office.leader)
    with time_machine.travel(datetime(2026, 3, 13, 16, tzinfo=TZ), tick=False):
        return services.return_result(dossier=dossier, acting_user=office.result_desk)


def test_the_process_control_slip_lists_every_handover_against_its_steps_due_time(office, walk_in):
    dossier = returned(office, walk_in)
    rows = slips.handovers(dossier)
    assert [(row["action"], row["giver"]["name"], row["taker"]["name"], str(row["at"]), row["timeliness"])
            for row in rows] == [
        ("Tiếp nhận hồ sơ", "Trần Văn Bình", "Lê Thị Hoa", "09:00 ngày 09/03/2026", ""),
        ("Chuyển bước sau", "Lê Thị Hoa", "chuyenvien", "09:30 ngày 09/03/2026", "Đúng hạn"),
        ("Chuyển bước sau", "chuyenvien", "truongphong", "09:00 ngày 13/03/2026", "Quá hạn"),
        ("Chuyển bước sau", "truongphong", "giamdoc", "10:00 ngày 13/03/2026", "Đúng hạn"),
        ("Phê duyệt kết quả", "giamdoc", "trakq", "14:00 ngày 13/03/2026", "Đúng hạn"),
        ("Trả kết quả", "trakq", "Trần Văn Bình", "16:00 ngày 13/03/2026", ""),
    ]
    specialist = dossier.audit_entries.get(actor=office.specialist)
    assert rows[2]["step_due"] == slips.moment(specialist.data["step_due_at"])
    assert (rows[2]["giver"]["agency"], rows[1]["giver"]["agency"]) == ("Sở Xây dựng",
                                                                         "Trung tâm Phục vụ hành chính công")

    pdf = slips.process_control_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, *NATION, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Mẫu số 06", dossier.code,
        "Trần Văn Bình",
        "Cấp giấy phép xây dựng", "hẹn trả kết quả lúc 17:00 ngày 16/03/2026", "Quá hạn",
        f"{rows[2]['step_due'].time} {rows[2]['step_due'].date}", "chuyenvien", "truongphong",
        "Kết quả giải quyết hồ sơ có lúc 14:00 ngày 13/03/2026: Trước hạn", lookup_url(dossier),
    )
    assert_qr_encodes(pdf, lookup_url(dossier))


def test_the_process_control_slip_shows_consultations_and_send_backs(office, walk_in):
    finance = AgencyFactory(code="000.00.20.H56", name="Sở Tài chính")
    finance_officer = office.staff("taichinh", finance, "specialist")
    dossier = services.hand_over(dossier=received(office, walk_in), acting_user=office.receiver)
    dossier = services.consult_agencies(dossier=dossier, acting_user=office.specialist, agencies=[finance],
                                        question="Cho ý kiến về nghĩa vụ tài chính", days=2)
    dossier = services.answer_consultation(dossier=dossier, acting_user=finance_officer,
                                           answer="Đã hoàn thành")
    dossier = services.hand_over(dossier=dossier, acting_user=office.specialist)
    dossier = services.send_back(dossier=dossier, acting_user=office.head, reason="Thiếu ý kiến thẩm định")

    rows = slips.handovers(dossier)
    parties = [(row["action"], row["giver"]["name"], row["taker"]["name"], row["taker"]["agency"])
               for row in rows]
    assert parties == [
        ("Tiếp nhận hồ sơ", "Trần Văn Bình", "Lê Thị Hoa", "Trung tâm Phục vụ hành chính công"),
        ("Chuyển bước sau", "Lê Thị Hoa", "chuyenvien", "Sở Xây dựng"),
        ("Xin ý kiến cơ quan phối hợp", "chuyenvien", "", "Sở Tài chính"),
        ("Trả lời ý kiến phối hợp", "taichinh", "chuyenvien", "Sở Xây dựng"),
        ("Chuyển bước sau", "chuyenvien", "truongphong", "Sở Xây dựng"),
        # Nobody has taken the step back yet: the slip names the role that holds it.
        ("Trả lại bước trước", "truongphong", "Chuyên viên thụ lý", "Sở Xây dựng"),
    ]
    assert rows[-1]["note"] == "Thiếu ý kiến thẩm định"
    pdf = slips.process_control_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(pdf, "Cơ quan phối hợp giải quyết hồ sơ: Sở Tài chính", "Thiếu ý kiến thẩm định",
                  "Hồ sơ đang được giải quyết")


def test_the_result_return_slip_records_when_and_by_whom(office, walk_in):
    office.result_desk.full_name = "Đỗ Quỳnh Anh"
    office.result_desk.save()
    dossier = returned(office, walk_in)
    pdf = slips.result_return_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, *NATION, "BIÊN NHẬN TRẢ KẾT QUẢ GIẢI QUYẾT HỒ SƠ", dossier.code, "Trần Văn Bình",
        "Cấp giấy phép xây dựng", "Kết quả giải quyết: Giấy chứng nhận",
        "Thời gian trả kết quả: 16:00 ngày 13/03/2026, tại Trung tâm Phục vụ hành chính công",
        "NGƯỜI NHẬN KẾT QUẢ", "Đỗ Quỳnh Anh", lookup_url(dossier),
    )


def test_a_slip_the_dossier_has_not_reached_is_refused(office, walk_in):
    with pytest.raises(slips.SlipNotAvailable):
        slips.receipt_slip(walk_in, lookup_url=lookup_url(walk_in))


def test_every_slip_is_offered_with_its_function_and_label():
    assert list(slips.SLIPS) == ["receipt", "supplement_request", "refusal", "apology", "process_control",
                                 "result_return"]
    assert slips.SLIPS["apology"].function is slips.apology_slip
    assert slips.SLIPS["receipt"].label == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"


# Each stage of a dossier's life, from the one before it.


def _incomplete(office):
    return services.request_documents(dossier=filed_at_desk(office), acting_user=office.receiver,
                                      missing="Thiếu bản vẽ")


def _resubmitted(office):
    return services.resubmit_dossier(dossier=_incomplete(office), acting_user=office.receiver)


def _refused(office):
    return services.refuse_dossier(dossier=filed_at_desk(office), acting_user=office.receiver,
                                   reason="Sai thẩm quyền")


def _received(office):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        return services.receive_dossier(dossier=filed_at_desk(office), acting_user=office.receiver)


def _processing(office):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        return services.hand_over(dossier=_received(office), acting_user=office.receiver)


def _paused(office):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        return services.request_supplement(dossier=_processing(office), acting_user=office.specialist,
                                           missing="Thiếu bản vẽ")


def _apologised(office):
    dossier = _processing(office)
    with time_machine.travel(datetime(2026, 3, 16, 9, tzinfo=TZ), tick=False):
        return services.apologise(dossier=dossier, acting_user=office.leader, reason="Chậm",
                                  new_appointment=datetime(2026, 3, 20, 17, tzinfo=TZ))


def _at_decision(office):
    dossier = _processing(office)
    for officer in (office.specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    return dossier


def _result_refused(office):
    return services.refuse_result(dossier=_at_decision(office), acting_user=office.leader, reason="Không đủ")


def _returned(office):
    dossier = services.approve_dossier(dossier=_at_decision(office), acting_user=office.leader)
    return services.return_result(dossier=dossier, acting_user=office.result_desk)


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        pytest.param(filed_at_desk, [], id="submitted"),
        pytest.param(_incomplete, ["supplement_request"], id="incomplete"),
        pytest.param(_resubmitted, ["supplement_request"], id="resubmitted-after-a-request"),
        pytest.param(_refused, ["refusal"], id="refused-at-receipt"),
        pytest.param(_received, ["receipt", "process_control"], id="received"),
        pytest.param(_paused, ["receipt", "supplement_request", "process_control"], id="paused"),
        pytest.param(_apologised, ["receipt", "apology", "process_control"], id="apologised"),
        pytest.param(_result_refused, ["receipt", "refusal", "process_control"], id="result-refused"),
        pytest.param(_returned, ["receipt", "process_control", "result_return"], id="returned"),
    ],
)
def test_available_slips_follow_the_dossiers_life(office, stage, expected):
    dossier = stage(office)
    assert slips.available_slips(dossier) == expected
    for name in expected:  # each one offered renders
        assert slips.SLIPS[name].function(dossier, lookup_url=lookup_url(dossier)).startswith(b"%PDF")
