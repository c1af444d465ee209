"""Paying online through the national payment platform: the applicant starts a payment and is sent to the
platform's page; the platform's callback (or, when it never comes, the reconciliation's query) says how it ended;
a payment is recorded through the one recording path (services.add_payment) and its electronic receipt kept."""

import logging
import secrets
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.dossiers.models import Dossier
from workflows.dossiers.services import DossierError, InvalidTransition, NotPermitted
from workflows.dossiers.services.core import MAX_OBLIGATION, audit, lock
from workflows.dossiers.states import PAYABLE_STATES, State

from . import platform
from .models import Payment, PaymentRequest
from .services import add_payment

logger = logging.getLogger(__name__)
Status = PaymentRequest.Status
PLATFORM_ROLE = "payment_platform"
# Paid requests whose receipt could not be fetched are asked for again this long.
RECEIPT_RETRY = timedelta(days=7)
# Requests asked about per reconciliation run: a backlog is worked through run after run.
RECONCILE_BATCH = 200


class PaymentUnavailable(DossierError):
    """The payment platform is not set up, or does not answer now."""


class UnknownPayment(Exception):
    """A callback or query for a reference OneStop never created."""


def may_pay_online(dossier, user):
    return (platform.is_configured() and user.is_authenticated and dossier.applicant_id == user.pk
            and dossier.state in PAYABLE_STATES and dossier.fees_outstanding > 0)


def start_payment(*, dossier, acting_user, site_url, client_ip=None):
    """The applicant pays what is still due on their own dossier through the payment platform: returns the
    payment request whose page (`payment_url`) to send them to. One request waits at a time: while one does, it is
    returned again. Refuses someone else's dossier and a dossier that owes nothing or takes no payment now; says
    so when the platform is not set up or does not answer (nothing is charged then)."""
    if not platform.is_configured():
        raise PaymentUnavailable(_("Online payment is not available; pay at the desk."))
    with transaction.atomic():
        dossier = lock(dossier, None)
        if acting_user is None or dossier.applicant_id != acting_user.pk:
            raise NotPermitted(_("Only the applicant pays for their dossier online."))
        if dossier.state not in PAYABLE_STATES or not dossier.fees_outstanding:
            raise InvalidTransition(_("Nothing is due on this dossier now."))
        waiting = dossier.payment_requests.filter(status=Status.PENDING).first()
        if waiting is not None:
            if waiting.payment_url:
                return waiting
            raise PaymentUnavailable(_("Your payment is being prepared; try again in a moment."))
        request = PaymentRequest.objects.create(
            reference=f"OS{timezone.localtime():%y%m%d}{secrets.token_hex(6).upper()}", dossier=dossier,
            # Beyond what one payment may be, the rest is paid in a second one.
            amount=min(dossier.fees_outstanding, MAX_OBLIGATION),
            purpose=(PaymentRequest.Purpose.OBLIGATION if dossier.state == State.FEES_DUE
                     else PaymentRequest.Purpose.FILING))
        audit(dossier, acting_user, "online_payment_started", from_state=dossier.state, client_ip=client_ip,
              role="applicant", data={"reference": request.reference, "amount": request.amount})
    # Outside the dossier's lock: a slow platform must not hold the dossier up.
    try:
        transaction_id, payment_url = platform.init(
            reference=request.reference, amount=request.amount, dossier_code=dossier.code or "",
            order_info=_("Fees for dossier %(code)s") % {"code": dossier.code or dossier.pk},
            return_url=urljoin(site_url, reverse("payments:return", args=[request.reference])),
            notify_url=urljoin(site_url, reverse("payments:notify")))
    except platform.PlatformError as error:
        logger.warning("Payment platform init failed for %s: %s", request.reference, error)
        _give_up(request, Status.FAILED, problem=str(error))
        raise PaymentUnavailable(_("The payment platform does not answer now. Nothing was charged; try again "
                                   "later or pay at the desk.")) from None
    PaymentRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(transaction_id=transaction_id,
                                                                               payment_url=payment_url)
    request.transaction_id, request.payment_url = transaction_id, payment_url
    return request


def handle_notification(message, *, client_ip=None):
    """The platform's server-to-server callback: verified (checksum, partner, reference, amount) and applied once;
    the same callback again changes nothing. Returns (request, answer code). Raises platform.BadMessage for a
    message not signed with our secret and UnknownPayment for a reference we never created."""
    return apply_result(platform.parse_result(message), client_ip=client_ip)


@transaction.atomic
def apply_result(result, *, client_ip=None):
    """What the platform says of a transaction, from its callback or a query. A paid transaction is recorded as a
    payment unless it cannot be: another amount than asked for, or no longer due (the dossier paid at the desk
    meanwhile, or closed); then it is refused, kept as reported and flagged for staff, who refund or settle it."""
    dossier_id = PaymentRequest.objects.filter(reference=result.reference).values_list("dossier_id", flat=True).first()
    if dossier_id is None:
        raise UnknownPayment(result.reference)
    # The dossier first, as every service locks it, then its request.
    dossier = lock(Dossier(pk=dossier_id), None)
    request = PaymentRequest.objects.select_for_update().get(reference=result.reference)
    if request.transaction_id and result.transaction_id and request.transaction_id != result.transaction_id:
        raise platform.BadMessage("Another transaction for this reference.")
    now = timezone.now()
    if result.status == platform.PENDING or request.status == Status.PAID:
        request.checked_at = now
        request.save(update_fields=["checked_at"])
        return request, platform.ACCEPTED
    if result.status != platform.PAID:
        if request.status == Status.PENDING:
            status = Status.FAILED if result.status == platform.FAILED else Status.ABANDONED
            _end(request, status, dossier=dossier, result=result, client_ip=client_ip)
        return request, platform.ACCEPTED
    if request.status == Status.MISMATCH:
        return request, platform.AMOUNT_MISMATCH if request.reported_amount != request.amount \
            else platform.NOT_RECORDED
    if result.amount != request.amount:
        _flag(request, dossier, result, client_ip, _("The platform reported %(reported)s VND paid for a payment of "
                                                      "%(amount)s VND.") % {"reported": result.amount,
                                                                            "amount": request.amount})
        return request, platform.AMOUNT_MISMATCH
    try:
        with transaction.atomic():
            payment, _created = add_payment(dossier=dossier, acting_user=None, amount=result.amount,
                                            method=Payment.Method.ONLINE,
                                            reference=result.transaction_id or request.reference,
                                            paid_at=result.paid_at, client_ip=client_ip)
    except (ValidationError, DossierError) as error:
        _flag(request, dossier, result, client_ip, " ".join(getattr(error, "messages", [str(error)])))
        return request, platform.NOT_RECORDED
    _take(request, result)
    request.status, request.payment, request.settled_at, request.checked_at = Status.PAID, payment, now, now
    request.save()
    return request, platform.ACCEPTED


def refresh(request, *, expire_before=None):
    """Asks the platform how a waiting request stands and applies the answer; a request older than `expire_before`
    that is still not final is abandoned (the platform's answer, if it comes later, still counts)."""
    try:
        request, _code = apply_result(platform.query(request.reference))
    except (platform.PlatformError, platform.BadMessage) as error:
        logger.warning("Payment platform query failed for %s: %s", request.reference, error)
        PaymentRequest.objects.filter(pk=request.pk).update(checked_at=timezone.now())
    if not request.is_final and expire_before is not None and request.created_at < expire_before:
        request = _give_up(request, Status.ABANDONED, problem="expired")
    return request


def reconcile(now=None):
    """The beat's round: every waiting request asked about until final, abandoned past
    PAYMENT_PENDING_MAX_MINUTES; and receipts not fetched yet asked for again. Returns the requests settled."""
    now = now or timezone.now()
    expire_before = now - timedelta(minutes=settings.PAYMENT_PENDING_MAX_MINUTES)
    settled = 0
    waiting = PaymentRequest.objects.filter(status=Status.PENDING).select_related("dossier").order_by("created_at")
    for request in waiting[:RECONCILE_BATCH]:
        settled += refresh(request, expire_before=expire_before).is_final
    missing = PaymentRequest.objects.filter(status=Status.PAID, receipt="", settled_at__gte=now - RECEIPT_RETRY)
    for request in missing.select_related("dossier")[:RECONCILE_BATCH]:
        fetch_receipt(request)
    return settled


def fetch_receipt(request):
    """Keeps the platform's electronic receipt of a paid request with the dossier; True once it is kept. A platform
    that does not answer is asked again by the reconciliation."""
    if request.receipt:
        return True
    if request.status != Status.PAID:
        return False
    try:
        content = platform.receipt(request.reference)
    except platform.PlatformError as error:
        logger.warning("Payment platform receipt failed for %s: %s", request.reference, error)
        return False
    with transaction.atomic():
        dossier = lock(request.dossier, None)
        locked = PaymentRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.receipt:
            locked.receipt.save(f"{locked.reference}.pdf", ContentFile(content), save=False)
            locked.save(update_fields=["receipt"])
            audit(dossier, None, "online_payment_receipt", from_state=dossier.state, role=PLATFORM_ROLE,
                  data={"reference": locked.reference, "receipt_number": locked.receipt_number})
    request.receipt = locked.receipt
    return True


def _take(request, result):
    request.transaction_id = result.transaction_id or request.transaction_id
    request.bank_code = result.bank_code or request.bank_code
    request.receipt_number = result.receipt_number or request.receipt_number


@transaction.atomic
def _give_up(request, status, *, problem):
    """Ends a request still waiting, from our side: the platform never answered."""
    dossier = lock(request.dossier, None)
    request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    if not request.is_final:
        _end(request, status, dossier=dossier, problem=problem)
    return request


def _end(request, status, *, dossier=None, result=None, client_ip=None, problem=""):
    dossier = dossier or request.dossier
    if result is not None:
        _take(request, result)
    request.status, request.problem = status, problem[:300]
    request.settled_at = request.checked_at = timezone.now()
    request.save()
    audit(dossier, None, "online_payment_failed", from_state=dossier.state, client_ip=client_ip, role=PLATFORM_ROLE,
          data={"reference": request.reference, "status": status, "problem": request.problem})


def _flag(request, dossier, result, client_ip, problem):
    _take(request, result)
    request.status, request.reported_amount, request.problem = Status.MISMATCH, result.amount, problem[:300]
    request.settled_at = request.checked_at = timezone.now()
    request.save()
    logger.warning("Online payment %s refused and flagged: %s", request.reference, problem)
    audit(dossier, None, "online_payment_flagged", from_state=dossier.state, client_ip=client_ip, role=PLATFORM_ROLE,
          data={"reference": request.reference, "transaction": request.transaction_id, "amount": request.amount,
                "reported_amount": result.amount, "problem": request.problem})
