"""The official slips of the one-door desk as PDFs: forms 01 to 06 of Circular 03/2025/TT-VPCP, plus the record
of the result's return (form 07, the tracking book, is a desk's register: book.py).

Every slip is drawn from the dossier and its audit trail, never from what is true of the catalogue today, so a
reprint says what was said then. The text is Vietnamese without gettext: these are official forms in the
official language. Each slip carries a QR code of the public lookup address the caller builds for the dossier.
"""

from collections.abc import Callable
from dataclasses import dataclass

from procedures.models import Agency
from workflows.dossiers import selectors, transitions
from workflows.dossiers.models import Dossier
from workflows.dossiers.staff import StaffRole
from workflows.dossiers.states import WAITING_STATES, State

from . import book
from .printing import keep_words, letterhead, lookup_caption, moment, pdf, qr_data_uri, sets_of, timeliness, vnd

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
# Form 04 is signed by the head of the agency; a department head signs it by the head's order (thừa lệnh,
# Decree 30/2020/NĐ-CP).
HEAD_SIGNS = {StaffRole.AGENCY_LEADER: "Thủ trưởng cơ quan", StaffRole.DEPARTMENT_HEAD: "TL. Thủ trưởng cơ quan"}
# What a form prints where the dossier holds nothing, for the officer to fill in by hand.
BLANK = "…………………"
# The handovers the process control slip lists, from the transition registry: its line and where the dossier went.
HANDOVERS = transitions.handovers()
# The actions by which the holder of a step finishes with it (so the holder is their actor).
STEP_DONE = tuple(name for name, handover in HANDOVERS.items() if handover.finishes_step)


class SlipNotAvailable(ValueError):
    """The dossier has not reached the point where this slip exists (see available_slips)."""


def _actor_agency(dossier, entry):
    return entry.actor_agency if entry.actor_agency_id else dossier.receiving_agency


@dataclass(frozen=True)
class Slip:
    """One official slip: its printed title (also the label views offer), the function that renders it, the
    form number it carries, the audit actions whose latest entry it documents, when it applies, what it adds to
    the shared context, and which agency issues it (by default the agency the documented entry's actor worked
    for)."""

    label: str
    function: Callable[..., bytes]
    form: str
    actions: tuple[str, ...]
    applies: Callable[[Dossier], bool]
    extra: Callable[[Dossier, object], dict] = lambda dossier, entry: {}
    issued_by: Callable[[Dossier, object], Agency] = _actor_agency
    landscape: bool = False


def receipt_slip(dossier, *, lookup_url):
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (form 01): what was received, when, when the result is due, and
    the dossier's entry in the desk's tracking book."""
    return _render("receipt", dossier, lookup_url)


def supplement_request_slip(dossier, *, lookup_url):
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (form 02): what is missing, at receipt or during processing, and
    whom to call."""
    return _render("supplement_request", dossier, lookup_url)


def refusal_slip(dossier, *, lookup_url):
    """Phiếu từ chối tiếp nhận, giải quyết hồ sơ (form 03): why the dossier was not received or not
    granted."""
    return _render("refusal", dossier, lookup_url)


def apology_slip(dossier, *, lookup_url):
    """Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (form 04): the reason for the delay, and the
    extended time limit the head of the agency asks the applicant to accept."""
    return _render("apology", dossier, lookup_url)


def stop_notice_slip(dossier, *, lookup_url):
    """Thông báo dừng giải quyết hồ sơ (form 05): the supplement asked for did not come in time, so the
    processing stopped."""
    return _render("stop_notice", dossier, lookup_url)


def process_control_slip(dossier, *, lookup_url):
    """Phiếu kiểm soát quá trình giải quyết hồ sơ (form 06): every handover with its time, its step's due time,
    and the signatures of who gave and who took the dossier."""
    return _render("process_control", dossier, lookup_url)


def result_return_slip(dossier, *, lookup_url):
    """Biên nhận trả kết quả: when, where and by whom the result was handed to the applicant."""
    return _render("result_return", dossier, lookup_url)


def available_slips(dossier):
    """The names (keys of SLIPS) of the slips that exist for this dossier now, in SLIPS order."""
    return [name for name, slip in SLIPS.items() if slip.applies(dossier)]


def slip_context(dossier, *, lookup_url, entry, issuer):
    """What every slip prints: letterhead, code, applicant, procedure, documents, times, officer and QR code.
    `entry` is the audit entry the slip documents (its actor signs it), `issuer` the agency that issues it."""
    snapshot = dossier.procedure_version.snapshot
    attached = set(dossier.documents.filter(is_current=True).values_list("document_order", flat=True))
    # Before receipt the dossier names no competent agency; a province-level procedure as filed does.
    competent = dossier.competent_agency.name if dossier.competent_agency_id else (
        (snapshot["competent_agency"] or {}).get("name", ""))
    applicant = [("Số định danh cá nhân", dossier.applicant_identity_number), ("Địa chỉ", dossier.applicant_address),
                 ("Số điện thoại", dossier.applicant_phone), ("Thư điện tử", dossier.applicant_email)]
    return {
        **letterhead(issuer, entry.at),
        "dossier": dossier,
        "procedure": snapshot,
        "time_limit": time_limit(snapshot),
        "competent_agency_name": competent,
        "applicant": [(label, value or BLANK) for label, value in applicant],
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
            desk=keep_words(dossier.result_desk.name) if dossier.result_desk_id else "",
            address=dossier.delivery_address),
        "entry": entry,
        "officer": person(entry.actor),
        "issued": moment(entry.at),
        "lookup_url": lookup_url,
        "lookup_caption": lookup_caption(lookup_url),
        "qr": qr_data_uri(lookup_url),
    }


def time_limit(snapshot):
    """The time limit as the procedure published it."""
    if snapshot["time_limit_unit"] == "same_day":
        return (f"giải quyết trong ngày làm việc; nhận hồ sơ sau {snapshot['intake_cutoff']} thì trả kết quả "
                "trong ngày làm việc tiếp theo")
    return f"{snapshot['time_limit'].replace('.', ',')} {TIME_UNITS[snapshot['time_limit_unit']]}"


def person(user):
    return (user.get_full_name() or user.get_username()) if user is not None else ""


# What each slip adds to the shared context


def _receipt_context(dossier, entry):
    fees = dossier.procedure_version.snapshot["fees"]
    return {
        "sets": f"{sets_of(dossier):02d}",
        "fees": [{"name": fee["name"], "amount": vnd(fee["amount"])} for fee in fees],
        "fees_total": vnd(sum(fee["amount"] for fee in fees)),
        "book": book.entry_of(dossier),
        "copies": receipt_copies(dossier),
    }


def receipt_copies(dossier):
    """Who keeps a copy (liên) of form 01: the applicant and the receiving desk, and the competent agency with
    the dossier when another agency settles it."""
    copies = ["giao người nộp hồ sơ"]
    if dossier.competent_agency_id != dossier.receiving_agency_id:
        copies.append(f"chuyển kèm hồ sơ đến {keep_words(dossier.competent_agency.name)}")
    copies.append(f"lưu tại {keep_words(dossier.receiving_agency.name)}")
    return copies


def _supplement_context(dossier, entry):
    waiting = dossier.state in WAITING_STATES
    issuer = _actor_agency(dossier, entry)
    return {
        "reason": dossier.reason if waiting else entry.note,
        # Asked before receipt, the dossier had no step yet.
        "during_processing": entry.from_state != State.SUBMITTED,
        # Whom to ask (the agency that asked for it), and the desk that takes the supplement in when another.
        "contact": _contact(issuer),
        "desk": _contact(dossier.receiving_agency) if issuer != dossier.receiving_agency else None,
    }


def _contact(agency):
    return {"name": agency.name, "address": agency.address or BLANK, "phone": agency.phone or BLANK}


def _refusal_context(dossier, entry):
    return {"reason": entry.note or dossier.reason, "at_receipt": entry.from_state == State.SUBMITTED}


def _apology_context(dossier, entry):
    return {"reason": entry.note, "new_appointment": moment(entry.data.get("new_appointment")),
            "signs_as": HEAD_SIGNS.get(entry.actor_role, HEAD_SIGNS[StaffRole.AGENCY_LEADER])}


def _lapsed_request(dossier):
    """The supplement request whose time ran out: the latest one before the dossier stopped."""
    return selectors.latest_supplement_request(dossier)


def _stop_notice_issuer(dossier, entry):
    """The agency that asked for the supplement notifies the stop (the stop itself is the system's act)."""
    return _actor_agency(dossier, _lapsed_request(dossier))


def _stop_notice_context(dossier, entry):
    request = _lapsed_request(dossier)
    return {"asked": moment(request.at), "missing": request.note or dossier.reason,
            "until": moment(request.data.get("supplement_due_at")),
            "during_processing": request.from_state != State.SUBMITTED, "stopped": moment(entry.at)}


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


def documented_entry(name, dossier):
    """The audit entry slip `name` documents (its actor signs the slip) and the agency that issues it."""
    slip = SLIPS[name]
    if not slip.applies(dossier):
        raise SlipNotAvailable(f"Dossier {dossier.code or dossier.pk} ({dossier.state}) has no {name} slip.")
    entry = (dossier.audit_entries.filter(action__in=slip.actions).select_related("actor", "actor_agency")
             .order_by("-at", "-id").first())
    if entry is None:  # only a dossier written around the services lacks the entry its slip documents
        raise SlipNotAvailable(f"Dossier {dossier.code or dossier.pk} has no {'/'.join(slip.actions)} entry.")
    return entry, slip.issued_by(dossier, entry)


def render(name, dossier, *, lookup_url, verify_url=""):
    """Slip `name` as a PDF; with `verify_url`, a second QR code opens the public verification of this copy."""
    slip = SLIPS[name]
    entry, issuer = documented_entry(name, dossier)
    verification = ({"verify_url": verify_url, "verify_caption": lookup_caption(verify_url),
                     "verify_qr": qr_data_uri(verify_url)} if verify_url else {})
    return pdf(f"paperwork/slips/{name}.html", {
        **slip_context(dossier, lookup_url=lookup_url, entry=entry, issuer=issuer),
        **slip.extra(dossier, entry),
        **verification,
        "title": slip.label,
        "form": slip.form,
        "landscape": slip.landscape,
    })


def _render(name, dossier, lookup_url):
    return render(name, dossier, lookup_url=lookup_url)


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
        actions=transitions.documented_by("receipt"), applies=_received, extra=_receipt_context,
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
        label="Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết", function=apology_slip, form="Mẫu số 04",
        actions=transitions.documented_by("apology"), applies=lambda dossier: dossier.apology_count > 0,
        extra=_apology_context,
    ),
    "stop_notice": Slip(
        label="Thông báo dừng giải quyết hồ sơ", function=stop_notice_slip, form="Mẫu số 05",
        actions=transitions.documented_by("stop_notice"), applies=lambda dossier: dossier.state == State.STOPPED,
        extra=_stop_notice_context, issued_by=_stop_notice_issuer,
    ),
    "process_control": Slip(
        label="Phiếu kiểm soát quá trình giải quyết hồ sơ", function=process_control_slip, form="Mẫu số 06",
        actions=transitions.documented_by("receipt"), applies=_received, extra=_process_context, landscape=True,
    ),
    # Not a numbered form of the circular: the desk's record that the applicant took the result.
    "result_return": Slip(
        label="Biên nhận trả kết quả giải quyết hồ sơ", function=result_return_slip, form="",
        actions=transitions.documented_by("result_return"), applies=lambda dossier: dossier.state == State.RETURNED,
        extra=_result_context,
    ),
}
