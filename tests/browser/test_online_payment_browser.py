"""A citizen pays their dossier's fees online through the simulated national payment platform, in a real browser:
a payment that goes through and its receipt, one that fails, a callback arriving twice, and one left pending until
the beat task reconciles it."""

import pytest
from playwright.sync_api import expect

from tests.browser.signin import sign_in_to_the_portal
from tests.office import with_fees
from tests.workflows.test_lifecycle import filed
from workflows.dossiers.models import Dossier
from workflows.payments import tasks
from workflows.payments.models import Payment, PaymentRequest

FEES = 250_000



@pytest.fixture
def dossier(live_server, transactional_db, office, settings, page):
    settings.PAYMENT_PLATFORM_URL = f"{live_server.url}/mo-phong/thanh-toan"
    dossier = filed(with_fees(office, FEES))
    sign_in_to_the_portal(page, live_server, office.citizen)
    return dossier


def to_the_platform(page, live_server, dossier):
    page.goto(f"{live_server.url}/ho-so/{dossier.pk}/")
    page.locator("#pay-online").click()
    page.wait_for_url("**/mo-phong/thanh-toan/giao-dich/**")
    expect(page.locator("#platform-amount")).to_contain_text(str(FEES))


def test_a_citizen_pays_online_and_downloads_the_electronic_receipt(live_server, dossier, page, screenshot):
    to_the_platform(page, live_server, dossier)
    page.locator("#bank-BIDV").check()
    screenshot(page, "payment-platform-page")

    page.locator("#pay").click()

    expect(page.locator("#payment-result")).to_have_attribute("data-status", "paid")
    screenshot(page, "payment-portal-paid")
    with page.expect_download() as download:
        page.locator("#download-receipt").click()
    with open(download.value.path(), "rb") as receipt:
        assert receipt.read(4) == b"%PDF"
    assert Dossier.objects.get(pk=dossier.pk).fees_outstanding == 0
    page.locator("#back-to-dossier").click()
    expect(page.locator("#online-payments li[data-status=paid] .receipt-link")).to_be_visible()
    expect(page.locator("#pay-online")).to_have_count(0)


def test_a_failed_payment_records_nothing_and_may_be_tried_again(live_server, dossier, page, screenshot):
    to_the_platform(page, live_server, dossier)

    page.locator("#fail").click()

    expect(page.locator("#payment-result")).to_have_attribute("data-status", "failed")
    screenshot(page, "payment-portal-failed")
    assert not Payment.objects.exists()
    page.locator("#pay-again").click()
    page.wait_for_url("**/mo-phong/thanh-toan/giao-dich/**")
    page.locator("#pay").click()
    expect(page.locator("#payment-result")).to_have_attribute("data-status", "paid")


def test_a_callback_arriving_twice_records_the_payment_once(live_server, dossier, page):
    to_the_platform(page, live_server, dossier)
    page.locator("#twice").check()

    page.locator("#pay").click()

    expect(page.locator("#payment-result")).to_have_attribute("data-status", "paid")
    assert Payment.objects.filter(dossier=dossier).count() == 1
    assert Dossier.objects.get(pk=dossier.pk).fees_paid == FEES


def test_a_pending_payment_is_reconciled_by_the_beat_task(live_server, dossier, page, screenshot):
    to_the_platform(page, live_server, dossier)
    page.locator("#hold").check()
    page.locator("#pay").click()
    expect(page.locator("#payment-result")).to_have_attribute("data-status", "pending")
    screenshot(page, "payment-portal-pending")
    reference = PaymentRequest.objects.get(dossier=dossier).reference

    # The bank confirms at the platform, which sends no callback: only asking it tells OneStop.
    page.goto(f"{live_server.url}/mo-phong/thanh-toan/cho-xac-nhan/")
    page.locator(f"#confirm-{reference}").click()
    page.goto(f"{live_server.url}/ho-so/{dossier.pk}/")
    expect(page.locator(f"#online-payments li[data-reference={reference}]")).to_have_attribute("data-status",
                                                                                               "pending")
    tasks.reconcile_online_payments()

    page.reload()
    expect(page.locator(f"#online-payments li[data-reference={reference}]")).to_have_attribute("data-status", "paid")
    expect(page.locator("#online-payments .receipt-link")).to_be_visible()
    screenshot(page, "payment-portal-reconciled")
    assert Dossier.objects.get(pk=dossier.pk).fees_outstanding == 0
