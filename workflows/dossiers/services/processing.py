"""Processing along the ISO steps: handing over, assigning, sending back, supplements, financial obligations
and the lapse of a supplement request."""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Dossier, PausePeriod
from ..staff import holds_role
from ..transitions import serves
from .core import MAX_DOSSIER_FEES, MAX_OBLIGATION, DossierError, as_system, require_amount, required, take
from .deadlines import end_pause, resumed_deadlines, step_due, supplement_due
from .supplement import require_something_supplied

__all__ = ["assign_dossier", "hand_over", "lapse_supplement_request", "notify_financial_obligation",
           "request_supplement", "send_back", "settle_obligation", "supply_supplement"]


@serves("hand_over")
def hand_over(*, dossier, acting_user, assignee=None, expected_version=None, client_ip=None, note=""):
    """The current step is done: the dossier moves to the next ISO step, optionally to a named colleague, with
    that step's share of the time limit."""
    now = timezone.now()

    def apply(dossier):
        following = dossier.next_step  # the transition's condition guarantees there is one
        if assignee is not None and not holds_role(assignee, dossier.step_agency_id(following), following["role"]):
            raise DossierError(_("%(person)s does not hold the next step's role.") % {"person": assignee})
        dossier.hand_over(at=now, assignee=assignee, step_due_at=step_due(dossier, following, now))

    return take(dossier, acting_user, "hand_over", apply, expected_version=expected_version,
                client_ip=client_ip, note=note)


@serves("assign")
def assign_dossier(*, dossier, acting_user, assignee, expected_version=None, client_ip=None):
    """A leader or a colleague on the same step gives the current step to a named person who holds its role."""

    def apply(dossier):
        step = dossier.current_step
        if not holds_role(assignee, dossier.step_agency_id(step), step["role"]):
            raise DossierError(_("%(person)s does not hold this step's role.") % {"person": assignee})
        dossier.assign(assignee=assignee)

    return take(dossier, acting_user, "assign", apply, expected_version=expected_version,
                client_ip=client_ip, data={"assignee": assignee.pk})


@serves("send_back")
def send_back(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """The current step returns the dossier to the step before it, with the reason; that step gets its share of
    time again."""
    reason = required(reason)
    now = timezone.now()

    def apply(dossier):
        dossier.send_back(at=now, reason=reason, step_due_at=step_due(dossier, dossier.previous_step, now))

    return take(dossier, acting_user, "send_back", apply, expected_version=expected_version,
                client_ip=client_ip, note=reason)


@serves("request_supplement")
def request_supplement(*, dossier, acting_user, missing, expected_version=None, client_ip=None):
    """During processing the agency asks, once and with reasons, for what is missing; the clock stops until the
    applicant supplies it."""
    missing = required(missing)
    now = timezone.now()

    until = supplement_due(now)

    def apply(dossier):
        dossier.request_supplement(at=now, missing=missing, supplement_due_at=until)
        PausePeriod.objects.create(dossier=dossier, started_at=now, reason=missing)

    # The deadline goes into the audit entry: the stop notice cites it after the dossier has forgotten it.
    return take(dossier, acting_user, "request_supplement", apply, expected_version=expected_version,
                client_ip=client_ip, note=missing, data={"supplement_due_at": until.isoformat()})


@serves("supply")
def supply_supplement(*, dossier, acting_user, note="", expected_version=None, client_ip=None):
    """The applicant supplied what was asked: the clock restarts with exactly the time it had left, for the whole
    dossier and for the current step. Refused while nothing new came since the request (no file, no changed
    answer; at the desk, no note of the papers handed in): the clock stays stopped."""
    now = timezone.now()
    note = (note or "").strip()
    supplied = {}

    def apply(dossier):
        supplied.update(require_something_supplied(dossier, acting_user, note))
        dossier.supply(at=now, **resumed_deadlines(dossier, now))

    return take(dossier, acting_user, "supply", apply, expected_version=expected_version, client_ip=client_ip,
                note=note, data=supplied)


@serves("notify_obligation")
def notify_financial_obligation(*, dossier, acting_user, amount, reason, expected_version=None, client_ip=None):
    """The current step tells the applicant what they must pay before the result (taxes, charges), in writing;
    the clock stops until the payments recorded cover it (record_payment)."""
    reason = required(reason)
    require_amount(amount, at_most=MAX_OBLIGATION)
    now = timezone.now()

    def apply(dossier):
        if dossier.fees_due + amount > MAX_DOSSIER_FEES:
            raise ValidationError({"amount": _("This dossier cannot owe more than %(limit)s đồng in all.")
                                   % {"limit": f"{MAX_DOSSIER_FEES:,}".replace(",", ".")}},
                                  code="fees_beyond_limit")
        dossier.notify_obligation(at=now, amount=amount)
        PausePeriod.objects.create(dossier=dossier, started_at=now, reason=reason)

    return take(dossier, acting_user, "notify_obligation", apply, expected_version=expected_version,
                client_ip=client_ip, note=reason, data={"amount": amount})


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
        end_pause(dossier, now)

    as_system(dossier, "lapse", apply)
    return True


def settle_obligation(dossier, now):
    """Everything due is paid: the clock starts again, as the system's act, and the applicant is told."""
    as_system(dossier, "obligation_paid",
              lambda dossier: dossier.obligation_paid(**resumed_deadlines(dossier, now)))
