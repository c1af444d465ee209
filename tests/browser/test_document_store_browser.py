"""Once only, in a browser: a birth certificate OneStop issued is offered when its holder files a procedure that asks
for one, reused without an upload, shown to the receiving officer as reused and verified, and counted by the
digitisation indicators on the dashboard."""

from django.urls import reverse
from django.utils import timezone

from tests.browser.signin import sign_in_to_the_portal, sign_in_to_the_window
from tests.office import PDF
from tests.workflows.test_document_store import issued, issuing_and_asking
from workflows.dossiers import services
from workflows.dossiers.models import DocumentOrigin, Dossier
from workflows.store.models import StoreItem


def test_a_stored_birth_certificate_is_reused_without_upload_and_the_officer_sees_it_verified(
        live_server, transactional_db, office, page, screenshot, tmp_path):
    issuing_and_asking(office)
    origin = issued(office)
    certificate = StoreItem.objects.get(origin_dossier=origin)
    citizen = office.citizen
    citizen.phone, citizen.phone_verified = "0912345678", True
    citizen.save()

    # The citizen's store lists the certificate, verified, with the dossier it came from.
    sign_in_to_the_portal(page, live_server, citizen)
    page.goto(f"{live_server.url}{reverse('citizens:store')}")
    row = page.locator(f"#store-item-{certificate.pk}")
    assert row.get_attribute("data-verified") == "yes" and origin.code in row.inner_text()
    screenshot(page, "store-list")

    # Filing the correction of civil status: the certificate is offered, and chosen, instead of an upload.
    page.goto(f"{live_server.url}{reverse('citizens:start', args=[office.correction.code])}")
    page.locator("#start-filing").click()
    page.wait_for_url("**/sua/")
    offer = page.locator(f"#id_source_2_{certificate.pk}")
    assert offer.is_checked()
    assert origin.code in page.locator("#store-offers-2").inner_text()
    screenshot(page, "store-offered-at-filing")
    form = tmp_path / "to-khai.pdf"
    form.write_bytes(PDF)
    page.set_input_files("#id_document_1", str(form))
    page.select_option("#id_receiving_agency", str(office.desk.pk))
    page.locator("button[value=submit]").click()
    page.wait_for_url("**/kiem-tra/")
    assert page.locator("#review-documents [data-origin=store]").count() == 1
    screenshot(page, "store-reused-at-review")
    page.locator("#file-dossier").click()
    page.wait_for_url("**/da-nop/")

    dossier = Dossier.objects.get(procedure=office.correction)
    reused = dossier.documents.get(document_order=2)
    assert (reused.origin, reused.verified, reused.store_item_id) == (DocumentOrigin.STORE, True, certificate.pk)
    assert reused.sha256 == certificate.sha256

    # The receiving officer sees it reused from the store and verified, with the dossier that issued it.
    sign_in_to_the_window(page, live_server, office.receiver.username)
    page.goto(f"{live_server.url}{reverse('admin:workflows_dossier_change', args=[dossier.pk])}")
    shown = page.locator(f"#document-{reused.pk}")
    assert shown.get_attribute("data-origin") == "store" and shown.get_attribute("data-verified") == "yes"
    assert origin.code in shown.inner_text()
    assert shown.locator(".store-item-link").count() == 1
    screenshot(page, "store-reuse-in-the-window")
    services.receive_dossier(dossier=dossier, acting_user=office.receiver)

    # The dashboard's digitisation group counts the reuse: one dossier received, reusing; one of two documents.
    sign_in_to_the_window(page, live_server, office.leader.username)
    today = timezone.localdate()
    page.goto(f"{live_server.url}{reverse('indicators-dashboard')}?first={today}&last={today}"
              f"&procedure={office.correction.code}")
    reuse = page.locator("#scorecard tr[data-indicator=data_reused_rate]")
    replaced = page.locator("#scorecard tr[data-indicator=data_replaced_rate]")
    assert reuse.get_attribute("class") == "scored" and replaced.get_attribute("class") == "scored"
    assert "100" in reuse.locator(".rate").inner_text() and "50" in replaced.locator(".rate").inner_text()
    reuse.scroll_into_view_if_needed()
    screenshot(page, "store-digitisation-indicators")
