"""The three national systems in one citizen's journey, in a real browser against their simulators: signed in with
VNeID, the citizen files, pays the fees online (the platform's callback arriving twice), downloads the electronic
receipt, and the national portal ends up holding the dossier with every state it went through, in order, paid
online and filed after a VNeID sign-in."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_national_signin_browser import (
    LEVEL_2_PERSON,
    file_the_construction_permit,
    sign_in_with_vneid_as,
)
from tests.office import open_for_online_filing, pdf, with_fees
from tests.workflows.test_national_portal_sync import relay_and_send
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.integrations.simulators.models import PortalDossier
from workflows.payments.models import Payment

FEES = 150_000


@pytest.fixture
def province(office, settings, live_server):
    settings.ONESTOP_SITE_URL = live_server.url
    settings.PAYMENT_PLATFORM_URL = f"{live_server.url}/mo-phong/thanh-toan"
    settings.NATIONAL_PORTAL_URL = f"{live_server.url}/mo-phong/cong-dvc/"
    settings.NATIONAL_PORTAL_PASSWORD = "mat-khau-dong-bo"
    open_for_online_filing(office)
    return with_fees(office, FEES)


def test_signed_in_with_vneid_a_citizen_files_pays_online_and_the_portal_holds_every_state(
        live_server, transactional_db, province, page, screenshot, tmp_path):
    office = province
    page.goto(f"{live_server.url}/thu-tuc/{office.procedure.code}/")
    page.locator("#file-online").click()
    page.locator("#start-filing").click()
    page.wait_for_url("**/tai-khoan/login/**")
    sign_in_with_vneid_as(page, LEVEL_2_PERSON)

    page.wait_for_url(f"**/thu-tuc/{office.procedure.code}/nop-ho-so/")
    file_the_construction_permit(page, office, LEVEL_2_PERSON, tmp_path)
    dossier = Dossier.objects.get(applicant__identity_number=LEVEL_2_PERSON.claims["so_dinh_danh"])

    # The fees, online, right after filing; the platform calls back twice.
    page.locator("#pay-online").click()
    page.wait_for_url("**/mo-phong/thanh-toan/giao-dich/**")
    page.locator("#twice").check()
    page.locator("#pay").click()
    expect(page.locator("#payment-result")).to_have_attribute("data-status", "paid")
    with page.expect_download() as download:
        page.locator("#download-receipt").click()
    with open(download.value.path(), "rb") as receipt:
        assert receipt.read(4) == b"%PDF"
    assert list(Payment.objects.filter(dossier=dossier).values_list("method", "amount")) == [("online", FEES)]
    screenshot(page, "national-journey-paid")

    # The agency settles it; the workers relay every change to the portal.
    dossier = services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    for officer in (office.receiver, office.specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    dossier = services.approve_dossier(dossier=dossier, acting_user=office.leader, result_file=pdf("giay-phep.pdf"))
    services.return_result(dossier=dossier, acting_user=office.result_desk)
    relay_and_send()

    page.goto(f"{live_server.url}/mo-phong/cong-dvc/")
    row = page.locator(f'#portal-dossiers tr[data-code="{dossier.code}"]')
    assert row.get_attribute("data-statuses") == "1,2,4,4,4,9,10"
    screenshot(page, "national-journey-portal")
    held = PortalDossier.objects.get(code=dossier.code).record
    assert held["ThanhToanTrucTuyen"] is True and held["DangNhapVNeID"] is True and held["MucDoXacThucVNeID"] == 2
