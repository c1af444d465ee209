"""Form 07 of Circular 03/2025/TT-VPCP, the dossier tracking book (sổ theo dõi hồ sơ): the register a receiving
desk keeps of the dossiers it received, as PDF and XLSX; and each dossier's place in it, which its receipt (form 01)
prints as "Vào Sổ theo dõi hồ sơ, Quyển số …, Số thứ tự …".

The book is derived, not stored: one volume per desk per calendar year (volume_name), and a dossier's entry number
is the ordinal of its receipt in that volume, ordered by the time of receipt and then by dossier id (ENTRY_ORDER).
A receipt is stamped when it is made and never changes, so a reprint of form 01 and every export of the register
give the same numbers.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Min, Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from procedures.models import Agency
from workflows.dossiers.models import AuditEntry, Dossier
from workflows.dossiers.selectors import is_province_admin
from workflows.dossiers.staff import staff_roles
from workflows.dossiers.states import State

from .printing import keep_words, letterhead, local, moment, pdf, sets_of, timeliness

FORM = "Mẫu số 07"
TITLE = "Sổ theo dõi hồ sơ"
ENTRY_ORDER = ("received_at", "pk")
# What the note column says of a dossier that did not simply run its course.
STATE_NOTES = {
    State.PAUSED: "Chờ bổ sung hồ sơ",
    State.CONSULTING: "Đang lấy ý kiến phối hợp",
    State.FEES_DUE: "Chờ thực hiện nghĩa vụ tài chính",
    State.WITHDRAWAL_REQUESTED: "Đề nghị rút hồ sơ",
    State.WITHDRAWN: "Đã rút hồ sơ",
    State.STOPPED: "Dừng giải quyết",
}


@dataclass(frozen=True)
class Entry:
    """A dossier's place in its desk's book."""

    volume: str
    number: int


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str = "text"  # text, number, code, agency (kept whole on paper), moment, or blank (signed on paper)
    width: int = 0  # on the A4 landscape page (262 mm between the margins), in mm; 0 takes what is left


COLUMNS = (
    Column("number", "Số thứ tự", "number", 9),
    Column("code", "Mã hồ sơ", "code", 22),
    Column("procedure", "Tên thủ tục hành chính"),
    Column("sets", "Số lượng hồ sơ (bộ)", "number", 10),
    Column("applicant", "Tên tổ chức, cá nhân", width=20),
    Column("contact", "Địa chỉ, số điện thoại", width=23),
    Column("competent", "Cơ quan giải quyết", "agency", 24),
    Column("received", "Nhận hồ sơ", "moment", 16),
    Column("appointment", "Hẹn trả kết quả", "moment", 16),
    Column("forwarded", "Chuyển hồ sơ đến cơ quan giải quyết", "moment", 16),
    Column("result", "Có kết quả giải quyết", "moment", 16),
    Column("timeliness", "Trước hạn, đúng hạn, quá hạn", width=14),
    Column("returned", "Trả kết quả", "moment", 16),
    Column("signature", "Ký nhận", "blank", 12),
    Column("note", "Ghi chú", width=18),
)


def volume_name(year):
    """The one rule naming a volume: one per desk per calendar year, "01/2026" (volume 01 of the year), as civil
    status registers number theirs."""
    return f"01/{year}"


def _volume(desk_id, year):
    """The dossiers a desk's volume holds: those it received in that year (local time)."""
    zone = timezone.get_default_timezone()
    return Dossier.objects.filter(receiving_agency_id=desk_id, received_at__gte=datetime(year, 1, 1, tzinfo=zone),
                                  received_at__lt=datetime(year + 1, 1, 1, tzinfo=zone))


def entry_of(dossier):
    """Where the receipt of `dossier` stands in its desk's book; None before it is received."""
    if dossier.received_at is None:
        return None
    year = local(dossier.received_at).year
    # Earlier in ENTRY_ORDER: received before it, or at the same instant with a smaller id.
    earlier = _volume(dossier.receiving_agency_id, year).filter(
        Q(received_at__lt=dossier.received_at) | Q(received_at=dossier.received_at, pk__lt=dossier.pk))
    return Entry(volume=volume_name(year), number=earlier.count() + 1)


def desks_for(user):
    """The desks whose book this person may open: the receiving desks they hold a role at; every desk for a
    province administrator (who sees every dossier)."""
    desks = Agency.objects.filter(receives_dossiers=True).select_related("unit", "parent")
    if is_province_admin(user):
        return desks
    return desks.filter(pk__in={agency_id for agency_id, _role in staff_roles(user)})


@dataclass(frozen=True)
class Register:
    """The part of a desk's book between two days of one year."""

    desk: Agency
    first: date
    last: date
    rows: list

    @property
    def volume(self):
        return volume_name(self.first.year)


def register(*, desk, first, last):
    """The entries of `desk`'s book received from `first` to `last` (both included, the same year), numbered as
    entry_of numbers them."""
    if first.year != last.year or last < first:
        raise ValueError("A register covers days of one year: one volume of the book.")
    zone = timezone.get_default_timezone()
    start, end = datetime.combine(first, time(), zone), datetime.combine(last + timedelta(days=1), time(), zone)
    volume = _volume(desk.pk, first.year)
    before = volume.filter(received_at__lt=start).count()
    dossiers = list(volume.filter(received_at__gte=start, received_at__lt=end)
                    .select_related("procedure_version", "competent_agency").order_by(*ENTRY_ORDER))
    forwarded = _forwarded(dossiers)
    rows = [_row(number, dossier, forwarded.get(dossier.pk))
            for number, dossier in enumerate(dossiers, start=before + 1)]
    return Register(desk=desk, first=first, last=last, rows=rows)


def _forwarded(dossiers):
    """When each dossier left the desk's receiving step for the competent agency (its first hand-over)."""
    return dict(AuditEntry.objects.filter(dossier__in=dossiers, action="hand_over", from_state=State.RECEIVED)
                .values("dossier").annotate(first=Min("at")).values_list("dossier", "first"))


def _row(number, dossier, forwarded_at):
    notes = [STATE_NOTES.get(dossier.state, "")]
    if dossier.outcome == Dossier.Outcome.REFUSED:
        notes.append("Từ chối giải quyết")
    if dossier.apology_count:
        notes.append("Đã xin lỗi, hẹn lại ngày trả kết quả")
    return {
        "number": number,
        "code": dossier.code,
        "procedure": dossier.procedure_version.snapshot["name"],
        "sets": sets_of(dossier),
        "applicant": dossier.applicant_name,
        "contact": "; ".join(part for part in (dossier.applicant_address, dossier.applicant_phone) if part),
        "competent": dossier.competent_agency.name if dossier.competent_agency_id else "",
        "received": dossier.received_at,
        "appointment": dossier.appointment_at,
        "forwarded": forwarded_at,
        "result": dossier.result_at,
        "timeliness": timeliness(dossier.result_at, dossier.due_at),
        "returned": dossier.returned_at,
        "signature": "",
        "note": "; ".join(note for note in notes if note),
    }


def register_pdf(register):
    """The register on A4 landscape pages, its heading row repeated on each."""
    table = [[(column.kind, _printed(column, row[column.key])) for column in COLUMNS] for row in register.rows]
    return pdf("paperwork/slips/book.html", {
        **letterhead(register.desk, timezone.now()),
        "title": TITLE, "form": FORM, "register": register, "columns": COLUMNS, "table": table,
        "first": f"{register.first:%d/%m/%Y}", "last": f"{register.last:%d/%m/%Y}",
    })


def _printed(column, value):
    if column.kind == "moment":
        return moment(value)
    if column.kind == "agency":
        return keep_words(value)
    if column.kind == "code":
        # No line may break between a hyphen and a digit (Unicode line breaking): a zero-width space lets the code
        # wrap after its hyphens in a narrow column.
        return value.replace("-", "-\u200b")
    return value


THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="EEEEEE")


def register_xlsx(register):
    """The register as a spreadsheet: the same columns, times as Excel dates (local time) to sort and filter."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Quyển số {register.volume}".replace("/", "-")
    width = len(COLUMNS)
    for line in (f"{TITLE.upper()} ({FORM})", register.desk.name, f"Quyển số: {register.volume}",
                 f"Từ ngày {register.first:%d/%m/%Y} đến ngày {register.last:%d/%m/%Y}"):
        sheet.append([line])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=width)
        sheet.cell(sheet.max_row, 1).alignment = Alignment(horizontal="center")
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append([column.heading for column in COLUMNS])
    heading = sheet.max_row
    for cell in sheet[heading]:
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in register.rows:
        sheet.append([_cell(column, row[column.key]) for column in COLUMNS])
        for column, cell in zip(COLUMNS, sheet[sheet.max_row]):
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if column.kind == "moment":
                cell.number_format = "dd/mm/yyyy hh:mm"
    for index, column in enumerate(COLUMNS, start=1):
        # A spreadsheet column is about 1.8 mm per character.
        sheet.column_dimensions[get_column_letter(index)].width = column.width / 1.8 if column.width else 40
    sheet.freeze_panes = sheet.cell(heading + 1, 3)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(column, value):
    if column.kind == "moment":
        return local(value).replace(tzinfo=None) if value else None
    return value
