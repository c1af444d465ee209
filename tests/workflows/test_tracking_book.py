"""Form 07, the dossier tracking book of a receiving desk: its volumes and entry numbers (which form 01 prints
too), the register as PDF and XLSX read back, and who may download which desk's book."""

import io
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.workflows.test_slips import assert_prints, filed_at_desk, lookup_url, returned, stopped
from workflows.dossiers import services
from workflows.paperwork import book, slips
from workflows.paperwork.forms import BookForm

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ZERO_WIDTH_SPACE = "\u200b"


def received_at(office, moment, *, name="Nguyễn Văn An", other_desk=False):
    """A walk-in dossier filed and received at the desk (or the other desk) at `moment`."""
    receiver = office.other_receiver if other_desk else office.receiver
    with time_machine.travel(moment, tick=False):
        dossier = services.create_draft(procedure=office.procedure, acting_user=receiver, applicant={
            "name": name, "identity_number": "038090001234", "phone": "0912345678", "address": "Thôn 3"})
        dossier = services.submit_dossier(dossier=dossier, acting_user=receiver)
        return services.receive_dossier(dossier=dossier, acting_user=receiver)


@pytest.fixture
def january(office):
    """Dossiers received around new year at the desk, one at the other desk, two at the very same instant."""
    return {
        "new_year_eve": received_at(office, datetime(2025, 12, 31, 16, 0, tzinfo=TZ)),
        # Still 2025 in UTC: the book counts in Vietnam's time.
        "after_midnight": received_at(office, datetime(2026, 1, 1, 0, 30, tzinfo=TZ)),
        "monday": received_at(office, datetime(2026, 1, 5, 9, 0, tzinfo=TZ)),
        "elsewhere": received_at(office, datetime(2026, 1, 5, 9, 30, tzinfo=TZ), other_desk=True),
        "same_instant_1": received_at(office, datetime(2026, 1, 5, 10, 0, tzinfo=TZ)),
        "same_instant_2": received_at(office, datetime(2026, 1, 5, 10, 0, tzinfo=TZ)),
    }


def test_each_desk_keeps_one_volume_a_year_numbered_by_receipt(january):
    entries = {name: book.entry_of(dossier) for name, dossier in january.items()}
    assert entries == {
        "new_year_eve": book.Entry("01/2025", 1),
        "after_midnight": book.Entry("01/2026", 1),
        "monday": book.Entry("01/2026", 2),
        "elsewhere": book.Entry("01/2026", 1),  # the other desk's own book
        # Received at the same instant: the earlier dossier first.
        "same_instant_1": book.Entry("01/2026", 3),
        "same_instant_2": book.Entry("01/2026", 4),
    }


def test_a_dossier_not_received_is_in_no_book(office):
    assert book.entry_of(filed_at_desk(office)) is None


def test_the_receipt_and_the_register_give_every_dossier_the_same_entry(office, january):
    whole_month = book.register(desk=office.desk, first=date(2026, 1, 1), last=date(2026, 1, 31))
    from_monday = book.register(desk=office.desk, first=date(2026, 1, 5), last=date(2026, 1, 5))

    assert [(row["number"], row["code"]) for row in whole_month.rows] == [
        (book.entry_of(january[name]).number, january[name].code)
        for name in ("after_midnight", "monday", "same_instant_1", "same_instant_2")]
    assert [row["number"] for row in from_monday.rows] == [2, 3, 4]
    receipt = slips.receipt_slip(january["same_instant_2"], lookup_url=lookup_url(january["same_instant_2"]))
    assert_prints(receipt, "Vào Sổ theo dõi hồ sơ, Quyển số: 01/2026, Số thứ tự: 4")


@pytest.fixture
def march(office):
    """A dossier returned early and one stopped when its supplement never came, both received on 9 March."""
    return {"returned": returned(office, filed_at_desk(office)), "stopped": stopped(office, during_processing=True)}


def test_the_register_pdf_lists_every_entry_with_the_columns_of_form_07(office, march):
    register = book.register(desk=office.desk, first=date(2026, 3, 1), last=date(2026, 3, 31))
    pdf = book.register_pdf(register)

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    # Codes may wrap after their hyphens: a zero-width space marks where.
    text = unicodedata.normalize("NFC", page.extract_text()).replace(ZERO_WIDTH_SPACE, "")
    assert_prints(
        pdf, "Mẫu số 07 — Thông tư 03/2025/TT-VPCP",
        "ỦY BAN NHÂN DÂN TỈNH THANH HÓA", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "SỔ THEO DÕI HỒ SƠ", "Quyển số: 01/2026", "Từ ngày 01/03/2026 đến ngày 31/03/2026",
        *(column.heading for column in book.COLUMNS),
        "Trần Văn Bình", "12 Lê Lợi, phường Hạc Thành; 0912345678", "Cấp giấy phép xây dựng", "Sở Xây dựng",
        "09:00 09/03/2026", "09:30 09/03/2026", "14:00 13/03/2026", "16:00 13/03/2026", "Dừng giải quyết",
        "Tổng số: 2 hồ sơ",
    )
    squashed = "".join(text.split())
    assert all(dossier.code in squashed for dossier in march.values())
    assert "".join(slips.timeliness(march["returned"].result_at, march["returned"].due_at).split()) in squashed


def test_the_register_xlsx_reads_back_with_the_same_entries(office, march):
    register = book.register(desk=office.desk, first=date(2026, 3, 1), last=date(2026, 3, 31))
    sheet = load_workbook(io.BytesIO(book.register_xlsx(register))).active

    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "SỔ THEO DÕI HỒ SƠ (Mẫu số 07)"
    assert rows[1][0] == "Trung tâm Phục vụ hành chính công"
    assert rows[2][0] == "Quyển số: 01/2026" and rows[3][0] == "Từ ngày 01/03/2026 đến ngày 31/03/2026"
    heading = rows.index(tuple(column.heading for column in book.COLUMNS))
    entries = [dict(zip([column.key for column in book.COLUMNS], row)) for row in rows[heading + 1:]]
    done, halted = entries
    assert (done["number"], done["code"], done["procedure"], done["sets"], done["applicant"]) == (
        1, march["returned"].code, "Cấp giấy phép xây dựng", 1, "Trần Văn Bình")
    assert (done["competent"], done["received"], done["forwarded"], done["result"], done["returned"]) == (
        "Sở Xây dựng", datetime(2026, 3, 9, 9, 0), datetime(2026, 3, 9, 9, 30), datetime(2026, 3, 13, 14, 0),
        datetime(2026, 3, 13, 16, 0))
    assert done["timeliness"] == slips.timeliness(march["returned"].result_at, march["returned"].due_at)
    assert (halted["number"], halted["code"], halted["note"], halted["result"]) == (
        2, march["stopped"].code, "Dừng giải quyết", None)
    assert sheet.cell(heading + 2, 8).number_format == "dd/mm/yyyy hh:mm"


def test_a_register_covers_days_of_one_year(office):
    with pytest.raises(ValueError):
        book.register(desk=office.desk, first=date(2025, 12, 1), last=date(2026, 1, 31))
    form = BookForm({"desk": office.desk.pk, "first": "2025-12-01", "last": "2026-01-31", "file_format": "pdf"},
                    user=office.receiver)
    assert not form.is_valid() and form.has_error(NON_FIELD_ERRORS, "period_spans_years")


# Who may download which book


def book_url(desk, file_format="pdf"):
    return (reverse("admin:workflows_dossier_book")
            + f"?desk={desk.pk}&first=2026-03-01&last=2026-03-31&file_format={file_format}")


@pytest.mark.parametrize("person", ["receiver", "result_desk"])
def test_staff_of_a_desk_download_its_book_as_pdf_or_xlsx(client, office, march, person):
    client.force_login(getattr(office, person))

    as_pdf = client.get(book_url(office.desk))
    as_xlsx = client.get(book_url(office.desk, "xlsx"))

    assert as_pdf.status_code == 200 and as_pdf["Content-Type"] == "application/pdf"
    assert as_pdf["Content-Disposition"].startswith("attachment;") and as_pdf.content.startswith(b"%PDF")
    assert as_xlsx.status_code == 200 and as_xlsx["Content-Type"].endswith("spreadsheetml.sheet")
    assert load_workbook(io.BytesIO(as_xlsx.content)).active.max_row == 8  # 4 heading lines, a gap, 1 + 2 rows


@pytest.mark.parametrize("person", ["receiver", "result_desk", "other_receiver"])
def test_staff_never_get_another_desks_book(client, office, march, person):
    client.force_login(getattr(office, person))
    theirs = office.other_desk if person == "other_receiver" else office.desk
    other = office.desk if person == "other_receiver" else office.other_desk

    response = client.get(book_url(other))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "desk" in response.context["form"].errors
    assert list(response.context["form"].fields["desk"].queryset) == [theirs]


@pytest.mark.parametrize("person", ["specialist", "leader"])
def test_staff_of_no_desk_have_no_book(client, office, march, person):
    client.force_login(getattr(office, person))

    assert client.get(book_url(office.desk)).status_code == 403
    changelist = client.get(reverse("admin:workflows_dossier_changelist"))
    assert 'id="tracking-book"' not in changelist.content.decode()


def test_a_province_administrator_opens_every_desks_book(client, office, march):
    administrator = office.staff("quantri", office.department, "province_admin")
    client.force_login(administrator)

    page = client.get(reverse("admin:workflows_dossier_book"))

    assert set(page.context["form"].fields["desk"].queryset) == {office.desk, office.other_desk}
    assert client.get(book_url(office.other_desk)).status_code == 200


def test_the_window_offers_the_book_to_desk_staff_and_a_citizen_is_sent_to_sign_in(client, office):
    client.force_login(office.receiver)
    changelist = client.get(reverse("admin:workflows_dossier_changelist")).content.decode()
    assert f'href="{reverse("admin:workflows_dossier_book")}" id="tracking-book"' in changelist
    form_page = client.get(reverse("admin:workflows_dossier_book"))
    assert form_page.status_code == 200 and form_page.context["form"]["first"].initial.day == 1

    client.force_login(office.citizen)
    response = client.get(book_url(office.desk))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
