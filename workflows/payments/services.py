"""Fees and charges paid for a dossier: at the desk, or online through the payment platform's callback."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.formatting import vnd
from workflows.dossiers.services import DossierChanged, InvalidTransition, NotPermitted, settle_obligation
from workflows.dossiers.services.core import MAX_OBLIGATION, audit, lock, require_amount
from workflows.dossiers.staff import StaffRole, acting_role, holds_role
from workflows.dossiers.states import PAYABLE_STATES, State
from workflows.integrations.models import ApiClient

from .models import Payment

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
        # Read in Python: SQLite (the embedded default) has no JSON "contains" lookup.
        return any(ApiClient.Scope.PAYMENTS_RECORD in scopes for scopes in clients.values_list("scopes", flat=True))
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
    dossier = lock(dossier, None)
    if not may_record_payment(dossier, acting_user, method):
        raise NotPermitted(_("Only the payment platform records online payments, and only the receiving or "
                             "result desk of this dossier records payments at the desk."))
    return add_payment(dossier=dossier, acting_user=acting_user, amount=amount, method=method, reference=reference,
                       paid_at=paid_at, expected_version=expected_version, client_ip=client_ip)


def add_payment(*, dossier, acting_user, amount, method, reference, paid_at=None, expected_version=None,
                client_ip=None):
    """record_payment's checks and writes once the payer is known to be entitled, on a dossier the caller has
    locked; also called for the payment platform's verified callback (workflows.payments.online), whose checksum
    stands for the payments:record scope, with acting_user None."""
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
    # One payment at most what one obligation may be, as the forms and the API say (and its column holds).
    require_amount(amount, at_most=MAX_OBLIGATION)
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
        role, agency_id = ("integrated_system" if acting_user else "payment_platform"), None
    else:
        agency_id = _payment_desk(dossier, acting_user)
        role = acting_role(acting_user, agency_id, DESK_PAYMENT_ROLES)
    audit(dossier, acting_user, "record_payment", from_state=dossier.state, client_ip=client_ip, role=role,
          agency=agency_id, data={"amount": amount, "method": method, "reference": reference})
    if dossier.state == State.FEES_DUE and not dossier.fees_outstanding:
        settle_obligation(dossier, now)
    return payment, True
