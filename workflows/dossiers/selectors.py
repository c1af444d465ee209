"""What staff see: the dossiers their agencies and roles allow, sorted into the single window's queues; and the
public lookup of one dossier by its code."""

from itertools import groupby

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import AdministrativeUnit, Agency, FormField, Procedure
from procedures.selectors import frozen_version
from workflows.worktime.clock import working_calendar

from . import audit_chain, transitions
from .models import AuditEntry, Consultation, Dossier
from .staff import StaffRole, agencies_where, staff_roles
from .states import QUEUED_STATES

RUNNING = Dossier.RUNNING_STATES


def is_province_admin(user):
    return user.is_superuser or bool(agencies_where(user, StaffRole.PROVINCE_ADMIN))


def visible_dossiers(user):
    """Every dossier this staff member may open: those filed or received at their desks, routed to or consulted
    with their agencies, or returned at their result desks; all of them for a province administrator. A
    citizen's unsubmitted draft stays private to the citizen."""
    dossiers = Dossier.objects.exclude(state=Dossier.State.DRAFT, filing_desk__isnull=True)
    if is_province_admin(user):
        return dossiers
    agencies = {agency_id for agency_id, _role in staff_roles(user)}
    if not agencies:
        return dossiers.none()
    # An IN list rather than EXISTS: PostgreSQL then combines the agency indexes instead of scanning the table.
    consulted = Consultation.objects.filter(agency_id__in=agencies).values("dossier_id")
    return dossiers.filter(
        Q(filing_desk__in=agencies) | Q(receiving_agency__in=agencies) | Q(competent_agency__in=agencies)
        | Q(result_desk__in=agencies) | Q(pk__in=consulted)
    )


def api_dossiers(user):
    """What a caller of the API may read: what their staff roles show them, what they filed (an integrated
    system's own filings) and, for a citizen, their own dossiers; never someone else's draft."""
    own = Dossier.objects.filter(Q(applicant=user) | Q(filed_by=user))
    # Both sides filter the dossier's own columns (no join), so their union has no duplicates to remove.
    return visible_dossiers(user) | own if staff_roles(user) or is_province_admin(user) else own


def with_catalogue(dossiers):
    """Gives each dossier the procedure, agencies, commune and procedure version it does not hold yet: one
    query per table for a whole page, as joining five tables costs PostgreSQL's planner more than reading the
    rows does. Unordered: the catalogue's default orders would join more tables."""
    dossiers = list(dossiers)
    missing = {name: [dossier for dossier in dossiers if not Dossier._meta.get_field(name).is_cached(dossier)]
               for name in CATALOGUE_RELATIONS}
    agency_ids = {getattr(dossier, f"{name}_id") for name in AGENCY_RELATIONS for dossier in missing[name]}
    agencies = Agency.objects.order_by().in_bulk(agency_ids - {None})
    procedures = Procedure.objects.order_by().in_bulk({dossier.procedure_id for dossier in missing["procedure"]})
    commune_ids = {dossier.commune_id for dossier in missing["commune"]}
    communes = AdministrativeUnit.objects.order_by().in_bulk(commune_ids - {None})
    loaded = {"procedure": procedures, "commune": communes, **dict.fromkeys(AGENCY_RELATIONS, agencies)}
    for name, waiting in missing.items():
        for dossier in waiting:
            setattr(dossier, name, loaded[name].get(getattr(dossier, f"{name}_id")))
    for dossier in dossiers:
        dossier.procedure_version = frozen_version(dossier.procedure_version_id, procedure_id=dossier.procedure_id)
    return dossiers


AGENCY_RELATIONS = ("receiving_agency", "competent_agency", "result_desk")
CATALOGUE_RELATIONS = ("procedure", "commune", *AGENCY_RELATIONS)


def due_soon_before(now=None):
    """The moment before which a running dossier's deadline makes it due soon: now plus the due-soon working
    hours, on the working calendar."""
    calendar = working_calendar()
    return calendar.add(now or timezone.now(), settings.ONESTOP_DUE_SOON_WORKING_HOURS * 60)


class Queue:
    """One of the single window's queues: a name, a label, and the condition that puts a dossier in it."""

    def __init__(self, slug, label, condition):
        self.slug, self.label, self.condition = slug, label, condition


def queues(user, now=None):
    """The queues this staff member works, in the order the single window shows them."""
    now = now or timezone.now()
    desks = agencies_where(user, StaffRole.RECEIVING_OFFICER)
    result_desks = agencies_where(user, StaffRole.RESULT_DESK)
    agencies = {agency_id for agency_id, _role in staff_roles(user)}
    everything = is_province_admin(user)
    in_agency = Q() if everything else Q(competent_agency__in=agencies)
    return [
        Queue("to_receive", _("To receive"), Q(state=Dossier.State.SUBMITTED)
              & (Q() if everything else Q(receiving_agency__in=desks))),
        Queue("my_work", _("My work"), Q(state__in=RUNNING) & (Q(assignee=user) | _unassigned_steps_for(user))),
        Queue("my_agency", _("My agency"), Q(state__in=(*RUNNING, *Dossier.CLOCK_STOPPED_STATES)) & in_agency),
        Queue("waiting", _("Waiting for the citizen"),
              Q(state__in=(Dossier.State.INCOMPLETE, *Dossier.CLOCK_STOPPED_STATES))),
        Queue("due_soon", _("Due soon"), sla_condition("due_soon", now)),
        Queue("overdue", _("Overdue"), sla_condition("overdue", now)),
        Queue("to_return", _("Ready to return"), Q(state=Dossier.State.RESULT_READY)
              & (Q() if everything else Q(result_desk__in=result_desks))),
    ]


def _unassigned_steps_for(user):
    """Dossiers nobody was named for, at a step whose role this person holds at the agency that works it."""
    condition = Q(pk__in=[])
    for agency_id, role in staff_roles(user):
        if role != StaffRole.PROVINCE_ADMIN:
            condition |= Q(step_role=role, **{Dossier.step_agency_field(role): agency_id})
    return Q(assignee__isnull=True) & condition


def queue_counts(user, now=None):
    """How many dossiers each queue holds, in one query."""
    all_queues = queues(user, now)
    # Every queue holds open dossiers only: saying so lets the state index skip the settled ones.
    counts = visible_dossiers(user).filter(state__in=QUEUED_STATES).aggregate(
        **{queue.slug: Count("pk", filter=queue.condition) for queue in all_queues})
    return [(queue, counts[queue.slug]) for queue in all_queues]


def queue_dossiers(user, slug, now=None):
    """The dossiers of one queue, with what a queue page shows."""
    queue = next(queue for queue in queues(user, now) if queue.slug == slug)
    return visible_dossiers(user).filter(queue.condition)


def clock_running():
    """Dossiers whose clock runs: received and not decided, nothing awaited from the applicant. A withdrawal
    request made while the dossier waited for a supplement keeps the clock stopped (paused_at)."""
    return Q(state__in=RUNNING, paused_at__isnull=True)


def waiting_for_applicant():
    """Dossiers waiting for the supplement their applicant was asked for; the request lapses at its due time."""
    return Q(state__in=Dossier.WAITING_STATES)


def sla_condition(status, now=None):
    """Dossiers whose clock reads `status` now, as a query: on time, due soon, overdue or paused."""
    now = now or timezone.now()
    # A withdrawal request keeps the clock as it was: stopped when asked while waiting for a supplement.
    if status == "paused":
        return Q(state__in=Dossier.CLOCK_STOPPED_STATES) | Q(state=Dossier.State.WITHDRAWAL_REQUESTED,
                                                             paused_at__isnull=False)
    running = clock_running()
    if status == "overdue":
        return running & Q(due_at__lt=now)
    # At most the due-soon working hours left is due soon, as the clock reads it and the timers mark it.
    if status == "due_soon":
        return running & Q(due_at__gte=now, due_at__lte=due_soon_before(now))
    return running & Q(due_at__gt=due_soon_before(now))


def colleagues_for_step(dossier, step):
    """Who may take the dossier's current step: staff holding its role at the agency that works it."""
    agency_id = dossier.step_agency_id(step)
    return (get_user_model().objects.filter(staff_memberships__agency_id=agency_id,
                                            staff_memberships__role=step["role"], is_active=True)
            .distinct().order_by("full_name", "username"))



def find_for_lookup(*, code, verifier):
    """The public lookup: the dossier whose code matches and whose applicant's phone number (the account's, or one
    typed in the application form), or the last four digits of their identity number, matches too; None
    otherwise. Drafts have no code and are never found."""
    verifier = _digits(verifier)
    if len(verifier) < 4:
        return None
    dossier = (Dossier.objects.filter(code=code.strip().upper())
               .select_related("procedure", "receiving_agency")
               .only("id", "code", "state", "appointment_at", "due_at", "paused_at", "result_at", "apology_count",
                     "applicant_phone", "applicant_identity_number", "form_data", "procedure_version_id",
                     "procedure__name", "receiving_agency__name")
               .first())
    if dossier is None:
        return None
    identity = dossier.applicant_identity_number
    if (len(verifier) == 4 and len(identity) == 12 and identity.endswith(verifier)) or (
        len(verifier) >= 9 and verifier in _phones(dossier)
    ):
        return dossier
    return None


def _phones(dossier):
    """The applicant's phone numbers: the dossier's, and the answers to the application form's phone fields (an
    account with only an email leaves the dossier's empty)."""
    definition = frozen_version(dossier.procedure_version_id, procedure_id=dossier.procedure_id).snapshot.get(
        "form", [])
    typed = [dossier.form_data.get(spec["name"]) for spec in definition if spec["kind"] == FormField.Kind.PHONE]
    return {_digits(phone) for phone in [dossier.applicant_phone, *typed] if isinstance(phone, str)} - {""}


def _digits(value):
    """A phone number or identity number as digits alone, +84 written as the leading 0."""
    digits = "".join(character for character in value or "" if character.isdigit())
    return "0" + digits[2:] if digits.startswith("84") and len(digits) == 11 else digits


def latest_supplement_request(dossier):
    """The latest request to supplement the dossier, at receipt or during processing: what its slip, its stop
    notice and a recount of its deadline go back to."""
    return (dossier.audit_entries.filter(action__in=transitions.documented_by("supplement_request"))
            .select_related("actor_agency").order_by("-at", "-id").first())


def audit_trail(dossier):
    """The dossier's audit trail in the order it was written, each entry read together with the dossier's state
    (one statement, so an action committed meanwhile cannot look like a removed entry)."""
    return (AuditEntry.objects.filter(dossier=dossier).select_related("actor", "actor_agency")
            .annotate(dossier_state=F("dossier__state")).order_by("sequence", "id"))


def trail_breaks(entries):
    """Where one dossier's trail, as `audit_trail` reads it, breaks."""
    return audit_chain.trail_breaks(entries, dossier_state=entries[-1].dossier_state if entries else None)


def audit_trail_breaks(dossiers=None):
    """Checks the audit trails of `dossiers` (a queryset; every dossier when None): how many dossiers and entries
    were checked, and every break, with the dossiers left with no trail at all."""
    entries = (AuditEntry.objects.annotate(dossier_state=F("dossier__state")).order_by("dossier_id", "sequence", "id")
               .only("dossier_id", "sequence", "previous_hash", "entry_hash", "at", "actor_id", "actor_role",
                     "actor_agency_id", "action", "note", "data", "client_ip", "from_state", "to_state",
                     "step_order"))
    if dossiers is not None:
        entries = entries.filter(dossier__in=dossiers)
    checked, counted, breaks = set(), 0, []
    for dossier_id, trail in groupby(entries.iterator(chunk_size=2000), key=lambda entry: entry.dossier_id):
        trail = list(trail)
        checked.add(dossier_id)
        counted += len(trail)
        breaks += trail_breaks(trail)
    # Read after the entries: a dossier filed meanwhile commits with its first entry, so it is never listed here.
    trailless = (Dossier.objects.all() if dossiers is None else dossiers).filter(audit_entries__isnull=True)
    for dossier_id in trailless.values_list("pk", flat=True):
        checked.add(dossier_id)
        breaks.append(audit_chain.TrailBreak(dossier_id, 1, None, str(_("the whole trail was removed"))))
    return len(checked), counted, breaks
