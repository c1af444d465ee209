"""Paying online through the national payment platform, against its simulator reached through the test client:
the platform's callbacks are verified and applied once, a mismatch is refused and flagged, the browser's return
never marks anything paid, a pending payment is reconciled by the beat task, and receipts are the applicant's."""

import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.office import with_fees
from tests.workflows.test_lifecycle import filed, received
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.integrations.simulators.models import SimulatedPayment
from workflows.payments import online, platform, tasks
from workflows.payments.models import Payment, PaymentRequest

pytestmark = pytest.mark.django_db

FEES = 150_000


class Routed:
    """A test client's response, as the adapter and the simulator read a `requests` one."""

    def __init__(self, response):
        self.status_code, self.content = response.status_code, response.content
        self.headers = dict(response.items())
        self.text = self.content.decode(errors="replace")

    def json(self):
        return json.loads(self.content)


@pytest.fixture
def wire(monkeypatch, settings):
    """OneStop's adapter and the simulator talk over HTTP; here, through a client of their own, in-process."""
    settings.PAYMENT_PLATFORM_URL = "http://testserver/mo-phong/thanh-toan"
    other_side = Client()
    calls = []

    def post(url, timeout=None, **body):
        assert timeout, "every call to another system has a timeout"
        calls.append(url)
        return Routed(other_side.post(urlsplit(url).path, data=json.dumps(body["json"]),
                                      content_type="application/json"))

    monkeypatch.setattr(requests, "post", post)
    return calls


@pytest.fixture
def fees(office):
    return with_fees(office, FEES)


@pytest.fixture
def citizen(client, fees):
    client.force_login(fees.citizen)
    return client


def start(client, dossier):
    """The citizen's "pay online" button; returns the simulator's page they are sent to."""
    response = client.post(reverse("payments:start", args=[dossier.pk]))
    assert response.status_code == 302, response
    return urlsplit(response["Location"]).path


def finish(client, page, outcome="pay", **options):
    """The citizen's choice on the platform's page; returns the portal page the platform sends them back to."""
    response = client.post(page, {"outcome": outcome, "bank": "VCB", **dict.fromkeys(options, "on")})
    assert response.status_code == 302
    return urlsplit(response["Location"]).path


def test_the_checksum_is_sha256_over_the_fields_in_order_and_the_shared_secret(settings):
    settings.PAYMENT_PLATFORM_SECRET = "s3cret"
    message = {"partner_code": "ONESTOP", "reference": "OS1"}

    expected = hashlib.sha256(b"ONESTOP|OS1|s3cret").hexdigest()
    assert platform.checksum(message, platform.LOOKUP_FIELDS) == expected
    platform.verify({**message, "checksum": expected.upper()}, platform.LOOKUP_FIELDS)
    for tampered in ({**message, "reference": "OS2", "checksum": expected}, {**message, "checksum": "0" * 64},
                     message):
        with pytest.raises(platform.BadMessage):
            platform.verify(tampered, platform.LOOKUP_FIELDS)


def test_a_citizen_pays_online_the_callback_twice_records_it_once_and_the_receipt_is_kept(wire, fees, citizen):
    dossier = filed(fees)
    page = start(citizen, dossier)
    request = PaymentRequest.objects.get(dossier=dossier)
    assert (request.status, request.amount, request.purpose) == ("pending", FEES, "filing")

    back = finish(citizen, page, twice=True)

    assert back == reverse("payments:return", args=[request.reference])
    transaction = SimulatedPayment.objects.get(reference=request.reference)
    assert transaction.callback_log.count('"error_code": "00"') == 2
    request.refresh_from_db()
    assert request.status == "paid" and request.transaction_id == transaction.transaction_id
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.amount, payment.method, payment.reference, payment.recorded_by) == (
        FEES, "online", transaction.transaction_id, None)
    dossier.refresh_from_db()
    assert (dossier.fees_paid, dossier.fees_outstanding) == (FEES, 0)
    recorded = dossier.audit_entries.get(action="record_payment")
    assert recorded.actor_role == "payment_platform" and recorded.data["amount"] == FEES

    # The browser comes back: the page reads what was recorded and fetches the receipt.
    response = citizen.get(back)
    assert b'data-status="paid"' in response.content and b'id="download-receipt"' in response.content
    receipt = citizen.get(reverse("payments:receipt", args=[request.reference]))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt.streaming_content).startswith(b"%PDF")
    request.refresh_from_db()
    assert request.receipt_number == transaction.receipt_number != ""
    # Nothing more is due: the dossier page offers no payment.
    assert b'id="pay-online"' not in citizen.get(reverse("citizens:detail", args=[dossier.pk])).content


def test_a_failed_payment_records_nothing_and_the_citizen_may_try_again(wire, fees, citizen):
    dossier = filed(fees)
    first = start(citizen, dossier)

    back = finish(citizen, first, outcome="fail")

    request = PaymentRequest.objects.get(dossier=dossier)
    assert request.status == "failed" and not Payment.objects.exists()
    assert dossier.audit_entries.filter(action="online_payment_failed").count() == 1
    response = citizen.get(back)
    assert b'data-status="failed"' in response.content and b'id="pay-again"' in response.content
    second = start(citizen, dossier)
    assert second != first and dossier.payment_requests.count() == 2


def test_one_payment_waits_at_a_time(wire, fees, citizen):
    dossier = filed(fees)

    assert start(citizen, dossier) == start(citizen, dossier)
    assert dossier.payment_requests.count() == 1 and len([url for url in wire if url.endswith("/init/")]) == 1


def test_an_amount_the_platform_reports_otherwise_is_refused_and_flagged_for_staff(wire, fees, citizen, client):
    dossier = filed(fees)

    finish(citizen, start(citizen, dossier), other_amount=True)

    request = PaymentRequest.objects.get(dossier=dossier)
    transaction = SimulatedPayment.objects.get(reference=request.reference)
    assert "HTTP 409" in transaction.callback_log and '"error_code": "03"' in transaction.callback_log
    assert (request.status, request.reported_amount) == ("mismatch", FEES + 1000)
    assert not Payment.objects.exists() and Dossier.objects.get(pk=dossier.pk).fees_paid == 0
    flag = dossier.audit_entries.get(action="online_payment_flagged")
    assert flag.data["reported_amount"] == FEES + 1000
    # The receiving desk sees the flag on the dossier's page in the window.
    staff = Client()
    staff.force_login(fees.receiver)
    page = staff.get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))
    assert f'id="payment-flagged-{request.reference}"'.encode() in page.content
    flagged = staff.get(reverse("admin:payments_paymentrequest_changelist") + "?flagged=yes")
    assert request.reference.encode() in flagged.content
    shown = staff.get(reverse("admin:payments_paymentrequest_change", args=[request.pk]))
    assert shown.status_code == 200 and str(FEES + 1000).encode() in shown.content


def test_a_callback_paid_after_the_desk_took_the_fees_is_refused_and_flagged(wire, fees, citizen):
    dossier = filed(fees)
    page = start(citizen, dossier)
    Dossier.objects.filter(pk=dossier.pk).update(fees_paid=FEES)  # paid at the desk meanwhile

    finish(citizen, page)

    request = PaymentRequest.objects.get(dossier=dossier)
    assert request.status == "mismatch" and request.reported_amount == FEES
    assert not Payment.objects.exists()


def test_a_callback_with_a_bad_signature_is_refused_with_a_4xx_json_answer(wire, fees, citizen, client):
    dossier = filed(fees)
    page = start(citizen, dossier)
    request = PaymentRequest.objects.get(dossier=dossier)

    back = finish(citizen, page, bad_signature=True)

    transaction = SimulatedPayment.objects.get(reference=request.reference)
    assert "HTTP 403" in transaction.callback_log and '"error_code": "01"' in transaction.callback_log
    request.refresh_from_db()
    assert request.status == "pending" and not Payment.objects.exists()
    # The money did move: the platform's answer to our own signed query is believed, on the browser's return.
    assert b'data-status="paid"' in citizen.get(back).content
    assert Payment.objects.get().amount == FEES

    notify = reverse("payments:notify")
    for body, status, code in [("not json", 400, "04"), ("[]", 400, "04"),
                               (json.dumps({"partner_code": "ONESTOP", "reference": request.reference,
                                            "status": "00", "amount": FEES, "checksum": "00"}), 403, "01")]:
        answer = Client().post(notify, data=body, content_type="application/json")
        assert (answer.status_code, answer.json()["error_code"]) == (status, code)
    unknown = platform.signed({"partner_code": "ONESTOP", "reference": "OS-NEVER", "transaction_id": "X",
                               "amount": FEES, "status": "00", "bank_code": "", "paid_at": "",
                               "receipt_number": ""}, platform.RESULT_FIELDS)
    answer = Client().post(notify, data=json.dumps(unknown), content_type="application/json")
    assert (answer.status_code, answer.json()["error_code"]) == (404, "02")
    assert Payment.objects.count() == 1


def test_the_return_page_never_marks_paid_from_what_the_browser_says(wire, fees, citizen):
    dossier = filed(fees)
    back = finish(citizen, start(citizen, dossier), hold=True)

    response = citizen.get(back + "?status=00&amount=150000&checksum=whatever")

    assert b'data-status="pending"' in response.content
    assert PaymentRequest.objects.get(dossier=dossier).status == "pending" and not Payment.objects.exists()


def test_a_pending_payment_is_reconciled_by_the_beat_task_once_the_bank_confirms(wire, fees, citizen):
    dossier = filed(fees)
    finish(citizen, start(citizen, dossier), hold=True)
    request = PaymentRequest.objects.get(dossier=dossier)
    tasks.reconcile_online_payments()
    assert PaymentRequest.objects.get(pk=request.pk).status == "pending"

    transaction = SimulatedPayment.objects.get(reference=request.reference)
    Client().post(reverse("simulators:payment_held"), {"transaction_id": transaction.transaction_id})
    assert tasks.reconcile_online_payments() == 1

    request.refresh_from_db()
    assert request.status == "paid" and request.receipt and request.receipt_number
    assert Dossier.objects.get(pk=dossier.pk).fees_paid == FEES
    assert tasks.reconcile_online_payments() == 0 and Payment.objects.count() == 1


def test_a_payment_the_platform_never_settles_is_abandoned_after_the_age_limit(wire, fees, citizen, settings):
    dossier = filed(fees)
    finish(citizen, start(citizen, dossier), hold=True)
    settings.PAYMENT_PLATFORM_URL = "http://127.0.0.1:9/unreachable"

    online.reconcile(now=timezone.now() + timedelta(minutes=settings.PAYMENT_PENDING_MAX_MINUTES - 1))
    assert PaymentRequest.objects.get(dossier=dossier).status == "pending"
    online.reconcile(now=timezone.now() + timedelta(minutes=settings.PAYMENT_PENDING_MAX_MINUTES + 1))

    request = PaymentRequest.objects.get(dossier=dossier)
    assert request.status == "abandoned" and request.problem == "expired"


def test_a_citizen_cannot_pay_for_someone_elses_dossier(wire, fees, client):
    dossier = filed(fees)
    client.force_login(fees.other_citizen)

    assert client.post(reverse("payments:start", args=[dossier.pk])).status_code == 404
    with pytest.raises(online.NotPermitted):
        online.start_payment(dossier=dossier, acting_user=fees.other_citizen, site_url="http://testserver/")
    assert not PaymentRequest.objects.exists()


def test_a_dossier_that_owes_nothing_offers_no_online_payment(wire, office, client):
    dossier = filed(office)
    client.force_login(office.citizen)

    assert b'id="pay-online"' not in client.get(reverse("citizens:detail", args=[dossier.pk])).content
    response = client.post(reverse("payments:start", args=[dossier.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("citizens:detail", args=[dossier.pk])
    assert not PaymentRequest.objects.exists()


def test_a_platform_that_does_not_answer_charges_nothing_and_says_so(fees, citizen, settings):
    settings.PAYMENT_PLATFORM_URL = "http://127.0.0.1:9/unreachable"
    dossier = filed(fees)

    response = citizen.post(reverse("payments:start", args=[dossier.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("citizens:detail", args=[dossier.pk])
    assert PaymentRequest.objects.get(dossier=dossier).status == "failed"


def test_the_receipt_is_the_applicants_and_the_staff_who_may_see_the_dossier(wire, fees, citizen, office):
    dossier = filed(fees)
    finish(citizen, start(citizen, dossier))
    request = PaymentRequest.objects.get(dossier=dossier)
    assert online.fetch_receipt(request)
    own = reverse("payments:receipt", args=[request.reference])
    in_window = reverse("admin:payments_paymentrequest_receipt", args=[request.pk])

    assert citizen.get(own).status_code == 200
    other = Client()
    other.force_login(fees.other_citizen)
    assert other.get(own).status_code == 404
    desk = Client()
    desk.force_login(fees.receiver)
    assert desk.get(in_window).status_code == 200
    outsider = Client()
    outsider.force_login(fees.other_receiver)  # a branch desk the dossier was not filed at
    assert outsider.get(in_window).status_code == 404


def test_a_financial_obligation_paid_online_starts_the_clock_again(wire, office, client):
    dossier = services.hand_over(dossier=received(office), acting_user=office.receiver)
    dossier = services.notify_financial_obligation(dossier=dossier, acting_user=office.specialist, amount=2_500_000,
                                                   reason="Tiền sử dụng đất theo thông báo thuế")
    client.force_login(office.citizen)
    detail = client.get(reverse("citizens:detail", args=[dossier.pk])).content
    assert b'id="pay-online"' in detail

    finish(client, start(client, dossier))

    request = PaymentRequest.objects.get(dossier=dossier)
    assert (request.purpose, request.amount, request.status) == ("obligation", 2_500_000, "paid")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING and dossier.fees_outstanding == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_callback_arriving_twice_at_once_records_one_payment(office):
    dossier = filed(with_fees(office, FEES))
    request = PaymentRequest.objects.create(reference="OS-AT-ONCE", dossier=dossier, amount=FEES, purpose="filing",
                                            transaction_id="TX1")
    message = platform.signed({"partner_code": "ONESTOP", "reference": request.reference, "transaction_id": "TX1",
                               "amount": FEES, "status": "00", "bank_code": "VCB", "paid_at": "",
                               "receipt_number": "BL-1"}, platform.RESULT_FIELDS)
    start = threading.Barrier(2)

    def deliver(_):
        try:
            start.wait()
            return online.handle_notification(message)[1]
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(deliver, range(2)))

    assert answers == ["00", "00"]
    assert Payment.objects.filter(dossier=dossier).count() == 1
    assert Dossier.objects.get(pk=dossier.pk).fees_paid == FEES
    assert dossier.audit_entries.filter(action="record_payment").count() == 1
