"""The official slips of the one-door desk as PDFs: the forms of Circular 01/2018/TT-VPCP as renumbered by
Circular 03/2025/TT-VPCP, plus the record of the result's return.

Every slip is drawn from the dossier and its audit trail, never from what is true of the catalogue today, so a
reprint says what was said then. The text is Vietnamese without gettext: these are official forms in the
official language. Each slip carries a QR code of the public lookup address the caller builds for the dossier.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import segno
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from procedures.models import Agency
from workflows.dossiers import transitions
from workflows.dossiers.models import Dossier
from workflows.dossiers.staff import StaffRole
from workflows.dossiers.states import WAITING_STATES, State

FORMS = {
    "original": "Bản chính",
    "copy": "Bản sao",
    "certified_copy": "Bản sao chứng thực",
    "original_or_copy": "Bản chính hoặc bản sao",
}
TIME_UNITS = {"days": "ngày làm việc", "hours": "giờ làm việc"}
ROLES = {
    StaffRole.RECEIVING_OFFICER: "Cán bộ tiếp nhận",
    StaffRole.SPECIALIST: "Chuyên viên thụ lý",
    StaffRole.DEPARTMENT_HEAD: "Lãnh đạo phòng",
    StaffRole.AGENCY_LEADER: "Lãnh đạo cơ quan",
    StaffRole.RESULT_DESK: "Bộ phận trả kết quả",
}
# How the applicant chose to receive the result; a dossier without the choice collects it at its result desk.
DELIVERY = {
    "at_desk": "Nhận trực tiếp tại {desk}",
    "post": "Qua dịch vụ bưu chính, đến địa chỉ: {address}",
    "online": "Trực tuyến, bằng bản điện tử",
}
# The handovers the process control slip lists, from the transition registry: its line and where the dossier went.
HANDOVERS = transitions.handovers()
# The actions by which the holder of a step finishes with it (so the holder is their actor).
STEP_DONE = tuple(name for name, handover in HANDOVERS.items() if handover.finishes_step)


class SlipNotAvailable(ValueError):
    """The dossier has not reached the point where this slip exists (see available_slips)."""


@dataclass(frozen=True)
class Moment:
    """A time as the slips print it: dd/mm/yyyy and HH:MM in the installation's time zone."""

    date: str
    time: str

    def __str__(self):
        return f"{self.time} ngày {self.date}"


@dataclass(frozen=True)
class Slip:
    """One official slip: its printed title (also the label views offer), the function that renders it, the
    form number it carries, the audit actions whose latest entry it documents, and when it applies."""

    label: str
    function: Callable[..., bytes]
    form: str
    actions: tuple[str, ...]
    applies: Callable[[Dossier], bool]
    extra: Callable[[Dossier, object], dict] = lambda dossier, entry: {}


def receipt_slip(dossier, *, lookup_url):
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (form 01): what was received, when, and when the result is
    due."""
    return _render("receipt", dossier, lookup_url)


def supplement_request_slip(dossier, *, lookup_url):
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (form 02): what is missing, at receipt or during processing."""
    return _render("supplement_request", dossier, lookup_url)


def refusal_slip(dossier, *, lookup_url):
    """Phiếu từ chối tiếp nhận, giải quyết hồ sơ (form 03): why the dossier was not received or not
    granted."""
    return _render("refusal", dossier, lookup_url)


def apology_slip(dossier, *, lookup_url):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (form 04): the reason for the delay and the new
    appointment."""
    return _render("apology", dossier, lookup_url)


def process_control_slip(dossier, *, lookup_url):
    """Phiếu kiểm soát quá trình giải quyết hồ sơ (form 06): every handover with its time and its step's due
    time."""
    return _render("process_control", dossier, lookup_url)


def result_return_slip(dossier, *, lookup_url):
    """Biên nhận trả kết quả: when, where and by whom the result was handed to the applicant."""
    return _render("result_return", dossier, lookup_url)


def available_slips(dossier):
    """The names (keys of SLIPS) of the slips that exist for this dossier now, in SLIPS order."""
    return [name for name, slip in SLIPS.items() if slip.applies(dossier)]


def slip_context(dossier, *, lookup_url, entry=None):
    """What every slip prints: agencies, code, applicant, procedure, documents, times, officer and QR code.
    `entry` is the audit entry the slip documents: its actor signs it and its agency issues it."""
    snapshot = dossier.procedure_version.snapshot
    attached = set(dossier.documents.filter(is_current=True).values_list("document_order", flat=True))
    issuer = entry.actor_agency if entry is not None and entry.actor_agency_id else dossier.receiving_agency
    # Before receipt the dossier names no competent agency; a province-level procedure as filed does.
    competent = dossier.competent_agency.name if dossier.competent_agency_id else (
        (snapshot["competent_agency"] or {}).get("name", ""))
    return {
        "dossier": dossier,
        "procedure": snapshot,
        "time_limit": f"{snapshot['time_limit'].replace('.', ',')} {TIME_UNITS[snapshot['time_limit_unit']]}",
        "issuer": issuer,
        "issuer_superior": _superior(issuer),
        "competent_agency_name": competent,
        "documents": [
            {**document, "order": order, "form": FORMS.get(document["form"], document["form"]),
             "online": order in attached}
            for order, document in enumerate(snapshot["documents"], start=1)
        ],
        "submitted": moment(dossier.submitted_at),
        "received": moment(dossier.received_at),
        "due": moment(dossier.due_at),
        "appointment": moment(dossier.appointment_at),
        "delivery": DELIVERY[dossier.result_delivery].format(
            desk=getattr(dossier.result_desk, "name", ""), address=dossier.delivery_address),
        "fees": f"{dossier.fees_due:,}".replace(",", ".") if dossier.fees_due else "",
        "entry": entry,
        "officer": person(entry.actor) if entry is not None else "",
        "issued": moment(entry.at if entry is not None else timezone.now()),
        "lookup_url": lookup_url,
        "qr": qr_data_uri(lookup_url),
    }


def moment(value):
    """dd/mm/yyyy and HH:MM in Asia/Ho_Chi_Minh (the default zone, whatever zone a request activated); accepts
    the ISO strings the audit trail stores."""
    if not value:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = timezone.localtime(value, timezone.get_default_timezone())
    return Moment(date=f"{local:%d/%m/%Y}", time=f"{local:%H:%M}")


def person(user):
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def qr_data_uri(text):
    """A PNG of one pixel per module with the standard quiet zone; the template scales it up without
    smoothing."""
    return segno.make(text, error="m").png_data_uri(scale=1, border=4)


def timeliness(done_at, due_at):
    """Trước hạn (an earlier day), đúng hạn (by the due time on its day) or quá hạn, as the forms classify."""
    if done_at is None or due_at is None:
        return ""
    if isinstance(due_at, str):
        due_at = datetime.fromisoformat(due_at)
    if done_at > due_at:
        return "Quá hạn"
    zone = timezone.get_default_timezone()
    early = timezone.localdate(done_at, zone) < timezone.localdate(due_at, zone)
    return "Trước hạn" if early else "Đúng hạn"


# What each slip adds to the shared context


def _supplement_context(dossier, entry):
    waiting = dossier.state in WAITING_STATES
    return {
        "reason": dossier.reason if waiting else entry.note,
        # Asked before receipt, the dossier had no step yet.
        "during_processing": entry.from_state != State.SUBMITTED,
    }


def _refusal_context(dossier, entry):
    return {"reason": entry.note or dossier.reason, "at_receipt": entry.from_state == State.SUBMITTED}


def _apology_context(dossier, entry):
    return {"reason": entry.note, "new_appointment": moment(entry.data.get("new_appointment"))}


def _result_context(dossier, entry):
    return {
        "result_ready": moment(dossier.result_at),
        "returned": moment(dossier.returned_at),
        "refused": dossier.outcome == Dossier.Outcome.REFUSED,
        "timeliness": timeliness(dossier.result_at, dossier.due_at),
    }


def _process_context(dossier, entry):
    return {
        **_result_context(dossier, entry),
        "handovers": handovers(dossier),
        "consulted": ", ".join(sorted({consultation.agency.name
                                       for consultation in dossier.consultations.select_related("agency")})),
    }


def handovers(dossier):
    """The rows of the process control slip, from the audit trail: who handed the dossier to whom, when, and
    whether the giver's step finished by its due time."""
    entries = list(dossier.audit_entries.filter(action__in=HANDOVERS).select_related("actor", "actor_agency"))
    steps = {step["order"]: step for step in dossier.steps}
    consulted = {pk for entry in entries if HANDOVERS[entry.action].goes_to == "consulted"
                 for pk in entry.data["agencies"]}
    involved = {*consulted, dossier.receiving_agency_id, dossier.competent_agency_id, dossier.result_desk_id}
    agencies = dict(Agency.objects.filter(pk__in=involved).values_list("pk", "name"))
    applicant = {"name": dossier.applicant_name, "agency": "Tổ chức, cá nhân"}
    rows = []
    for index, entry in enumerate(entries):
        handover = HANDOVERS[entry.action]
        label, goes_to = handover.label, handover.goes_to
        giver = applicant if handover.from_applicant else {
            "name": person(entry.actor), "agency": agencies.get(entry.actor_agency_id, "")}
        if goes_to == "applicant":
            taker = applicant
        elif goes_to == "consulted":
            taker = {"name": "", "agency": ", ".join(agencies[pk] for pk in entry.data["agencies"]
                                                     if pk != dossier.competent_agency_id)}
        else:
            taker = _step_holder(dossier, _neighbour(steps, entry.step_order, goes_to), entries[index + 1:],
                                 agencies)
        step = steps.get(entry.step_order)
        # Only a holder passing the dossier on is measured against their step's due time; taking it is not.
        step_due = entry.data.get("step_due_at") if goes_to != "same" else None
        rows.append({
            "number": index + 1, "action": label, "step": step["name"] if step else "", "giver": giver,
            "taker": taker, "at": moment(entry.at), "step_due": moment(step_due),
            "timeliness": timeliness(entry.at, step_due), "note": entry.note,
        })
    return rows


def _neighbour(steps, order, direction):
    if direction == "next":
        return steps.get(min((o for o in steps if order is not None and o > order), default=None))
    if direction == "previous":
        return steps.get(max((o for o in steps if order is not None and o < order), default=None))
    return steps.get(order)


def _step_holder(dossier, step, later_entries, agencies):
    """Who held `step` next: whoever finished it afterwards, else its current assignee, else its role."""
    if step is None:
        return {"name": "", "agency": ""}
    holder = next((entry for entry in later_entries
                   if entry.step_order == step["order"] and entry.action in STEP_DONE), None)
    if holder is not None:
        return {"name": person(holder.actor), "agency": agencies.get(holder.actor_agency_id, "")}
    current = dossier.current_step_order == step["order"] and dossier.assignee_id
    return {"name": person(dossier.assignee) if current else ROLES.get(step["role"], step["role"]),
            "agency": agencies.get(dossier.step_agency_id(step), "")}


def _superior(agency):
    """The line above the issuing agency's name, as official letterheads print it."""
    if agency is None:
        return ""
    if agency.parent_id:
        return agency.parent.name
    if agency.kind in Agency.PROVINCE_LEVEL_KINDS:
        return f"Ủy ban nhân dân {agency.unit.name}"
    return ""


def _render(name, dossier, lookup_url):
    slip = SLIPS[name]
    if not slip.applies(dossier):
        raise SlipNotAvailable(f"Dossier {dossier.code or dossier.pk} ({dossier.state}) has no {name} slip.")
    entry = (dossier.audit_entries.filter(action__in=slip.actions).select_related("actor", "actor_agency")
             .order_by("-at", "-id").first())
    if entry is None:  # only a dossier written around the services lacks the entry its slip documents
        raise SlipNotAvailable(f"Dossier {dossier.code or dossier.pk} has no {'/'.join(slip.actions)} entry.")
    context = {
        **slip_context(dossier, lookup_url=lookup_url, entry=entry),
        **slip.extra(dossier, entry),
        "title": slip.label,
        "form": slip.form,
    }
    html = render_to_string(f"paperwork/slips/{name}.html", context)
    return HTML(string=html).write_pdf()


def _received(dossier):
    return dossier.received_at is not None


def _supplement_asked(dossier):
    return (dossier.state in WAITING_STATES
            or dossier.audit_entries.filter(action__in=transitions.documented_by("supplement_request")).exists())


def _refused(dossier):
    return dossier.state == State.REFUSED or dossier.outcome == Dossier.Outcome.REFUSED


SLIPS = {
    "receipt": Slip(
        label="Giấy tiếp nhận hồ sơ và hẹn trả kết quả", function=receipt_slip, form="Mẫu số 01",
        actions=transitions.documented_by("receipt"), applies=_received,
    ),
    "supplement_request": Slip(
        label="Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", function=supplement_request_slip, form="Mẫu số 02",
        actions=transitions.documented_by("supplement_request"), applies=_supplement_asked, extra=_supplement_context,
    ),
    "refusal": Slip(
        label="Phiếu từ chối tiếp nhận, giải quyết hồ sơ", function=refusal_slip, form="Mẫu số 03",
        actions=transitions.documented_by("refusal"), applies=_refused, extra=_refusal_context,
    ),
    "apology": Slip(
        label="Phiếu xin lỗi và hẹn lại ngày trả kết quả", function=apology_slip, form="Mẫu số 04",
        actions=transitions.documented_by("apology"), applies=lambda dossier: dossier.apology_count > 0,
        extra=_apology_context,
    ),
    "process_control": Slip(
        label="Phiếu kiểm soát quá trình giải quyết hồ sơ", function=process_control_slip, form="Mẫu số 06",
        actions=transitions.documented_by("receipt"), applies=_received, extra=_process_context,
    ),
    # Not a numbered form of the circular: the desk's record that the applicant took the result.
    "result_return": Slip(
        label="Biên nhận trả kết quả giải quyết hồ sơ", function=result_return_slip, form="",
        actions=transitions.documented_by("result_return"), applies=lambda dossier: dossier.state == State.RETURNED,
        extra=_result_context,
    ),
}
