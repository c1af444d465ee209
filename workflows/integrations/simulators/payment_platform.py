"""A stand-in for the national payment platform (pay.gov.vn style), for trying OneStop and for tests, under
/mo-phong/thanh-toan/: init (a partner creates a payment, answered with the payment page's address), the payment
page (choose a bank or wallet; pay, fail or abandon; for tests and demos: a callback with a bad signature, sent
twice, reporting another amount, or none at all while the bank "confirms later"), the server-to-server callback to
the partner's notify URL, query, and the electronic receipt as a PDF.

It is the platform's side of the wire format that OneStop reads in workflows.payments.platform, written on its own
as the real platform's is: it talks to OneStop only over HTTP and through the browser. The partner's code and
shared secret are PAYMENT_PLATFORM_PARTNER_CODE and PAYMENT_PLATFORM_SECRET.
"""

import hashlib
import hmac
import json
import logging
import secrets

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from weasyprint import HTML

from .models import SimulatedPayment

logger = logging.getLogger(__name__)
Status = SimulatedPayment.Status

# The fields each message signs, in order; checksum = sha256("v1|v2|...|secret").
INIT = ("partner_code", "reference", "amount", "currency", "order_info", "dossier_code", "return_url", "notify_url",
        "created_at")
INIT_ANSWER = ("error_code", "reference", "transaction_id", "payment_url")
RESULT = ("partner_code", "reference", "transaction_id", "amount", "status", "bank_code", "paid_at",
          "receipt_number")
LOOKUP = ("partner_code", "reference")
OK, BAD_CHECKSUM, NOT_FOUND, BAD_REQUEST = "00", "01", "02", "04"
BANKS = [("VCB", "Vietcombank"), ("BIDV", "BIDV"), ("CTG", "VietinBank"), ("AGRIBANK", "Agribank"),
         ("VNPTPAY", "VNPT Money"), ("VIETTELMONEY", "Viettel Money")]
CALLBACK_TIMEOUT = 10


def _checksum(message, fields, secret=None):
    secret = settings.PAYMENT_PLATFORM_SECRET if secret is None else secret
    return hashlib.sha256("|".join([*(str(message.get(name, "")) for name in fields), secret]).encode()).hexdigest()


def _signed(message, fields):
    return {**message, "checksum": _checksum(message, fields)}


def _read(request, fields):
    """The partner's signed JSON message, or the error answer to give."""
    try:
        message = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None, JsonResponse({"error_code": BAD_REQUEST, "message": "Not JSON."}, status=400)
    if not isinstance(message, dict) or message.get("partner_code") != settings.PAYMENT_PLATFORM_PARTNER_CODE:
        return None, JsonResponse({"error_code": BAD_REQUEST, "message": "Unknown partner."}, status=400)
    if not hmac.compare_digest(str(message.get("checksum", "")), _checksum(message, fields)):
        return None, JsonResponse({"error_code": BAD_CHECKSUM, "message": "Bad checksum."}, status=403)
    return message, None


def _result(payment, amount=None):
    return {
        "partner_code": payment.partner_code, "reference": payment.reference,
        "transaction_id": payment.transaction_id, "amount": payment.amount if amount is None else amount,
        "status": payment.status, "bank_code": payment.bank_code,
        "paid_at": timezone.localtime(payment.paid_at).strftime("%Y%m%d%H%M%S") if payment.paid_at else "",
        "receipt_number": payment.receipt_number,
    }


@csrf_exempt
@require_POST
def init(request):
    message, refused = _read(request, INIT)
    if refused:
        return refused
    try:
        amount = int(message["amount"])
        if amount <= 0 or not message.get("reference") or not message.get("return_url") \
                or not message.get("notify_url"):
            raise ValueError
    except (KeyError, TypeError, ValueError):
        return JsonResponse({"error_code": BAD_REQUEST, "message": "Missing or bad fields."}, status=400)
    try:
        payment, created = _get_or_create(message, amount)
    except IntegrityError:  # the same reference sent twice at once
        return JsonResponse({"error_code": BAD_REQUEST, "message": "Try again."}, status=409)
    if not created and payment.amount != amount:
        return JsonResponse({"error_code": BAD_REQUEST, "message": "Reference used for another amount."}, status=409)
    answer = {"error_code": OK, "message": "OK", "reference": payment.reference,
              "transaction_id": payment.transaction_id,
              "payment_url": request.build_absolute_uri(reverse("simulators:payment_page",
                                                                args=[payment.transaction_id]))}
    return JsonResponse(_signed(answer, INIT_ANSWER))


def _get_or_create(message, amount):
    return SimulatedPayment.objects.get_or_create(
        partner_code=message["partner_code"], reference=str(message["reference"])[:100],
        defaults={"transaction_id": secrets.token_hex(8).upper(), "amount": amount,
                  "order_info": str(message.get("order_info", ""))[:500],
                  "dossier_code": str(message.get("dossier_code", ""))[:50],
                  "return_url": message["return_url"], "notify_url": message["notify_url"]})


@never_cache
def payment_page(request, transaction_id):
    """The citizen's page at the platform: choose how to pay, then pay, fail or abandon."""
    payment = get_object_or_404(SimulatedPayment, transaction_id=transaction_id)
    if request.method == "POST":
        outcome, bank = request.POST.get("outcome"), request.POST.get("bank", "")
        if outcome not in ("pay", "fail", "abandon"):
            return HttpResponseBadRequest("Choose pay, fail or abandon.")
        payment = _settle(payment, outcome, bank_code=bank if bank in dict(BANKS) else "",
                          hold="hold" in request.POST)
        if payment is not None and not payment.held:
            _call_back(payment, bad_signature="bad_signature" in request.POST, twice="twice" in request.POST,
                       other_amount="other_amount" in request.POST)
        return HttpResponseRedirect(payment.return_url if payment else request.path)
    return render(request, "simulators/payment_page.html", {"payment": payment, "banks": BANKS})


@transaction.atomic
def _settle(payment, outcome, *, bank_code, hold):
    """The citizen's choice, once: a page sent twice (a double click, the back button) changes nothing."""
    payment = SimulatedPayment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != Status.PENDING or payment.held:
        return None
    payment.bank_code = bank_code
    if outcome == "pay" and hold:
        payment.held = True
    elif outcome == "pay":
        _mark_paid(payment)
    else:
        payment.status = Status.FAILED if outcome == "fail" else Status.CANCELLED
    payment.save()
    return payment


def _mark_paid(payment):
    payment.status, payment.held, payment.paid_at = Status.PAID, False, timezone.now()
    payment.bank_code = payment.bank_code or BANKS[0][0]
    payment.receipt_number = f"BL{timezone.localtime():%Y%m%d}-{payment.pk:06d}"


def _call_back(payment, *, bad_signature=False, twice=False, other_amount=False):
    """The server-to-server callback to the partner's notify URL, after our own state is saved."""
    message = _signed(_result(payment, amount=payment.amount + 1000 if other_amount else None), RESULT)
    if bad_signature:
        message["checksum"] = _checksum(message, RESULT, secret="not-the-shared-secret")
    answers = []
    for _attempt in range(2 if twice else 1):
        try:
            response = requests.post(payment.notify_url, json=message, timeout=CALLBACK_TIMEOUT)
            answers.append(f"HTTP {response.status_code} {response.text[:200]}")
        except requests.RequestException as error:
            logger.warning("Simulated payment callback to %s failed: %s", payment.notify_url, error)
            answers.append(f"no answer: {error}")
    SimulatedPayment.objects.filter(pk=payment.pk).update(
        callback_log="\n".join(filter(None, [payment.callback_log, *answers])))


@never_cache
def held_payments(request):
    """The bank's side: payments it has yet to confirm; confirming one sends no callback (a lost callback), so
    the partner learns of it only by asking (query)."""
    if request.method == "POST":
        with transaction.atomic():
            payment = get_object_or_404(SimulatedPayment.objects.select_for_update(),
                                        transaction_id=request.POST.get("transaction_id"), held=True)
            _mark_paid(payment)
            payment.save()
        return HttpResponseRedirect(reverse("simulators:payment_held"))
    return render(request, "simulators/payment_held.html",
                  {"payments": SimulatedPayment.objects.filter(held=True).order_by("created_at")})


@csrf_exempt
@require_POST
def query(request):
    message, refused = _read(request, LOOKUP)
    if refused:
        return refused
    payment = SimulatedPayment.objects.filter(partner_code=message["partner_code"],
                                              reference=message.get("reference")).first()
    if payment is None:
        return JsonResponse({"error_code": NOT_FOUND, "message": "No such transaction."}, status=404)
    return JsonResponse({"error_code": OK, "message": "OK", **_signed(_result(payment), RESULT)})


@csrf_exempt
@require_POST
def receipt(request):
    """The electronic receipt (biên lai điện tử) of a paid transaction, as a PDF."""
    message, refused = _read(request, LOOKUP)
    if refused:
        return refused
    payment = SimulatedPayment.objects.filter(partner_code=message["partner_code"],
                                              reference=message.get("reference"), status=Status.PAID).first()
    if payment is None:
        return JsonResponse({"error_code": NOT_FOUND, "message": "No paid transaction."}, status=404)
    bank = dict(BANKS).get(payment.bank_code, payment.bank_code)
    html = render_to_string("simulators/payment_receipt.html", {"payment": payment, "bank": bank})
    return HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")


urlpatterns = [
    path("init/", init, name="payment_init"),
    path("query/", query, name="payment_query"),
    path("receipt/", receipt, name="payment_receipt"),
    path("giao-dich/<str:transaction_id>/", payment_page, name="payment_page"),
    path("cho-xac-nhan/", held_payments, name="payment_held"),
]
