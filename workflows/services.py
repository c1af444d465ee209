"""Every change a person can make to a dossier: one function per use case.

Each runs in one transaction with the dossier row locked, calls the dossier's transition, writes the audit entry and
announces the change once the transaction commits.
"""

import hashlib
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from onestop.uploads import IMAGES, PDF, validate_upload
from procedures.forms import application_form, initial_from_storage
from procedures.models import Agency, Procedure, ProcedureVersion
from procedures.selectors import frozen_version, receives
from procedures.templatetags.catalogue import vnd

from . import notifications
from .clock import working_calendar
from .models import (ApiClient, AuditEntry, Consultation, Dossier, DossierCodeCounter, DossierDocument, PausePeriod,
                     Payment, Rating, may_edit)
from .permissions import LEADER_ROLES, StaffRole, acting_role, agencies_where, holds_role, staff_roles
from .signals import dossier_changed

EDITABLE_STATES = (Dossier.State.DRAFT, Dossier.State.INCOMPLETE, Dossier.State.PAUSED)


class DossierError(Exception):
    """A refusal the person acting can understand; the message says what to do."""


class DossierChanged(DossierError):
    def __init__(self, dossier):
        super().__init__(_("This dossier changed while you were looking at it (it is now: %(state)s). Reload it.")
                         % {"state": dossier.get_state_display()})
        self.dossier = dossier


class NotPermitted(DossierError):
    pass


class InvalidTransition(DossierError):
    pass


# Filing


@transaction.atomic
def create_draft(*, procedure, acting_user, commune=None, form_data=None, applicant=None, integrated=False,
                 client_ip=None):
    """A citizen starts a dossier online, an officer starts one for a walk-in applicant, or an integrated system
    (`integrated`, through the API) files one for a citizen; `applicant` gives the name, identity number, phone,
    email and address of whoever it is filed for. Refuses procedures not available today and commune-level
    procedures without the commune that settles them."""
    version_id = (ProcedureVersion.objects.filter(procedure__in=Procedure.objects.available().filter(pk=procedure.pk))
                  .order_by("-number").values_list("pk", flat=True).first())
    if version_id is None:
        if procedure.current_version is None:
            raise DossierError(_("This procedure has no published version yet."))
        raise DossierError(_("This procedure cannot be filed at present."))
    version = frozen_version(version_id, procedure_id=procedure.pk)
    if procedure.level == Procedure.Level.COMMUNE and commune is None:
        raise DossierError(_("Choose the commune or ward that settles this procedure."))
    desk = None if integrated else _officer_desk(acting_user)
    if desk is not None or integrated:
        if not applicant or not applicant.get("name"):
            raise DossierError(_("Give the applicant's name and identity."))
        details = {f"applicant_{key}": value for key, value in applicant.items() if key != "name"}
        dossier = Dossier(applicant_name=applicant["name"], **details)
        if integrated:
            # Filed for a citizen who has an account: it appears among their dossiers in the portal.
            dossier.channel = Dossier.Channel.INTEGRATED
            dossier.applicant = _citizen_with_identity(applicant.get("identity_number"))
        else:
            dossier.channel, dossier.filing_desk = Dossier.Channel.COUNTER, desk
    else:
        dossier = Dossier(channel=Dossier.Channel.ONLINE, applicant=acting_user,
                          applicant_name=acting_user.get_full_name() or acting_user.get_username(),
                          applicant_email=acting_user.email,
                          applicant_identity_number=getattr(acting_user, "identity_number", None) or "",
                          applicant_phone=getattr(acting_user, "phone", None) or "",
                          applicant_address=getattr(acting_user, "address", ""))
    dossier.procedure, dossier.procedure_version, dossier.commune = procedure, version, commune
    dossier.filed_by = acting_user
    dossier.form_data = form_data or {}
    dossier.fees_due = sum(fee["amount"] for fee in version.snapshot["fees"])
    dossier.save()
    role = StaffRole.RECEIVING_OFFICER if desk else ("integrated_system" if integrated else "applicant")
    _audit(dossier, acting_user, "created", from_state="", client_ip=client_ip, role=role, agency=desk,
           data={"channel": dossier.channel, "procedure_version": version.number})
    return dossier


def _citizen_with_identity(identity_number):
    if not identity_number:
        return None
    return get_user_model().objects.filter(identity_number=identity_number, is_active=True).first()


@transaction.atomic
def update_form_data(*, dossier, acting_user, form_data, result_delivery=None, delivery_address=None,
                     expected_version=None, client_ip=None):
    """The applicant (or the officer filing for them) edits the form, and how the result reaches them, before
    submission or while asked to supplement it. Every changed value is recorded with its old and new value."""
    dossier = _lock(dossier, expected_version)
    if dossier.state not in EDITABLE_STATES:
        raise InvalidTransition(_("The form can only be changed in a draft or when a supplement is requested."))
    if not may_edit(dossier, acting_user):
        raise NotPermitted(_("Only the applicant or the receiving desk may change this dossier's form."))
    delivery = {"result_delivery": result_delivery, "delivery_address": delivery_address}
    delivery = {field: value for field, value in delivery.items() if value is not None}
    if delivery.get("result_delivery", dossier.result_delivery) == Dossier.ResultDelivery.POST and not (
        delivery.get("delivery_address", dossier.delivery_address).strip()
    ):
        raise ValidationError(_("Give the address the result should be posted to."), code="no_delivery_address")
    changes = {key: {"old": dossier.form_data.get(key), "new": value}
               for key, value in form_data.items() if dossier.form_data.get(key) != value}
    changes.update({field: {"old": getattr(dossier, field), "new": value}
                    for field, value in delivery.items() if getattr(dossier, field) != value})
    if changes:
        dossier.form_data = {**dossier.form_data, **form_data}
        for field, value in delivery.items():
            setattr(dossier, field, value)
        dossier.version += 1
        dossier.save(update_fields=["form_data", *delivery, "version", "updated_at"])
        _audit(dossier, acting_user, "form_changed", from_state=dossier.state, client_ip=client_ip,
               data={"changes": changes})
    return dossier


DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
def attach_document(*, dossier, acting_user, document_order, upload, expected_version=None, client_ip=None):
    """Attaches a PDF, JPEG or PNG (judged by its content, at most 10 MB) for one of the procedure's required
    documents, while the dossier is a draft or waits for a supplement. A file for the same document replaces the
    current one, which is kept."""
    dossier = _lock(dossier, expected_version)
    if dossier.state not in EDITABLE_STATES:
        raise InvalidTransition(_("Documents can only be attached to a draft or when a supplement is requested."))
    if not may_edit(dossier, acting_user):
        raise NotPermitted(_("Only the applicant or the receiving desk may attach documents to this dossier."))
    required = dict(enumerate(dossier.procedure_version.snapshot["documents"], start=1))
    if document_order not in required:
        raise ValidationError(_("This procedure asks for no such document."), code="unknown_document")
    content_type = validate_upload(upload, allowed={**PDF, **IMAGES}, max_bytes=DOCUMENT_MAX_BYTES)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    replaced = list(dossier.documents.filter(document_order=document_order, is_current=True)
                    .values_list("pk", flat=True))
    dossier.documents.filter(pk__in=replaced).update(is_current=False)
    document = DossierDocument.objects.create(
        dossier=dossier, document_order=document_order, name=required[document_order]["name"], file=upload,
        original_filename=Path(upload.name).name[:255], content_type=content_type, size=upload.size,
        sha256=digest.hexdigest(), uploaded_by=acting_user,
    )
    dossier.version += 1
    dossier.save(update_fields=["version", "updated_at"])
    _audit(dossier, acting_user, "document_attached", from_state=dossier.state, client_ip=client_ip,
           data={"document": document.name, "document_order": document_order, "sha256": document.sha256,
                 "size": document.size, "replaces": replaced})
    return document


def submit_dossier(*, dossier, acting_user, receiving_agency=None, paper_documents=(), expected_version=None,
                   client_ip=None):
    """Files the dossier with a receiving agency (any desk in the province, for procedures received regardless of
    administrative boundary) and gives it its code at once."""
    now = timezone.now()

    def apply(dossier):
        agency = receiving_agency or dossier.filing_desk
        if agency is None:
            raise DossierError(_("Choose where to file this dossier."))
        snapshot = dossier.procedure_version.snapshot
        if not receives(agency, level=snapshot["level"], boundary_free=snapshot["boundary_free"]):
            raise DossierError(_("%(desk)s does not receive this procedure's dossiers.") % {"desk": agency})
        if dossier.channel in (Dossier.Channel.ONLINE, Dossier.Channel.INTEGRATED):
            _check_complete(dossier)
        dossier.submit(at=now, receiving_agency=agency,
                       code=dossier.code or next_dossier_code(agency=agency, day=timezone.localdate(now)))

    return _transition(dossier, acting_user, "submit", apply, expected_version=expected_version,
                       client_ip=client_ip, data={"paper_documents": list(paper_documents)} if paper_documents else None)


@transaction.atomic
def file_dossier(*, procedure, acting_user, applicant, form_data, commune=None, receiving_agency=None,
                 result_delivery=None, delivery_address="", paper_documents=(), uploads=None, integrated=False,
                 client_ip=None):
    """Files a dossier in one go, or not at all: a receiving officer for a walk-in applicant at their desk, an
    integrated system for a citizen (`integrated`) with the desk it chose, or a citizen for themselves (no
    `applicant`: the account's details); for any procedure of any agency in the province. The draft, its documents (`uploads`: document order → file) and its submission (with the paper
    documents checked, their orders) happen together. Receipt, a supplement request or a refusal follows as its
    own step."""
    dossier = create_draft(procedure=procedure, acting_user=acting_user, commune=commune, form_data=form_data,
                           applicant=applicant, integrated=integrated, client_ip=client_ip)
    if result_delivery:
        dossier = update_form_data(dossier=dossier, acting_user=acting_user, form_data={},
                                   result_delivery=result_delivery, delivery_address=delivery_address,
                                   client_ip=client_ip)
    for order, upload in (uploads or {}).items():
        attach_document(dossier=dossier, acting_user=acting_user, document_order=order, upload=upload,
                        client_ip=client_ip)
    return submit_dossier(dossier=dossier, acting_user=acting_user, receiving_agency=receiving_agency,
                          paper_documents=paper_documents, client_ip=client_ip)


def _check_complete(dossier):
    """An online or integrated dossier reaches the desk only with its application form valid and every required
    document attached; at a desk the officer checks the papers themselves."""
    snapshot = dossier.procedure_version.snapshot
    definition = snapshot.get("form", [])
    problems = []
    form = application_form(definition, data=initial_from_storage(definition, dossier.form_data))
    if not form.is_valid():
        problems.append(_("Complete the application form: %(fields)s.")
                        % {"fields": ", ".join(str(form.fields[name].label) for name in form.errors)})
    required = {order for order, document in enumerate(snapshot["documents"], start=1) if document["required"]}
    if required:
        required -= set(dossier.documents.filter(is_current=True).values_list("document_order", flat=True))
    if required:
        problems.append(_("Attach: %(documents)s.") % {"documents": "; ".join(
            snapshot["documents"][order - 1]["name"] for order in sorted(required))})
    if problems:
        raise ValidationError(problems, code="incomplete")


def next_dossier_code(*, agency, day):
    """`<agency code>-<yyMMdd>-<sequence>`: the counter row is incremented under its lock inside the filing
    transaction, so concurrent desks never share a number and a rolled-back filing leaves no gap."""
    table = connection.ops.quote_name(DossierCodeCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, day, last_number) VALUES (%s, %s, 1) "
            f"ON CONFLICT (agency_id, day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [agency.pk, day],
        )
        (number,) = cursor.fetchone()
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"


# Receipt


def receive_dossier(*, dossier, acting_user, expected_version=None, client_ip=None, note=""):
    """The receiving officer finds the dossier complete and valid: it is routed to the competent agency, the clock
    starts and the appointment is set."""
    now = timezone.now()

    def apply(dossier):
        snapshot = dossier.procedure_version.snapshot
        calendar = working_calendar()
        start = _clock_start(calendar, dossier, now)
        whole_days = snapshot["time_limit_unit"] == "days"
        limit = calendar.minutes_for(Decimal(snapshot["time_limit"]), snapshot["time_limit_unit"])
        first_share = calendar.minutes_for(Decimal(dossier.steps[0]["share"]), snapshot["time_limit_unit"])
        dossier.receive(
            at=now,
            competent_agency=competent_agency_for(dossier),
            due_at=calendar.deadline(start, limit, whole_days=whole_days),
            first_step_due_at=calendar.deadline(start, first_share, whole_days=False),
        )

    return _transition(dossier, acting_user, "receive", apply, expected_version=expected_version,
                       client_ip=client_ip, note=note)


def _clock_start(calendar, dossier, received_at):
    cutoff = dossier.procedure_version.snapshot["intake_cutoff"]
    return calendar.clock_start(received_at, cutoff=time.fromisoformat(cutoff) if cutoff else None)


def _working_minutes_taken(dossier, decided_at):
    """From the start of the clock to the decision, without the time spent waiting for the applicant."""
    calendar = working_calendar()
    waited = sum(calendar.working_minutes_between(pause.started_at, pause.ended_at or decided_at)
                 for pause in dossier.pauses.all())
    return max(calendar.position(decided_at) - _clock_start(calendar, dossier, dossier.received_at) - waited, 0)


def competent_agency_for(dossier):
    """Where the dossier is settled: the department the procedure names, or the chosen commune's committee."""
    snapshot = dossier.procedure_version.snapshot
    if snapshot["competent_agency"]:
        return Agency.objects.get(code=snapshot["competent_agency"]["code"])
    committee = (Agency.objects.effective_today()
                 .filter(unit=dossier.commune, kind=snapshot["competent_agency_kind"]).first())
    if committee is None:
        raise DossierError(_("No agency of %(commune)s settles this procedure.") % {"commune": dossier.commune})
    return committee


def refuse_dossier(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """Not within the agency's competence or not eligible: the dossier is not received, with a written reason."""
    reason = _required(reason)
    return _transition(dossier, acting_user, "refuse",
                       lambda dossier: dossier.refuse(at=timezone.now(), reason=reason),
                       expected_version=expected_version, client_ip=client_ip, note=reason)


def request_documents(*, dossier, acting_user, missing, expected_version=None, client_ip=None):
    """Incomplete at receipt: the applicant is told exactly what is missing, once and in full; the clock has not
    started."""
    missing = _required(missing)
    return _transition(dossier, acting_user, "request_documents",
                       lambda dossier: dossier.request_documents(at=timezone.now(), missing=missing,
                                                                 supplement_due_at=_supplement_due(timezone.now())),
                       expected_version=expected_version, client_ip=client_ip, note=missing)


def resubmit_dossier(*, dossier, acting_user, expected_version=None, client_ip=None):
    """The applicant has supplied what was missing; the dossier waits for receipt again."""
    return _transition(dossier, acting_user, "resubmit", lambda dossier: dossier.resubmit(at=timezone.now()),
                       expected_version=expected_version, client_ip=client_ip)


# Processing


def hand_over(*, dossier, acting_user, assignee=None, expected_version=None, client_ip=None, note=""):
    """The current step is done: the dossier moves to the next ISO step, optionally to a named colleague, with
    that step's share of the time limit."""
    now = timezone.now()

    def apply(dossier):
        following = dossier.next_step  # the transition's condition guarantees there is one
        if assignee is not None and not holds_role(assignee, dossier.step_agency_id(following), following["role"]):
            raise DossierError(_("%(person)s does not hold the next step's role.") % {"person": assignee})
        dossier.hand_over(at=now, assignee=assignee, step_due_at=_step_due(dossier, following, now))

    return _transition(dossier, acting_user, "hand_over", apply, expected_version=expected_version,
                       client_ip=client_ip, note=note)


def assign_dossier(*, dossier, acting_user, assignee, expected_version=None, client_ip=None):
    """A leader or a colleague on the same step gives the current step to a named person who holds its role."""

    def apply(dossier):
        step = dossier.current_step
        if not holds_role(assignee, dossier.step_agency_id(step), step["role"]):
            raise DossierError(_("%(person)s does not hold this step's role.") % {"person": assignee})
        dossier.assign(assignee=assignee)

    return _transition(dossier, acting_user, "assign", apply, expected_version=expected_version,
                       client_ip=client_ip, data={"assignee": assignee.pk})


def send_back(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """The current step returns the dossier to the step before it, with the reason; that step gets its share of
    time again."""
    reason = _required(reason)
    now = timezone.now()

    def apply(dossier):
        dossier.send_back(at=now, reason=reason, step_due_at=_step_due(dossier, dossier.previous_step, now))

    return _transition(dossier, acting_user, "send_back", apply, expected_version=expected_version,
                       client_ip=client_ip, note=reason)


def request_supplement(*, dossier, acting_user, missing, expected_version=None, client_ip=None):
    """During processing the agency asks, once and with reasons, for what is missing; the clock stops until the
    applicant supplies it."""
    missing = _required(missing)
    now = timezone.now()

    def apply(dossier):
        dossier.request_supplement(at=now, missing=missing, supplement_due_at=_supplement_due(now))
        PausePeriod.objects.create(dossier=dossier, started_at=now, reason=missing)

    return _transition(dossier, acting_user, "request_supplement", apply, expected_version=expected_version,
                       client_ip=client_ip, note=missing)


def supply_supplement(*, dossier, acting_user, expected_version=None, client_ip=None):
    """The applicant supplied what was asked: the clock restarts with exactly the time it had left, for the whole
    dossier and for the current step."""
    now = timezone.now()

    def apply(dossier):
        dossier.supply(at=now, **_resumed_deadlines(dossier, now))

    return _transition(dossier, acting_user, "supply", apply, expected_version=expected_version,
                       client_ip=client_ip)


def _resumed_deadlines(dossier, now):
    """The clock starts again with exactly the time it had left, for the whole dossier and for the current step;
    the pause is closed."""
    calendar = working_calendar()
    whole_days = dossier.procedure_version.snapshot["time_limit_unit"] == "days"
    paused_at = dossier.paused_at
    _end_pause(dossier, now)
    return {
        "due_at": calendar.resume_deadline(dossier.due_at, paused_at=paused_at, resumed_at=now,
                                           whole_days=whole_days),
        "step_due_at": calendar.resume_deadline(dossier.step_due_at, paused_at=paused_at, resumed_at=now,
                                                whole_days=False) if dossier.step_due_at else None,
    }


def _end_pause(dossier, at):
    PausePeriod.objects.filter(dossier=dossier, ended_at__isnull=True).update(ended_at=at)


MAX_OBLIGATION = 2_000_000_000


def _require_amount(amount, *, at_most=None):
    """A whole, positive number of đồng, and no more than `at_most`."""
    if (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0
            or (at_most is not None and amount > at_most)):
        raise ValidationError({"amount": _("The amount must be a positive number of đồng.")},
                              code="amount_not_positive")


def notify_financial_obligation(*, dossier, acting_user, amount, reason, expected_version=None, client_ip=None):
    """The current step tells the applicant what they must pay before the result (taxes, charges), in writing;
    the clock stops until the payments recorded cover it (record_payment)."""
    reason = _required(reason)
    _require_amount(amount, at_most=MAX_OBLIGATION)
    now = timezone.now()

    def apply(dossier):
        dossier.notify_obligation(at=now, amount=amount)
        PausePeriod.objects.create(dossier=dossier, started_at=now, reason=reason)

    return _transition(dossier, acting_user, "notify_obligation", apply, expected_version=expected_version,
                       client_ip=client_ip, note=reason, data={"amount": amount})


def _supplement_due(asked_at):
    """When a supplement request lapses: the configured number of working days after it was made."""
    calendar = working_calendar()
    days = settings.ONESTOP_SUPPLEMENT_WAIT_WORKING_DAYS
    return calendar.add(asked_at, days * calendar.day_minutes, whole_days=True)


@transaction.atomic
def lapse_supplement_request(*, dossier_id, now):
    """The SLA timers stop a dossier whose applicant did not send what was asked in time: audited as the
    system's act, and the applicant is told. False when it no longer applies or another timer holds it."""
    dossier = (Dossier.objects.select_for_update(of=("self",), skip_locked=True).select_related("procedure_version")
               .filter(pk=dossier_id, state__in=Dossier.WAITING_STATES, supplement_due_at__lt=now).first())
    if dossier is None:
        return False

    def apply(dossier):
        dossier.lapse(at=now)
        _end_pause(dossier, now)

    _as_system(dossier, "lapse", apply)
    return True


def _as_system(dossier, name, apply):
    """A transition no person takes (its permission refuses everyone), on a dossier the caller has locked:
    applied, saved, told and audited as the system's act."""
    from_state = dossier.state
    apply(dossier)
    dossier.version += 1
    dossier.save()
    notifications.record(dossier, name, transition=True)
    _audit(dossier, None, name, from_state=from_state, role="system")


def consult_agencies(*, dossier, acting_user, agencies, question, days, expected_version=None, client_ip=None):
    """The current step asks other agencies for their opinion; each has `days` working days to answer, within the
    dossier's time limit (the clock keeps running)."""
    question = _required(question)
    now = timezone.now()

    def apply(dossier):
        consulted = [agency for agency in agencies if agency.pk != dossier.competent_agency_id]
        if not consulted:
            raise ValidationError(_("Choose at least one other agency to consult."), code="no_agency")
        calendar = working_calendar()
        due = calendar.add(now, calendar.minutes_for(Decimal(days), "days"), whole_days=True)
        dossier.consult()
        Consultation.objects.bulk_create([
            Consultation(dossier=dossier, agency=agency, question=question, requested_at=now, due_at=due,
                         requested_by=acting_user)
            for agency in consulted
        ])

    return _transition(dossier, acting_user, "consult", apply, expected_version=expected_version,
                       client_ip=client_ip, note=question, data={"agencies": [agency.pk for agency in agencies]})


@transaction.atomic
def answer_consultation(*, dossier, acting_user, answer, expected_version=None, client_ip=None):
    """A consulted agency's officer answers; when the last answer is in, the dossier returns to the step that
    asked."""
    answer = _required(answer)
    dossier = _lock(dossier, expected_version)
    agencies = agencies_where(acting_user, StaffRole.SPECIALIST, *LEADER_ROLES)
    consultation = (dossier.consultations.select_for_update()
                    .filter(agency_id__in=agencies, answered_at__isnull=True).first())
    if dossier.state != Dossier.State.CONSULTING or consultation is None:
        raise NotPermitted(_("Your agency has no open consultation on this dossier."))
    consultation.answer, consultation.answered_at, consultation.answered_by = answer, timezone.now(), acting_user
    consultation.save(update_fields=["answer", "answered_at", "answered_by"])
    if can_proceed(dossier.end_consultation):
        dossier.end_consultation()
    dossier.version += 1
    dossier.save()
    _audit(dossier, acting_user, "consultation_answered", from_state=Dossier.State.CONSULTING, note=answer,
           client_ip=client_ip, role=acting_role(acting_user, consultation.agency_id,
                                                 [StaffRole.SPECIALIST, *LEADER_ROLES]),
           agency=consultation.agency_id, data={"consultation": consultation.pk})
    return dossier


def apologise(*, dossier, acting_user, new_appointment, reason, expected_version=None, client_ip=None):
    """A dossier that will miss or has missed its appointment gets an apology with a new appointment, sent before
    the due date where possible. It stays counted as late."""
    reason = _required(reason)
    if new_appointment is None:
        raise ValidationError(_("Give the new appointment."), code="no_appointment")

    def apply(dossier):
        if new_appointment <= max(dossier.appointment_at, timezone.now()):
            raise ValidationError(_("The new appointment must be later than the current one and than now."),
                                  code="appointment_not_later")
        dossier.apologise(new_appointment=new_appointment)

    return _transition(dossier, acting_user, "apologise", apply, expected_version=expected_version,
                       client_ip=client_ip, note=reason, data={"new_appointment": new_appointment.isoformat()})


RESULT_MAX_BYTES = 20 * 1024 * 1024


def approve_dossier(*, dossier, acting_user, result_file=None, expected_version=None, client_ip=None, note=""):
    """The signing leader approves: the result is ready to return, with its electronic document (a PDF, judged by
    content) when there is one."""
    if result_file is not None:
        validate_upload(result_file, allowed=PDF, max_bytes=RESULT_MAX_BYTES)

    def apply(dossier):
        now = timezone.now()
        dossier.approve(at=now, working_minutes_taken=_working_minutes_taken(dossier, now))
        if result_file is not None:
            dossier.result_file.save(Path(result_file.name).name, result_file, save=False)

    return _transition(dossier, acting_user, "approve", apply, expected_version=expected_version,
                       client_ip=client_ip, note=note)


def refuse_result(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """The applicant is not eligible: the result is a written refusal with its reason."""
    reason = _required(reason)

    def apply(dossier):
        now = timezone.now()
        dossier.refuse_result(at=now, reason=reason, working_minutes_taken=_working_minutes_taken(dossier, now))

    return _transition(dossier, acting_user, "refuse_result", apply, expected_version=expected_version,
                       client_ip=client_ip, note=reason)


def return_result(*, dossier, acting_user, expected_version=None, client_ip=None):
    """The result desk hands the result to the applicant."""
    return _transition(dossier, acting_user, "return_result",
                       lambda dossier: dossier.return_result(at=timezone.now()),
                       expected_version=expected_version, client_ip=client_ip)


def withdraw_dossier(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """The applicant withdraws before the result: at once before receipt; once received, as a request that a
    leader of the competent agency, or whoever works the current step, accepts or declines (the clock keeps
    running meanwhile). Refuses a second request while one waits."""
    reason = _required(reason)
    return _transition(dossier, acting_user, "withdraw",
                       lambda dossier: dossier.withdraw(at=timezone.now(), reason=reason),
                       expected_version=expected_version, client_ip=client_ip, note=reason)


def accept_withdrawal(*, dossier, acting_user, note="", expected_version=None, client_ip=None):
    """A leader of the competent agency, or whoever works the current step, grants the applicant's withdrawal
    request: the dossier is withdrawn and closed. Refuses anyone else and a dossier with no request waiting."""
    now = timezone.now()

    def apply(dossier):
        dossier.accept_withdrawal(at=now)
        # A request made while the dossier waited for a supplement ends that wait too.
        _end_pause(dossier, now)

    return _transition(dossier, acting_user, "accept_withdrawal", apply, expected_version=expected_version,
                       client_ip=client_ip, note=(note or "").strip())


def decline_withdrawal(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """A leader of the competent agency, or whoever works the current step, declines the applicant's withdrawal
    request with a written reason: the dossier goes back to where it was. Refuses anyone else and a dossier with
    no request waiting."""
    reason = _required(reason)
    return _transition(dossier, acting_user, "decline_withdrawal", lambda dossier: dossier.decline_withdrawal(),
                       expected_version=expected_version, client_ip=client_ip, note=reason)


@transaction.atomic
def add_note(*, dossier, acting_user, note, client_ip=None):
    """A staff member who may see the dossier leaves an internal note for colleagues; the applicant never sees
    it. The caller has checked that they may see the dossier (workflows.selectors.visible_dossiers)."""
    note = _required(note)
    dossier = _lock(dossier, None)
    roles = staff_roles(acting_user)
    agency_id = next((agency for agency, _role in roles if agency in (
        dossier.competent_agency_id, dossier.receiving_agency_id, dossier.filing_desk_id, dossier.result_desk_id)),
        None)
    return _audit(dossier, acting_user, "note", from_state=dossier.state, note=note, client_ip=client_ip,
                  role=next((role for agency, role in roles if agency == agency_id), ""), agency=agency_id)


RATEABLE_STATES = (Dossier.State.RESULT_READY, Dossier.State.RETURNED, Dossier.State.REFUSED)


@transaction.atomic
def rate_service(*, dossier, acting_user, score, comment="", client_ip=None):
    """The applicant rates how they were served, once, after the result (or a refusal)."""
    dossier = _lock(dossier, None)
    if dossier.applicant_id != acting_user.pk:
        raise NotPermitted(_("Only the applicant may rate this dossier's service."))
    if dossier.state not in RATEABLE_STATES:
        raise InvalidTransition(_("You can rate the service once the result is out."))
    if Rating.objects.filter(dossier=dossier).exists():
        raise InvalidTransition(_("You have already rated this dossier's service."))
    if score not in range(1, 6):
        raise ValidationError(_("Choose a score from 1 to 5."), code="score_out_of_range")
    rating = Rating.objects.create(dossier=dossier, score=score, comment=(comment or "").strip(),
                                   rated_at=timezone.now())
    _audit(dossier, acting_user, "rated", from_state=dossier.state, client_ip=client_ip, role="applicant",
           data={"score": score})
    return rating


# Fees and charges

# Fees are paid once the dossier is filed and until it is closed (a returned result's fees were paid before it).
PAYABLE_STATES = (Dossier.State.SUBMITTED, Dossier.State.INCOMPLETE, Dossier.State.RECEIVED, Dossier.State.PROCESSING,
                  Dossier.State.PAUSED, Dossier.State.CONSULTING, Dossier.State.FEES_DUE, Dossier.State.RESULT_READY)
DESK_PAYMENT_ROLES = (StaffRole.RECEIVING_OFFICER, StaffRole.RESULT_DESK)
# How far from ours the payment platform's clock may run.
PAYMENT_CLOCK_SKEW = timedelta(minutes=5)


def may_record_payment(dossier, user, method):
    """A payment at the desk is recorded by a receiving or result-desk officer of the desk that received (or
    filed) the dossier; an online payment by the payment platform: an API client granted payments:record."""
    if user is None or not user.is_authenticated:
        return False
    clients = ApiClient.objects.filter(application__user=user)
    if method == Payment.Method.ONLINE:
        return clients.filter(scopes__contains=[ApiClient.Scope.PAYMENTS_RECORD]).exists()
    # An integrated system's service account may hold desk roles to see dossiers, but it takes no cash.
    return _payment_desk(dossier, user) is not None and not clients.exists()


def _payment_desk(dossier, user):
    return next((agency_id for agency_id in (dossier.receiving_agency_id, dossier.filing_desk_id)
                 if holds_role(user, agency_id, *DESK_PAYMENT_ROLES)), None)


@transaction.atomic
def record_payment(*, dossier, acting_user, amount, method, reference="", paid_at=None, expected_version=None,
                   client_ip=None):
    """Records fees paid for a dossier, at the desk (`reference`: the receipt number) or online through the
    payment platform (`reference`: its transaction, required), and adds them to what the dossier has paid.
    Returns (payment, created). The platform retries its callbacks: the same method and reference with the same
    amount again returns the first payment, created False, and records nothing. Refuses a dossier without fees,
    not filed yet or closed, an amount that is not positive or beyond what is still due, a payment time in the
    future, and a reference already recorded for another payment."""
    reference = (reference or "").strip()
    if method not in Payment.Method.values:
        raise ValidationError({"method": _("Choose how the fees were paid.")}, code="unknown_method")
    if len(reference) > Payment._meta.get_field("reference").max_length:
        raise ValidationError({"reference": _("The reference is at most 100 characters.")},
                              code="reference_too_long")
    # The version is checked after the repeat: a retried callback carries the version before its first success.
    dossier = _lock(dossier, None)
    if not may_record_payment(dossier, acting_user, method):
        raise NotPermitted(_("Only the payment platform records online payments, and only the receiving or "
                             "result desk of this dossier records payments at the desk."))
    earlier = Payment.objects.filter(method=method, reference=reference).first() if reference else None
    if earlier is not None:
        if earlier.dossier_id == dossier.pk and earlier.amount == amount:
            return earlier, False
        raise ValidationError({"reference": _("This reference is already recorded for another payment.")},
                              code="reference_used")
    if expected_version is not None and dossier.version != expected_version:
        raise DossierChanged(dossier)
    if dossier.state not in PAYABLE_STATES:
        raise InvalidTransition(_("A dossier that is %(state)s takes no payment.")
                                % {"state": dossier.get_state_display()})
    if not dossier.fees_due:
        raise InvalidTransition(_("This dossier's procedure carries no fees or charges."))
    if method == Payment.Method.ONLINE and not reference:
        raise ValidationError({"reference": _("Give the payment platform's transaction reference.")},
                              code="reference_required")
    _require_amount(amount)
    if amount > dossier.fees_outstanding:
        raise ValidationError({"amount": _("Only %(outstanding)s is still due on this dossier.")
                                         % {"outstanding": vnd(dossier.fees_outstanding)}}, code="exceeds_due")
    now = timezone.now()
    paid_at = paid_at or now
    if paid_at > now + PAYMENT_CLOCK_SKEW:
        raise ValidationError({"paid_at": _("A payment cannot be made in the future.")}, code="paid_in_future")
    if paid_at < dossier.created_at - PAYMENT_CLOCK_SKEW:
        raise ValidationError({"paid_at": _("A payment cannot precede the dossier.")}, code="paid_before_dossier")
    try:
        # The reference is unique per method across dossiers: another dossier's payment may have just taken it.
        with transaction.atomic():
            payment = Payment.objects.create(dossier=dossier, amount=amount, method=method, reference=reference,
                                             paid_at=paid_at, recorded_by=acting_user)
    except IntegrityError:
        raise ValidationError({"reference": _("This reference is already recorded for another payment.")},
                              code="reference_used") from None
    dossier.fees_paid += amount
    dossier.version += 1
    dossier.save(update_fields=["fees_paid", "version", "updated_at"])
    if method == Payment.Method.ONLINE:
        role, agency_id = "integrated_system", None
    else:
        agency_id = _payment_desk(dossier, acting_user)
        role = acting_role(acting_user, agency_id, DESK_PAYMENT_ROLES)
    _audit(dossier, acting_user, "record_payment", from_state=dossier.state, client_ip=client_ip, role=role,
           agency=agency_id, data={"amount": amount, "method": method, "reference": reference})
    if dossier.state == Dossier.State.FEES_DUE and not dossier.fees_outstanding:
        _obligation_paid(dossier, now)
    return payment, True


def _obligation_paid(dossier, now):
    """Everything due is paid: the clock starts again, as the system's act, and the applicant is told."""
    _as_system(dossier, "obligation_paid",
               lambda dossier: dossier.obligation_paid(**_resumed_deadlines(dossier, now)))


def available_transitions(dossier, user):
    """The transitions this person may take on this dossier now: what the admin and the portal offer."""
    return list(dossier.get_available_user_state_transitions(user))


# The machinery every transition shares


@transaction.atomic
def _transition(dossier, acting_user, name, apply, *, expected_version, client_ip, note="", data=None):
    dossier = _lock(dossier, expected_version)
    method = getattr(dossier, name)
    if not can_proceed(method, check_conditions=False):
        raise InvalidTransition(_("A dossier that is %(state)s cannot be %(action)s.")
                                % {"state": dossier.get_state_display(), "action": _action_label(dossier, name)})
    if not has_transition_perm(method, acting_user):
        if not can_proceed(method):
            raise InvalidTransition(_("This cannot be done at this step of the process."))
        raise NotPermitted(_("You may not do this on this dossier."))
    from_state, step = dossier.state, dossier.current_step
    step_times = {"step_started_at": _iso(dossier.step_started_at), "step_due_at": _iso(dossier.step_due_at)}
    role, agency_id = _capacity(dossier, acting_user, name, step)
    queue_before = notifications.queue_position(dossier)
    before = _field_values(dossier)
    apply(dossier)
    dossier.version += 1
    after = _field_values(dossier)
    # Writing only what the transition changed keeps the UPDATE short.
    changed = [field for field, value in after.items() if before[field] != value]
    dossier.save(update_fields=[*changed, "updated_at"])
    notifications.record(dossier, name, note=note, actor=acting_user, queue_before=queue_before, transition=True)
    _audit(dossier, acting_user, name, from_state=from_state, note=note, client_ip=client_ip, role=role,
           agency=agency_id, step=step, data={**(data or {}), **(step_times if step else {})})
    return dossier


def _field_values(dossier):
    values = {field.attname: getattr(dossier, field.attname) for field in Dossier._meta.concrete_fields
              if not field.primary_key}
    # A file field's value is one mutable object: compare the stored names.
    return {name: value.name if isinstance(value, FieldFile) else value for name, value in values.items()}


def _step_due(dossier, step, start):
    calendar = working_calendar()
    unit = dossier.procedure_version.snapshot["time_limit_unit"]
    return calendar.add(start, calendar.minutes_for(Decimal(step["share"]), unit))


def _lock(dossier, expected_version):
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    locked.procedure_version = frozen_version(locked.procedure_version_id, procedure_id=locked.procedure_id)
    if expected_version is not None and locked.version != expected_version:
        raise DossierChanged(locked)
    return locked


def _capacity(dossier, user, name, step):
    """The role and agency the person acted in, for the audit entry."""
    if user is not None and dossier.applicant_id == user.pk:
        return "applicant", None
    if user is not None and dossier.channel == Dossier.Channel.INTEGRATED and dossier.filed_by_id == user.pk:
        return "integrated_system", None
    if name in ("submit", "receive", "refuse", "request_documents", "resubmit"):
        agency_id = dossier.receiving_agency_id or dossier.filing_desk_id
        return acting_role(user, agency_id, [StaffRole.RECEIVING_OFFICER]), agency_id
    if name == "return_result":
        return StaffRole.RESULT_DESK, dossier.result_desk_id
    agency_id = dossier.step_agency_id(step) if step else dossier.competent_agency_id
    roles = [step["role"], *LEADER_ROLES] if step else list(LEADER_ROLES)
    role = acting_role(user, agency_id, roles)
    if not role and name in ("accept_withdrawal", "decline_withdrawal"):
        # A leader of the competent agency settles a request made while the step was at the desk.
        return acting_role(user, dossier.competent_agency_id, LEADER_ROLES), dossier.competent_agency_id
    return role, agency_id


def _audit(dossier, user, action, *, from_state, note="", client_ip=None, role="", agency=None, step=None,
           data=None):
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    entry = AuditEntry.objects.create(
        dossier=dossier, at=timezone.now(), actor=user if user is not None and user.is_authenticated else None,
        actor_role=role, actor_agency_id=agency_id, action=action, from_state=from_state, to_state=dossier.state,
        step_order=step["order"] if step else dossier.current_step_order, note=note,
        data={**(data or {}), **({"step": step["name"]} if step else {})},
        client_ip=client_ip,
    )
    transaction.on_commit(
        lambda: dossier_changed.send(sender=Dossier, dossier_id=dossier.pk, action=action, state=dossier.state)
    )
    return entry


def _iso(moment):
    return moment.isoformat() if moment else None


def _officer_desk(user):
    """The receiving desk of an officer filing at the counter; None for a citizen."""
    desks = agencies_where(user, StaffRole.RECEIVING_OFFICER)
    return Agency.objects.filter(pk__in=desks, receives_dossiers=True).first() if desks else None


def _action_label(dossier, name):
    transition = next(t for t in dossier.get_all_state_transitions() if t.name == name)
    return str(transition.custom.get("label", name)).lower()


def _required(text):
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Give the reason in writing."), code="reason_required")
    return text
