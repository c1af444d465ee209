"""The national public service portal's wire format, and nothing else knows it.

The official specification is not public; what is here follows public integration code of provincial systems (the
"DongBoHoSoMC" record: add a dossier, update it, sync its progress; answers carry an `error_code`, 0 for success).
Correct a field name, a status or an error code here, in one place.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from workflows.dossiers.models import DocumentOrigin
from workflows.dossiers.states import NATIONAL_STATUS, Channel

# Where the portal takes records and offers dossiers filed on it (relative to the base URL).
SYNC_PATH = "api/ho-so/dong-bo"
OFFERED_PATH = "api/ho-so/cho-tiep-nhan"
SERVICE = "DongBoHoSoMC"

# The portal's numeric statuses, by OneStop's national status names (workflows.dossiers.states.NATIONAL_STATUS).
STATUS = {
    "new": 1,
    "received": 2,
    "not_received": 3,
    "processing": 4,
    "supplement_requested": 5,
    "financial_obligation_due": 6,
    "withdrawal_requested": 7,
    "processing_stopped": 8,
    "processed": 9,
    "result_returned": 10,
    # The portal has no status for a withdrawn dossier: its processing stopped.
    "withdrawn": 8,
}

# The applicant's type: a citizen identified by their personal identity number, an organisation, a foreigner,
# or someone the record cannot identify.
CITIZEN, ORGANISATION, FOREIGNER, OTHER = 1, 2, 3, 4
# How the dossier was filed: at a desk, by post, online.
CHANNEL = {Channel.COUNTER: 1, Channel.POST: 2, Channel.ONLINE: 3, Channel.INTEGRATED: 3}

SUCCESS = 0
# The portal holds the dossier already: the record is sent again as an update.
ALREADY_EXISTS = 2
# Answers refusing the record itself (invalid data, unknown procedure, not this province's): sending it again
# changes nothing until someone corrects it. Any other non-zero code is the portal's trouble, and passes.
REFUSALS = {1, 3, 4}

TIME_FORMAT = "%Y%m%d%H%M%S"


def status(state):
    """The portal's status of a OneStop state; None for a draft, which the portal never sees."""
    name = NATIONAL_STATUS[state]
    return STATUS[name] if name else None


def moment(value):
    return timezone.localtime(value).strftime(TIME_FORMAT) if value else ""


def document_flags(document):
    """A document's flags on the portal: digitised (an electronic file was handed in), reused from the applicant's
    document store, taken from the national document store (not connected yet)."""
    return {"DuocSoHoa": bool(document.file), "DuocTaiSuDung": document.origin == DocumentOrigin.STORE,
            "DuocLayTuKhoDMQG": False}


def applicant_type(identity_number):
    return CITIZEN if len(identity_number or "") == 12 and identity_number.isdigit() else OTHER


@dataclass(frozen=True)
class Step:
    """One handling of the dossier in its process history."""
    at: object
    actor: str
    role: str
    agency: str
    content: str
    state: str


def record(dossier, *, state, steps, documents, paid_online, message_id, updating):
    """The message telling the portal of one change of `dossier`: its data, the status it reached (`state`) and its
    processing history up to that change (`steps`)."""
    snapshot = dossier.procedure_version.snapshot
    data = {
        "MaHoSo": dossier.code,
        "MaHoSoQuocGia": dossier.national_portal_id or "",
        "MaTTHC": snapshot.get("code") or dossier.procedure.code,
        "TenTTHC": snapshot.get("name") or dossier.procedure.name,
        "MaDonViTiepNhan": dossier.receiving_agency.code if dossier.receiving_agency else "",
        "MaDonViXuLy": dossier.competent_agency.code if dossier.competent_agency else "",
        "KenhThucHien": CHANNEL.get(dossier.channel, 3),
        "ChuHoSo": dossier.applicant_name,
        "LoaiDoiTuong": applicant_type(dossier.applicant_identity_number),
        "DinhDanhCHS": [{"LoaiDinhDanh": 1, "SoDinhDanh": dossier.applicant_identity_number}]
        if dossier.applicant_identity_number else [],
        "SoDienThoai": dossier.applicant_phone,
        "Email": dossier.applicant_email,
        "DiaChi": dossier.applicant_address,
        "DangNhapVNeID": dossier.national_sign_in_level > 0,
        "MucDoXacThucVNeID": dossier.national_sign_in_level,
        "NgayNopHoSo": moment(dossier.submitted_at),
        "NgayTiepNhan": moment(dossier.received_at),
        "NgayHenTra": moment(dossier.appointment_at),
        "NgayCoKetQua": moment(dossier.result_at),
        "NgayTra": moment(dossier.returned_at),
        "TrangThaiHoSo": status(state),
        "DanhSachLePhi": [{"TenPhiLePhi": fee["name"], "LoaiPhiLePhi": fee.get("kind", ""), "Gia": fee["amount"]}
                          for fee in snapshot.get("fees", [])],
        "TongPhiLePhi": dossier.fees_due,
        "DaNopPhiLePhi": dossier.fees_paid,
        "ThanhToanTrucTuyen": paid_online,
        "TaiLieuNop": [{"MaTaiLieu": str(document.pk), "TenTepDinhKem": document.name,
                        "MaThanhPhanHoSo": document.document_order, **document_flags(document)}
                       for document in documents],
        "QuaTrinhXuLy": [{"ThoiDiemXuLy": moment(step.at), "NguoiXuLy": step.actor, "ChucDanh": step.role,
                          "PhongBanXuLy": step.agency, "NoiDungXuLy": step.content,
                          "TrangThai": status(step.state)} for step in steps],
    }
    return {"service": SERVICE, "isUpdating": updating, "MaGiaoDich": message_id, "data": [data]}


@dataclass(frozen=True)
class Answer:
    ok: bool
    already_exists: bool = False
    refused: bool = False
    message: str = ""


def answer(body):
    """What the portal said to a record, from its JSON body."""
    try:
        code = int(body.get("error_code", -1))
    except (TypeError, ValueError, AttributeError):
        return Answer(ok=False, message=f"Unreadable answer: {str(body)[:300]}")
    message = str(body.get("message", ""))[:1000]
    if code == SUCCESS:
        return Answer(ok=True, message=message)
    return Answer(ok=False, already_exists=code == ALREADY_EXISTS, refused=code in REFUSALS,
                  message=f"error_code {code}: {message}")


@dataclass(frozen=True)
class OfferedDocument:
    order: int | None
    name: str
    filename: str
    url: str


@dataclass(frozen=True)
class Offered:
    """A dossier filed on the portal for one of the province's procedures, waiting to be taken in."""
    portal_id: str
    procedure_code: str
    applicant: dict
    form_data: dict
    desk_code: str = ""
    commune_code: str = ""
    sign_in_level: int = 0
    documents: list = field(default_factory=list)


class UnreadableOffer(ValueError):
    """An offered dossier lacks what OneStop needs to take it in."""


def offered(body):
    """The dossiers the portal offers, from its JSON answer: [Offered], and the portal ids of those unreadable."""
    dossiers, unreadable = [], []
    for item in (body or {}).get("data") or []:
        try:
            dossiers.append(_offered(item))
        except (KeyError, TypeError, ValueError, AttributeError):
            unreadable.append(str(item.get("MaHoSoQuocGia", "?")) if isinstance(item, dict) else "?")
    return dossiers, unreadable


def _offered(item):
    portal_id, code = str(item["MaHoSoQuocGia"]).strip(), str(item["MaTTHC"]).strip()
    if not portal_id or not code or len(portal_id) > 64:
        raise UnreadableOffer(portal_id)
    applicant = {"name": str(item["ChuHoSo"]).strip(),
                 "identity_number": str(item.get("SoDinhDanh") or "").strip(),
                 "phone": str(item.get("SoDienThoai") or "").strip(),
                 "email": str(item.get("Email") or "").strip(),
                 "address": str(item.get("DiaChi") or "").strip()}
    documents = [OfferedDocument(order=int(document["MaThanhPhanHoSo"]) if document.get("MaThanhPhanHoSo") else None,
                                 name=str(document.get("TenTepDinhKem") or ""),
                                 filename=str(document.get("TenTep") or "tai-lieu.pdf"),
                                 url=str(document["DuongDanTaiTepTin"]))
                 for document in item.get("TaiLieuNop") or []]
    return Offered(portal_id=portal_id, procedure_code=code, applicant=applicant,
                   form_data=dict(item.get("DuLieuBieuMau") or {}), desk_code=str(item.get("MaDonViTiepNhan") or ""),
                   commune_code=str(item.get("MaXaPhuong") or ""),
                   sign_in_level=int(item.get("MucDoXacThucVNeID") or 0), documents=documents)


def offered_query(province_code):
    return {"MaTinh": province_code} if province_code else {}
