"""How the official forms print: times, the dateline, names that must not break inside a word, the letterhead,
money, the QR code, and the HTML-to-PDF step the slips (slips.py) and the tracking book (book.py) share."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import segno
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from procedures.models import AdministrativeUnit, Agency

NO_BREAK_SPACE = "\u00a0"
# Administrative units as agency names spell them: a line never breaks inside "tỉnh Thanh Hóa".
UNIT_WORDS = (("tỉnh",), ("thành", "phố"), ("phường",), ("xã",), ("đặc", "khu"))
# Small words that open the phrase after them: "và Du lịch", "tại phường Bỉm Sơn".
CONNECTIVES = ("và", "tại")
UNIT_PREFIXES = {
    AdministrativeUnit.Kind.PROVINCE: "Tỉnh",
    AdministrativeUnit.Kind.CITY: "Thành phố",
    AdministrativeUnit.Kind.WARD: "Phường",
    AdministrativeUnit.Kind.COMMUNE: "Xã",
    AdministrativeUnit.Kind.SPECIAL_ZONE: "Đặc khu",
}


@dataclass(frozen=True)
class Moment:
    """A time as the slips print it: dd/mm/yyyy and HH:MM in the installation's time zone."""

    date: str
    time: str

    def __str__(self):
        return f"{self.time} ngày {self.date}"


def local(value):
    """The time in Asia/Ho_Chi_Minh (the default zone, whatever zone a request activated); accepts the ISO strings
    the audit trail stores."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timezone.localtime(value, timezone.get_default_timezone())


def sets_of(dossier):
    """How many sets (bộ) of documents the dossier holds, as its procedure asked when it was filed (one for
    dossiers filed before the catalogue said)."""
    return dossier.procedure_version.snapshot.get("sets", 1)


def moment(value):
    if not value:
        return None
    value = local(value)
    return Moment(date=f"{value:%d/%m/%Y}", time=f"{value:%H:%M}")


def timeliness(done_at, due_at):
    """Trước hạn (an earlier day), đúng hạn (by the due time on its day) or quá hạn, as the forms classify."""
    if done_at is None or due_at is None:
        return ""
    if isinstance(due_at, str):
        due_at = datetime.fromisoformat(due_at)
    if done_at > due_at:
        return "Quá hạn"
    return "Trước hạn" if local(done_at).date() < local(due_at).date() else "Đúng hạn"


def keep_words(name):
    """A name whose syllables are bound by no-break spaces except between its phrases, so that a line never
    splits a word ("Thanh | Hóa"). Vietnamese writes a syllable per space; agency names capitalise the first
    syllable of each phrase (Decree 30/2020/NĐ-CP), so a phrase starts at a capital after a lower-case syllable,
    at "và" or "tại", at an administrative unit ("tỉnh Thanh Hóa", kept whole) and after a comma."""
    syllables = name.split()
    parts = syllables[:1]
    for index in range(1, len(syllables)):
        parts.append(" " if _phrase_starts(syllables, index) else NO_BREAK_SPACE)
        parts.append(syllables[index])
    return "".join(parts)


def _phrase_starts(syllables, index):
    previous, syllable = syllables[index - 1], syllables[index]
    if previous.endswith(","):
        return True
    if previous.lower() in CONNECTIVES or _ends_unit_word(syllables, index):
        return False
    return (syllable.lower() in CONNECTIVES or _starts_unit_word(syllables, index)
            or (syllable[0].isupper() and not previous[0].isupper()))


def _starts_unit_word(syllables, index):
    lowered = [syllable.lower() for syllable in syllables]
    return any(tuple(lowered[index:index + len(word)]) == word for word in UNIT_WORDS)


def _ends_unit_word(syllables, index):
    lowered = [syllable.lower() for syllable in syllables]
    return any(index >= len(word) and tuple(lowered[index - len(word):index]) == word for word in UNIT_WORDS)


def place_of(agency):
    """The place a letter is dated from (Decree 30/2020/NĐ-CP): the proper name of the province or commune-level
    unit where the agency sits ("Thanh Hóa", "Hạc Thành"); a unit named by a number keeps its kind ("Phường 1")."""
    unit = agency.unit
    prefix = UNIT_PREFIXES.get(unit.kind, "")
    proper = unit.name[len(prefix):].strip() if unit.name.lower().startswith(f"{prefix.lower()} ") else unit.name
    return unit.name if proper.isdigit() else proper


def dateline(agency, when):
    """"Thanh Hóa, ngày 03 tháng 12 năm 2026": a day below 10 and a month below 3 take a leading zero."""
    day = local(when).date()
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place_of(agency)}, ngày {day.day:02d} tháng {month} năm {day.year}"


def superior_of(agency):
    """The line above the issuing agency's name, as official letterheads print it."""
    if agency.parent_id:
        return agency.parent.name
    if agency.kind in Agency.PROVINCE_LEVEL_KINDS:
        return f"Ủy ban nhân dân {agency.unit.name}"
    return ""


def letterhead(agency, when):
    """What the top of a form prints for the agency that issues it on `when`."""
    return {"issuer": agency, "issuer_superior": superior_of(agency), "dateline": dateline(agency, when)}


def vnd(amount):
    """Whole đồng as the forms print them: 1.500.000."""
    return f"{amount:,}".replace(",", ".")


def qr_data_uri(text):
    """A PNG of one pixel per module with the standard quiet zone; the template scales it up without
    smoothing."""
    return segno.make(text, error="m").png_data_uri(scale=1, border=4)


def lookup_caption(url):
    """The lookup address as a reader types it, under the QR code: no scheme, no query ("dvc.example.vn/tra-cuu")."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path.rstrip('/')}"


def pdf(template, context):
    return HTML(string=render_to_string(template, context)).write_pdf()
