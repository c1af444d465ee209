"""The machinery every use case shares: the refusals, the dossier's lock, taking a transition with its audit
entry and its published events, and the system's own transitions."""

from functools import cache

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import FileField
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from procedures.models import Agency
from procedures.selectors import frozen_version

from .. import events, transitions
from ..models import AuditEntry, Dossier
from ..prepared import PreparedQuery
from ..staff import LEADER_ROLES, StaffRole, acting_role
from ..transitions import Capacity

__all__ = ["MAX_DOSSIER_FEES", "MAX_OBLIGATION", "TEXT_MAX_LENGTH", "WITHDRAWAL_REASON_MAX_LENGTH",
           "DossierChanged", "DossierError", "InvalidTransition", "NotPermitted",
           "available_transitions"]


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


MAX_OBLIGATION = 2_000_000_000
# What one dossier may owe in all (its fees and every obligation notified since): far above any real levy, far below
# what its columns hold.
MAX_DOSSIER_FEES = 1_000_000_000_000
# The longest reason, request, question, answer or note a person writes, in the window, the portal and the API
# alike; the portal's withdrawal form has always taken less.
TEXT_MAX_LENGTH = 2000
WITHDRAWAL_REASON_MAX_LENGTH = 1000


def require_amount(amount, *, at_most=None):
    """A whole, positive number of đồng, and no more than `at_most`."""
    if (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0
            or (at_most is not None and amount > at_most)):
        raise ValidationError({"amount": _("The amount must be a positive number of đồng.")},
                              code="amount_not_positive")


def as_system(dossier, name, apply):
    """A transition no person takes (its permission refuses everyone), on a dossier the caller has locked:
    applied, saved, told and audited as the system's act."""
    from_state = dossier.state
    apply(dossier)
    dossier.version += 1
    events.save_transition(dossier)
    audit(dossier, None, name, from_state=from_state, role="system")


def available_transitions(dossier, user):
    """The transitions this person may take on this dossier now: what the admin and the portal offer."""
    return list(dossier.get_available_user_state_transitions(user))


# The machinery every transition shares


@transaction.atomic
def take(dossier, acting_user, name, apply, *, expected_version, client_ip, note="", data=None, held=False):
    """Takes transition `name` by `apply`, on the dossier locked here, or on the caller's own instance when it
    already `held` the row (a draft it created in this transaction, which nobody else can see)."""
    note = bounded(note)
    if not held:
        dossier = lock(dossier, expected_version)
    method = getattr(dossier, name)
    if not can_proceed(method, check_conditions=False):
        action = str(transitions.label(name)).lower()
        raise InvalidTransition(_("A dossier that is %(state)s cannot be %(action)s.")
                                % {"state": dossier.get_state_display(), "action": action})
    if not has_transition_perm(method, acting_user):
        if not can_proceed(method):
            raise InvalidTransition(_("This cannot be done at this step of the process."))
        raise NotPermitted(_("You may not do this on this dossier."))
    from_state, step = dossier.state, dossier.current_step
    step_times = {"step_started_at": _iso(dossier.step_started_at), "step_due_at": _iso(dossier.step_due_at)}
    role, agency_id = _capacity(dossier, acting_user, name, step)
    queue_before = events.queue_position(dossier)
    before = _field_values(dossier)
    apply(dossier)
    dossier.version += 1
    after = _field_values(dossier)
    # Writing only what the transition changed keeps the UPDATE short.
    changed = [field for field, value in after.items() if before[field] != value]
    events.save_transition(dossier, update_fields=[*changed, "updated_at"], note=note, actor=acting_user,
                           queue_before=queue_before)
    audit(dossier, acting_user, name, from_state=from_state, note=note, client_ip=client_ip, role=role,
          agency=agency_id, step=step, data={**(data or {}), **(step_times if step else {})})
    return dossier


def _field_values(dossier):
    plain, files = _act_columns()
    values = {name: getattr(dossier, name) for name in plain}
    # A file field's value is one mutable object: compare the stored names.
    values.update({name: getattr(dossier, name).name for name in files})
    return values


@cache
def _act_columns():
    """The dossier's columns an act may change: those holding plain values, and those holding files."""
    fields = [field for field in Dossier._meta.concrete_fields if not field.primary_key]
    return ([field.attname for field in fields if not isinstance(field, FileField)],
            [field.attname for field in fields if isinstance(field, FileField)])


# The row of the dossier an act changes, locked until the act commits: read by every act.
_LOCK = PreparedQuery(lambda pk: Dossier.objects.select_for_update().filter(pk=pk))


def lock(dossier, expected_version):
    if connection.get_autocommit():
        raise TransactionManagementError("A dossier is locked inside the transaction that changes it.")
    locked = _LOCK.instance(dossier.pk)
    if locked is None:
        raise Dossier.DoesNotExist(f"Dossier {dossier.pk} does not exist.")
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
    capacity = transitions.get(name).capacity
    if capacity == Capacity.DESK:
        agency_id = dossier.receiving_agency_id or dossier.filing_desk_id
        return acting_role(user, agency_id, [StaffRole.RECEIVING_OFFICER]), agency_id
    if capacity == Capacity.RESULT_DESK:
        return StaffRole.RESULT_DESK, dossier.result_desk_id
    agency_id = dossier.step_agency_id(step) if step else dossier.competent_agency_id
    roles = [step["role"], *LEADER_ROLES] if step else list(LEADER_ROLES)
    role = acting_role(user, agency_id, roles)
    if not role and capacity == Capacity.STEP_OR_LEADER:
        # A leader of the competent agency settles a request made while the step was at the desk.
        return acting_role(user, dossier.competent_agency_id, LEADER_ROLES), dossier.competent_agency_id
    return role, agency_id


def audit(dossier, user, action, *, from_state, note="", client_ip=None, role="", agency=None, step=None,
          data=None):
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    entry = AuditEntry.objects.create(
        dossier=dossier, at=timezone.now(), actor=user if user is not None and user.is_authenticated else None,
        actor_role=role, actor_agency_id=agency_id, action=action, from_state=from_state, to_state=dossier.state,
        step_order=step["order"] if step else dossier.current_step_order, note=note,
        data={**(data or {}), **({"step": step["name"]} if step else {})},
        client_ip=client_ip,
    )
    events.dossier_changed_on_commit(dossier, action)
    return entry


def _iso(moment):
    return moment.isoformat() if moment else None


def required(text, *, at_most=TEXT_MAX_LENGTH):
    """The reason or request, in writing: a refusal without one is refused, and so is one longer than the forms
    take."""
    text = bounded(text, at_most=at_most)
    if not text:
        raise ValidationError(_("Give the reason in writing."), code="reason_required")
    return text


def bounded(text, *, at_most=TEXT_MAX_LENGTH):
    """Optional text, stripped, no longer than the forms take (a megabyte of it would make every page showing it
    a megabyte too)."""
    text = (text or "").strip()
    if len(text) > at_most:
        raise ValidationError(_("Write at most %(limit)s characters (this has %(length)s)."), code="text_too_long",
                              params={"limit": at_most, "length": len(text)})
    return text
