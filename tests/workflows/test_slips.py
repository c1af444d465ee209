"""The official slips as PDFs (forms 01 to 06 of Circular 03/2025/TT-VPCP and the result's return): every field
each prints, read back from the PDF; their letterhead, dateline and QR code; and which slips a dossier's state
offers."""

import io
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import segno
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from procedures.models import AdministrativeUnit, Agency, Procedure, RequiredDocument
from procedures.services import publish_procedure_version
from tests.factories import AgencyFactory, CommuneFactory, FeeFactory, RequiredDocumentFactory
from workflows.dossiers import services
from workflows.paperwork import printing, slips

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_MORNING = datetime(2026, 3, 9, 9, 0, tzinfo=TZ)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NATION = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
SITE = "dichvucong.thanhhoa.example.vn"


def lookup_url(dossier):
    """As the window and the portal build it (paperwork.web.slip_response)."""
    return f"https://{SITE}/tra-cuu/?code={dossier.code}"


def text_of(pdf, pages=None):
    reader = PdfReader(io.BytesIO(pdf))
    chosen = reader.pages if pages is None else [reader.pages[index] for index in pages]
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in chosen))


def squashed(text):
    return "".join(text.split())


def assert_prints(pdf, *expected):
    """Each text appears in the PDF; line breaks from wrapping inside table cells are ignored."""
    printed = squashed(text_of(pdf))
    missing = [text for text in expected if squashed(text) not in printed]
    assert not missing, f"not in the slip: {missing}\n---\n{text_of(pdf)}"


def assert_qr_encodes(pdf, url):
    """One of the slip's images (the lookup's QR code; an issued slip also carries its verification's) is, module
    for module, the QR code of `url` (a decoder would be a new dependency; comparing with segno's encoding proves
    the same thing for a code segno made)."""
    expected = [[bool(module) for module in row] for row in segno.make(url, error="m").matrix_iter(scale=1, border=4)]
    assert expected in [_modules(image.image.convert("1")) for image in PdfReader(io.BytesIO(pdf)).pages[0].images]


def _modules(picture):
    return [[not picture.getpixel((x, y)) for x in range(picture.width)] for y in range(picture.height)]


def filed_at_desk(office):
    """A walk-in applicant's dossier filed by the desk on Monday 9 March 2026, 9:00, with its first document
    attached electronically."""
    with time_machine.travel(MONDAY_MORNING, tick=False):
        dossier = services.create_draft(procedure=office.procedure, acting_user=office.receiver, applicant={
            "name": "Trần Văn Bình", "identity_number": "038090001234", "phone": "0912345678",
            "email": "binh@example.vn", "address": "12 Lê Lợi, phường Hạc Thành",
        })
        services.attach_document(dossier=dossier, acting_user=office.receiver, document_order=1,
                                 upload=SimpleUploadedFile("don.pdf", PDF))
        return services.submit_dossier(dossier=dossier, acting_user=office.receiver)


@pytest.fixture
def walk_in(office):
    """As filed_at_desk, for a procedure that asks for a second document and a charge, by a receiving officer
    with a name, at a desk with a phone."""
    RequiredDocumentFactory(procedure=office.procedure, order=2, name="Bản vẽ thiết kế xây dựng",
                            form=RequiredDocument.Form.CERTIFIED_COPY, copies=2)
    FeeFactory(procedure=office.procedure, name="Lệ phí cấp giấy phép xây dựng", amount=100_000)
    Procedure.objects.filter(pk=office.procedure.pk).update(sets=2)
    office.procedure.refresh_from_db()
    publish_procedure_version(procedure=office.procedure)
    office.receiver.full_name = "Lê Thị Hoa"
    office.receiver.save()
    Agency.objects.filter(pk=office.desk.pk).update(phone="0237 3 721 234", address="28 Đại lộ Lê Lợi")
    Agency.objects.filter(pk=office.department.pk).update(phone="0237 3 852 300")
    return filed_at_desk(office)


def received(office, dossier):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        return services.receive_dossier(dossier=dossier, acting_user=office.receiver)


def test_the_receipt_slip_carries_every_field_of_form_01(office, walk_in):
    dossier = received(office, walk_in)
    pdf = slips.receipt_slip(dossier, lookup_url=lookup_url(dossier))

    assert PdfReader(io.BytesIO(pdf)).metadata.title.startswith("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    assert_prints(
        pdf, "Mẫu số 01 — Thông tư 03/2025/TT-VPCP",
        "ỦY BAN NHÂN DÂN TỈNH THANH HÓA", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",  # the issuing desk and its superior
        *NATION, "Thanh Hóa, ngày 09 tháng 3 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", f"Mã hồ sơ: {dossier.code}",
        "Cơ quan tiếp nhận: Trung tâm Phục vụ hành chính công", "Cơ quan giải quyết: Sở Xây dựng",
        "Tổ chức, cá nhân: Trần Văn Bình", "Số định danh cá nhân: 038090001234",
        "Địa chỉ: 12 Lê Lợi, phường Hạc Thành", "Số điện thoại: 0912345678", "Thư điện tử: binh@example.vn",
        "Thủ tục hành chính: Cấp giấy phép xây dựng (mã 1.009974)",
        "Đơn đề nghị cấp giấy phép xây dựng", "Bản chính 01",
        "Bản vẽ thiết kế xây dựng Bản sao chứng thực 02",
        "Số lượng hồ sơ: 02 (bộ)",  # as the procedure publishes it
        "Thời hạn giải quyết hồ sơ theo quy định: 5 ngày làm việc",
        "Thời gian nhận hồ sơ: 09:00 ngày 09/03/2026",
        f"Thời gian trả kết quả giải quyết hồ sơ: {slips.moment(dossier.appointment_at)}",
        "Nơi, hình thức nhận kết quả: Nhận trực tiếp tại Trung tâm Phục vụ hành chính công",
        "Phí, lệ phí: Lệ phí cấp giấy phép xây dựng 100.000 đồng; tổng cộng 100.000 đồng",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 01/2026, Số thứ tự: 1",
        "được lập thành 03 liên: 01 liên giao người nộp hồ sơ; 01 liên chuyển kèm hồ sơ đến Sở Xây dựng; "
        "01 liên lưu tại Trung tâm Phục vụ hành chính công",
        "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", "Lê Thị Hoa",
        f"{SITE}/tra-cuu",
    )
    assert squashed(text_of(pdf)).count("✓Đãđínhkèm") == 1  # only the first document came online
    assert "?code=" not in text_of(pdf)  # the caption is the address to type, the QR code carries the rest
    assert_qr_encodes(pdf, lookup_url(dossier))


def test_the_receipt_slip_prints_dots_where_the_dossier_holds_nothing(office):
    """A walk-in applicant without email: the line stays, for the officer to fill in by hand."""
    dossier = received(office, filed_at_desk(office))
    dossier.applicant_email = ""
    pdf = slips.receipt_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(pdf, f"Thư điện tử: {slips.BLANK}", "Phí, lệ phí: không phải nộp")


def test_slips_print_vietnam_time_whatever_zone_is_active(office, walk_in):
    dossier = received(office, walk_in)
    with timezone.override(ZoneInfo("UTC")):
        pdf = slips.receipt_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(pdf, "09:00 ngày 09/03/2026", f"{slips.moment(dossier.appointment_at)}")


@pytest.mark.parametrize(
    ("kind", "name", "place"),
    [
        pytest.param("province", "Tỉnh Thanh Hóa", "Thanh Hóa", id="province"),
        pytest.param("city", "Thành phố Hà Nội", "Hà Nội", id="city"),
        pytest.param("ward", "Phường Hạc Thành", "Hạc Thành", id="ward"),
        pytest.param("commune", "Xã Hoằng Hóa", "Hoằng Hóa", id="commune"),
        pytest.param("special_zone", "Đặc khu Phú Quốc", "Phú Quốc", id="special-zone"),
        pytest.param("ward", "Phường 1", "Phường 1", id="a-ward-named-by-a-number-keeps-its-kind"),
    ],
)
def test_the_dateline_names_the_unit_where_the_agency_sits(kind, name, place):
    agency = Agency(name="Ủy ban nhân dân", unit=AdministrativeUnit(name=name, kind=kind))
    assert printing.place_of(agency) == place


@pytest.mark.parametrize(
    ("day", "written"),
    [
        pytest.param(datetime(2026, 12, 3, 9, tzinfo=TZ), "ngày 03 tháng 12 năm 2026", id="day-below-10"),
        pytest.param(datetime(2026, 2, 15, 9, tzinfo=TZ), "ngày 15 tháng 02 năm 2026", id="month-below-3"),
        pytest.param(datetime(2026, 3, 31, 23, 30, tzinfo=TZ), "ngày 31 tháng 3 năm 2026", id="late-evening"),
    ],
)
def test_the_dateline_writes_the_date_as_decree_30_does(day, written):
    agency = Agency(unit=AdministrativeUnit(name="Tỉnh Thanh Hóa", kind="province"))
    assert printing.dateline(agency, day) == f"Thanh Hóa, {written}"


NBSP = printing.NO_BREAK_SPACE


@pytest.mark.parametrize(
    ("name", "phrases"),
    [
        ("Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
         ["Trung tâm", "Phục vụ hành chính công", "tỉnh Thanh Hóa"]),
        ("Chi nhánh Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa tại phường Bỉm Sơn",
         ["Chi nhánh", "Trung tâm", "Phục vụ hành chính công", "tỉnh Thanh Hóa", "tại phường Bỉm Sơn"]),
        ("Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa",
         ["Sở Văn hóa,", "Thể thao", "và Du lịch", "tỉnh Thanh Hóa"]),
        ("Ủy ban nhân dân Tỉnh Thanh Hóa", ["Ủy ban nhân dân", "Tỉnh Thanh Hóa"]),
        ("Ủy ban nhân dân đặc khu Phú Quốc", ["Ủy ban nhân dân", "đặc khu Phú Quốc"]),
    ],
)
def test_agency_names_break_only_between_phrases(name, phrases):
    assert printing.keep_words(name).split(" ") == [phrase.replace(" ", NBSP) for phrase in phrases]


def test_a_long_agency_name_wraps_between_phrases_in_the_letterhead(office, walk_in):
    Agency.objects.filter(pk=office.desk.pk).update(
        name="Chi nhánh Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa tại phường Bỉm Sơn")
    dossier = received(office, walk_in)
    lines = text_of(slips.receipt_slip(dossier, lookup_url=lookup_url(dossier))).splitlines()
    # "THANH" and "HÓA" are one word: whatever line holds one holds the other.
    assert all(("THANH" in line) == ("HÓA" in line) for line in lines if "TỈNH" in line or "HÓA" in line)


def test_the_qr_caption_is_the_address_a_reader_types():
    assert printing.lookup_caption(f"https://{SITE}/tra-cuu/?code=000.00.01.H56-260309-0001") == f"{SITE}/tra-cuu"


@pytest.mark.parametrize(
    ("unit", "cutoff", "printed"),
    [
        pytest.param("days", None, "5 ngày làm việc", id="days"),
        pytest.param("hours", None, "5 giờ làm việc", id="hours"),
        pytest.param("same_day", "15:00", "giải quyết trong ngày làm việc; nhận hồ sơ sau 15:00 thì trả kết quả "
                                          "trong ngày làm việc tiếp theo", id="same-working-day"),
    ],
)
def test_the_time_limit_reads_as_the_procedure_published_it(unit, cutoff, printed):
    assert slips.time_limit({"time_limit": "5", "time_limit_unit": unit, "intake_cutoff": cutoff}) == printed


def test_the_supplement_request_at_receipt_says_what_is_missing_and_whom_to_call(office, walk_in):
    dossier = services.request_documents(dossier=walk_in, acting_user=office.receiver,
                                         missing="Bản vẽ thiết kế chưa có chữ ký của đơn vị tư vấn")
    pdf = slips.supplement_request_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, *NATION, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Mẫu số 02", dossier.code, "Trần Văn Bình",
        "Cấp giấy phép xây dựng", "Hồ sơ nộp lúc 09:00 ngày 09/03/2026 chưa đầy đủ, chưa được tiếp nhận",
        "Bản vẽ thiết kế chưa có chữ ký của đơn vị tư vấn",
        "ông/bà liên hệ Trung tâm Phục vụ hành chính công, địa chỉ: 28 Đại lộ Lê Lợi, điện thoại: 0237 3 721 234, "
        "người hướng dẫn: Lê Thị Hoa",
        "NGƯỜI HƯỚNG DẪN", "Lê Thị Hoa", f"{SITE}/tra-cuu",
    )
    assert "Hồ sơ bổ sung nộp" not in text_of(pdf)  # the desk that asked is the desk that takes it in
    assert_qr_encodes(pdf, lookup_url(dossier))


def test_the_supplement_request_during_processing_outlives_the_supplement(office, walk_in):
    dossier = services.hand_over(dossier=received(office, walk_in), acting_user=office.receiver)
    with time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=TZ), tick=False):
        dossier = services.request_supplement(dossier=dossier, acting_user=office.specialist,
                                              missing="Bổ sung bản vẽ mặt bằng")
    with time_machine.travel(datetime(2026, 3, 12, 8, tzinfo=TZ), tick=False):
        dossier = services.supply_supplement(dossier=dossier, acting_user=office.receiver,
                                             note="Bản vẽ mặt bằng, bản giấy")
    assert dossier.reason == ""  # the slip now reads the request from the audit trail

    pdf = slips.supplement_request_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, "Hồ sơ được tiếp nhận lúc 09:00 ngày 09/03/2026", "tạm dừng từ 10:00 ngày 10/03/2026",
        "Bổ sung bản vẽ mặt bằng", "chuyenvien", "SỞ XÂY DỰNG",  # issued by the agency that asked
        "Thanh Hóa, ngày 10 tháng 3 năm 2026",
        "Hồ sơ bổ sung nộp trực tuyến hoặc tại Trung tâm Phục vụ hành chính công, địa chỉ: 28 Đại lộ Lê Lợi, "
        "điện thoại: 0237 3 721 234",
        "ông/bà liên hệ Sở Xây dựng", "điện thoại: 0237 3 852 300",
    )


def test_the_refusal_slip_gives_the_reason_at_receipt(office, walk_in):
    dossier = services.refuse_dossier(dossier=walk_in, acting_user=office.receiver,
                                      reason="Không thuộc thẩm quyền giải quyết của tỉnh")
    pdf = slips.refusal_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, *NATION, "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", "Mẫu số 03", dossier.code, "Trần Văn Bình",
        "Cấp giấy phép xây dựng", "không tiếp nhận hồ sơ vì lý do sau",
        "Không thuộc thẩm quyền giải quyết của tỉnh", "NGƯỜI LẬP PHIẾU", "Lê Thị Hoa", f"{SITE}/tra-cuu",
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


@pytest.mark.parametrize(("signer", "signs_as"), [("leader", "THỦ TRƯỞNG CƠ QUAN"),
                                                  ("head", "TL. THỦ TRƯỞNG CƠ QUAN")])
def test_the_apology_asks_to_extend_the_time_limit_signed_for_the_head_of_the_agency(office, walk_in, signer,
                                                                                      signs_as):
    officer = getattr(office, signer)
    officer.full_name = "Phạm Minh Đức"
    officer.save()
    dossier = services.hand_over(dossier=received(office, walk_in), acting_user=office.receiver)
    with time_machine.travel(datetime(2026, 3, 16, 9, tzinfo=TZ), tick=False):
        dossier = services.apologise(dossier=dossier, acting_user=officer, reason="Chờ ý kiến liên ngành",
                                     new_appointment=datetime(2026, 3, 20, 17, tzinfo=TZ))
    pdf = slips.apology_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, *NATION, "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT", "Mẫu số 04", "SỞ XÂY DỰNG",
        "Thanh Hóa, ngày 16 tháng 3 năm 2026", dossier.code, "Kính gửi: Trần Văn Bình",
        "Cấp giấy phép xây dựng", "Thời gian nhận hồ sơ: 09:00 ngày 09/03/2026",
        f"Thời hạn giải quyết theo quy định: 5 ngày làm việc; hẹn trả kết quả: {slips.moment(dossier.due_at)}",
        "chưa giải quyết xong hồ sơ. Lý do:", "Chờ ý kiến liên ngành",
        "Sở Xây dựng trân trọng xin lỗi ông/bà",
        "đề nghị gia hạn thời gian giải quyết hồ sơ đến 17:00 ngày 20/03/2026",
        "Ông/bà nhận kết quả tại: Trung tâm Phục vụ hành chính công",
        signs_as, "(Ký, đóng dấu và ghi rõ họ tên)", "Phạm Minh Đức", f"{SITE}/tra-cuu",
    )


def stopped(office, *, during_processing):
    """A supplement asked for at receipt (Monday 9 March) or by the specialist (Tuesday 10 March) that never came:
    the timers stop the dossier on 1 June."""
    if during_processing:
        dossier = services.hand_over(dossier=received(office, filed_at_desk(office)), acting_user=office.receiver)
        with time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=TZ), tick=False):
            dossier = services.request_supplement(dossier=dossier, acting_user=office.specialist,
                                                  missing="Bổ sung bản vẽ mặt bằng")
    else:
        with time_machine.travel(MONDAY_MORNING, tick=False):
            dossier = services.request_documents(dossier=filed_at_desk(office), acting_user=office.receiver,
                                                 missing="Thiếu bản vẽ")
    with time_machine.travel(datetime(2026, 6, 1, 7, 45, tzinfo=TZ), tick=False):
        assert services.lapse_supplement_request(dossier_id=dossier.pk, now=timezone.now())
    dossier.refresh_from_db()
    return dossier


@pytest.mark.parametrize(
    ("during_processing", "issuer", "first", "until"),
    [
        # 30 working days after the day of the request (the day itself not counted).
        pytest.param(False, "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "Hồ sơ nộp lúc 09:00 ngày 09/03/2026 chưa đầy đủ. "
                     "Ngày 09/03/2026, Trung tâm Phục vụ hành chính công đã đề nghị", "17:00 ngày 20/04/2026",
                     id="asked-at-receipt"),
        pytest.param(True, "SỞ XÂY DỰNG", "Hồ sơ được tiếp nhận lúc 09:00 ngày 09/03/2026. Ngày 10/03/2026, trong "
                     "quá trình giải quyết, Sở Xây dựng đã đề nghị", "17:00 ngày 21/04/2026",
                     id="asked-during-processing"),
    ],
)
def test_the_stop_notice_says_what_did_not_come_and_when_processing_stopped(office, during_processing, issuer,
                                                                            first, until):
    dossier = stopped(office, during_processing=during_processing)
    assert "stop_notice" in slips.available_slips(dossier)

    pdf = slips.stop_notice_slip(dossier, lookup_url=lookup_url(dossier))
    assert_prints(
        pdf, "Mẫu số 05 — Thông tư 03/2025/TT-VPCP", *NATION, issuer, "Thanh Hóa, ngày 01 tháng 6 năm 2026",
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", dossier.code, "Kính gửi: Trần Văn Bình", "Cấp giấy phép xây dựng",
        first, "Bổ sung bản vẽ mặt bằng" if during_processing else "Thiếu bản vẽ",
        f"Thời hạn bổ sung, hoàn thiện hồ sơ: đến {until}.",
        "Đến 07:45 ngày 01/06/2026, đã hết thời hạn bổ sung, hoàn thiện hồ sơ",
        "thông báo dừng giải quyết hồ sơ nêu trên", "THỦ TRƯỞNG CƠ QUAN", f"{SITE}/tra-cuu",
    )
    assert_qr_encodes(pdf, lookup_url(dossier))


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
    entries = {entry.actor: entry for entry in dossier.audit_entries.filter(action__in=slips.STEP_DONE)}
    assert [(row["action"], row["giver"]["name"], row["taker"]["name"], str(row["at"]), row["timeliness"])
            for row in rows] == [
        ("Tiếp nhận hồ sơ", "Trần Văn Bình", "Lê Thị Hoa", "09:00 ngày 09/03/2026", ""),
        ("Chuyển bước sau", "Lê Thị Hoa", "chuyenvien", "09:30 ngày 09/03/2026",
         slips.timeliness(entries[office.receiver].at, entries[office.receiver].data["step_due_at"])),
        ("Chuyển bước sau", "chuyenvien", "truongphong", "09:00 ngày 13/03/2026", "Quá hạn"),
        ("Chuyển bước sau", "truongphong", "giamdoc", "10:00 ngày 13/03/2026", "Đúng hạn"),
        ("Phê duyệt kết quả", "giamdoc", "trakq", "14:00 ngày 13/03/2026", "Đúng hạn"),
        ("Trả kết quả", "trakq", "Trần Văn Bình", "16:00 ngày 13/03/2026", ""),
    ]
    assert rows[1]["timeliness"] in ("Trước hạn", "Đúng hạn")  # half a day for the desk's step: not late
    assert rows[2]["step_due"] == slips.moment(entries[office.specialist].data["step_due_at"])
    assert (rows[2]["giver"]["agency"], rows[1]["giver"]["agency"]) == ("Sở Xây dựng",
                                                                         "Trung tâm Phục vụ hành chính công")

    pdf = slips.process_control_slip(dossier, lookup_url=lookup_url(dossier))
    assert PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width > PdfReader(io.BytesIO(pdf)).pages[0].mediabox.height
    assert_prints(
        pdf, "Mẫu số 06 — Thông tư 03/2025/TT-VPCP", *NATION, "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "Thanh Hóa, ngày 09 tháng 3 năm 2026", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", dossier.code,
        "Trần Văn Bình", "Cấp giấy phép xây dựng", f"hẹn trả kết quả lúc {slips.moment(dossier.appointment_at)}",
        "Bên giao", "Bên nhận", "Thời gian giao, nhận", "Hạn xử lý của bước", "Bên giao ký", "Bên nhận ký",
        "Quá hạn", f"{rows[2]['step_due'].time} {rows[2]['step_due'].date}", "chuyenvien", "truongphong",
        f"Kết quả giải quyết hồ sơ có lúc 14:00 ngày 13/03/2026: {slips.timeliness(dossier.result_at, dossier.due_at)}",
        "Đã trả kết quả lúc 16:00 ngày 13/03/2026", "NGƯỜI LẬP PHIẾU", f"{SITE}/tra-cuu",
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
        pdf, *NATION, "Thanh Hóa, ngày 13 tháng 3 năm 2026", "BIÊN NHẬN TRẢ KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
        dossier.code, "Trần Văn Bình", "Cấp giấy phép xây dựng", "Kết quả giải quyết: Giấy chứng nhận",
        "Thời gian trả kết quả: 16:00 ngày 13/03/2026, tại Trung tâm Phục vụ hành chính công",
        "NGƯỜI NHẬN KẾT QUẢ", "Đỗ Quỳnh Anh", f"{SITE}/tra-cuu",
    )


def test_a_commune_desk_dates_its_slips_from_its_commune(office, walk_in):
    ward = CommuneFactory(name="Phường Hạc Thành", code="14797")
    Agency.objects.filter(pk=office.desk.pk).update(unit=ward)
    dossier = received(office, walk_in)
    assert_prints(slips.receipt_slip(dossier, lookup_url=lookup_url(dossier)), "Hạc Thành, ngày 09 tháng 3 năm 2026")


@pytest.mark.parametrize("documents", [14, 18, 22])
def test_no_page_carries_the_signatures_alone(office, documents):
    """However long the list of documents, the signatures share their page with the lines that close the form."""
    for order in range(2, documents + 1):
        RequiredDocumentFactory(procedure=office.procedure, order=order,
                                name=f"Giấy tờ số {order} kèm theo hồ sơ đề nghị cấp giấy phép xây dựng")
    publish_procedure_version(procedure=office.procedure)
    dossier = received(office, filed_at_desk(office))
    pdf = slips.receipt_slip(dossier, lookup_url=lookup_url(dossier))
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    last = squashed(text_of(pdf, pages=[pages - 1]))

    assert squashed("NGƯỜI TIẾP NHẬN HỒ SƠ") in last and squashed("Vào Sổ theo dõi hồ sơ") in last


def test_a_slip_the_dossier_has_not_reached_is_refused(office, walk_in):
    with pytest.raises(slips.SlipNotAvailable):
        slips.receipt_slip(walk_in, lookup_url=lookup_url(walk_in))


def test_every_slip_is_offered_with_its_function_and_label():
    assert list(slips.SLIPS) == ["receipt", "supplement_request", "refusal", "apology", "stop_notice",
                                 "process_control", "result_return"]
    assert [slip.form for slip in slips.SLIPS.values()] == [
        "Mẫu số 01", "Mẫu số 02", "Mẫu số 03", "Mẫu số 04", "Mẫu số 05", "Mẫu số 06", ""]
    assert slips.SLIPS["stop_notice"].function is slips.stop_notice_slip
    assert slips.SLIPS["apology"].label == "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"


# Each stage of a dossier's life, from the one before it.


def _incomplete(office):
    return services.request_documents(dossier=filed_at_desk(office), acting_user=office.receiver,
                                      missing="Thiếu bản vẽ")


def _resubmitted(office):
    return services.resubmit_dossier(dossier=_incomplete(office), acting_user=office.receiver,
                                     note="Bản vẽ, bản giấy")


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


def _stopped_at_receipt(office):
    return stopped(office, during_processing=False)


def _stopped_in_processing(office):
    return stopped(office, during_processing=True)


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        pytest.param(filed_at_desk, [], id="submitted"),
        pytest.param(_incomplete, ["supplement_request"], id="incomplete"),
        pytest.param(_resubmitted, ["supplement_request"], id="resubmitted-after-a-request"),
        pytest.param(_refused, ["refusal"], id="refused-at-receipt"),
        pytest.param(_stopped_at_receipt, ["supplement_request", "stop_notice"], id="stopped-before-receipt"),
        pytest.param(_received, ["receipt", "process_control"], id="received"),
        pytest.param(_paused, ["receipt", "supplement_request", "process_control"], id="paused"),
        pytest.param(_stopped_in_processing, ["receipt", "supplement_request", "stop_notice", "process_control"],
                     id="stopped-in-processing"),
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


def test_a_stopped_dossier_offers_its_stop_notice_in_the_window_and_the_portal(client, office):
    draft = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    dossier = services.submit_dossier(dossier=draft, acting_user=office.citizen, receiving_agency=office.desk)
    dossier = services.request_documents(dossier=dossier, acting_user=office.receiver, missing="Thiếu bản vẽ")
    with time_machine.travel(datetime(2027, 6, 1, 8, tzinfo=TZ), tick=False):
        services.lapse_supplement_request(dossier_id=dossier.pk, now=timezone.now())
    label = slips.SLIPS["stop_notice"].label

    client.force_login(office.receiver)
    page = client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))
    assert ("stop_notice", label) in page.context["slips"]
    assert client.get(reverse("admin:workflows_dossier_slip", args=[dossier.pk, "stop_notice"])).content.startswith(
        b"%PDF")

    client.force_login(office.citizen)
    page = client.get(reverse("citizens:detail", args=[dossier.pk]))
    assert ("stop_notice", label) in page.context["slips"]
    assert f"{label} (PDF)" in page.content.decode()
    notice = client.get(reverse("citizens:slip", args=[dossier.pk, "stop_notice"]))
    assert notice["Content-Type"] == "application/pdf"
    assert_prints(notice.content, "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Thiếu bản vẽ", "testserver/tra-cuu")
