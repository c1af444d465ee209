"""Paying online: the applicant's "pay online" button, the page the platform sends them back to, the platform's
server-to-server callback, and the electronic receipt. Views parse input, call workflows.payments.online and
render."""

import json
import logging

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from onestop.http import client_ip
from workflows.dossiers.models import Dossier
from workflows.dossiers.services import DossierError

from . import online, platform
from .models import PaymentRequest

logger = logging.getLogger(__name__)

# What a refused callback is answered with: its error code's HTTP status.
NOTIFY_STATUS = {platform.BAD_REQUEST: 400, platform.BAD_CHECKSUM: 403, platform.UNKNOWN_REFERENCE: 404,
                 platform.AMOUNT_MISMATCH: 409, platform.NOT_RECORDED: 409}


@login_required
@require_POST
def start(request, pk):
    """The applicant's "pay online" button: off to the platform's page, or back to the dossier with the reason."""
    dossier = get_object_or_404(Dossier, pk=pk, applicant=request.user)
    if not ratelimit.consume(request, action="payment_start"):
        messages.error(request, _("Too many attempts to pay. Wait a minute and try again."))
        return redirect("citizens:detail", pk=dossier.pk)
    try:
        payment = online.start_payment(dossier=dossier, acting_user=request.user,
                                       site_url=request.build_absolute_uri("/"), client_ip=client_ip(request))
    except DossierError as error:
        messages.error(request, str(error))
        return redirect("citizens:detail", pk=dossier.pk)
    return redirect(payment.payment_url)


@login_required
@never_cache
def payment_return(request, reference):
    """Where the platform sends the applicant back. What its address says is never believed: the request's state
    is read, and asked of the platform while it is still waiting."""
    payment = _own_request(request, reference)
    if payment.status == PaymentRequest.Status.PENDING:
        payment = online.refresh(payment)
    if payment.status == PaymentRequest.Status.PAID:
        online.fetch_receipt(payment)
    dossier = payment.dossier
    return render(request, "payments/return.html", {
        "payment": payment, "dossier": dossier, "may_pay_again": online.may_pay_online(dossier, request.user)})


@login_required
def receipt(request, reference):
    payment = _own_request(request, reference)
    if not online.fetch_receipt(payment):
        raise Http404
    return receipt_response(payment)


def receipt_response(payment):
    return FileResponse(payment.receipt.open("rb"), as_attachment=True, content_type="application/pdf",
                        filename=f"bien-lai-{payment.receipt_number or payment.reference}.pdf")


@csrf_exempt
@require_POST
def notify(request):
    """The platform's callback, server to server: answered in its format, "00" once applied (or applied before)."""
    if not ratelimit.consume(request, action="payment_notify"):
        return _answer(platform.BAD_REQUEST, "Too many requests.", status=429)
    try:
        message = json.loads(request.body)
        payment, code = online.handle_notification(message, client_ip=client_ip(request))
    except (ValueError, UnicodeDecodeError) as error:
        # platform.BadMessage is a ValueError too, with its own code.
        code = getattr(error, "code", platform.BAD_REQUEST)
        logger.warning("Payment callback refused (%s): %s", code, error)
        return _answer(code, str(error) if isinstance(error, platform.BadMessage) else "Not JSON.")
    except online.UnknownPayment:
        return _answer(platform.UNKNOWN_REFERENCE, "Unknown reference.")
    return _answer(code, payment.problem if code != platform.ACCEPTED else "OK")


def _answer(code, text, status=None):
    return JsonResponse(platform.answer(code, text), status=status or NOTIFY_STATUS.get(code, 200))


def _own_request(request, reference):
    return get_object_or_404(PaymentRequest.objects.select_related("dossier", "dossier__procedure"),
                             reference=reference, dossier__applicant=request.user)
