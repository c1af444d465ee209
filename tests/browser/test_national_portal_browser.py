"""A dossier filed on the national public service portal (its simulator, in the browser) is taken in by OneStop,
settled through the single window, and the portal ends up holding every status it went through, in order."""

import json

from tests.browser.test_single_window_browser import open_from_queue, sign_in, take
from tests.office import PDF, open_for_online_filing
from tests.workflows.test_national_portal_sync import make_due, relay_and_send
from workflows.dossiers.models import Dossier
from workflows.integrations.models import NationalPortalSync
from workflows.integrations.national_portal import inbound
from workflows.integrations.simulators.models import PortalSwitch


def test_a_dossier_filed_on_the_national_portal_lives_in_the_window_and_the_portal_sees_every_state(
        live_server, transactional_db, office, page, screenshot, settings, tmp_path):
    settings.NATIONAL_PORTAL_URL = f"{live_server.url}/mo-phong/cong-dvc/"
    settings.NATIONAL_PORTAL_PASSWORD = "mat-khau-dong-bo"
    open_for_online_filing(office)
    portal_page = f"{live_server.url}/mo-phong/cong-dvc/"

    # A citizen files on the national portal, with both documents; OneStop's pull takes it in.
    page.goto(portal_page)
    page.fill("#id_procedure_code", office.procedure.code)
    page.fill("#id_name", "Lê Thị Hoa")
    page.fill("#id_identity_number", "038195009876")
    page.fill("#id_document_orders", "1,2")
    page.fill("#id_form_data", json.dumps({"dia_chi_cong_trinh": "7 Trần Phú", "dien_tich": "95",
                                           "so_dinh_danh_chu_dau_tu": "038195009876"}))
    page.locator("#portal-offer button").click()
    page.locator("#portal-offered tr[data-portal-id]").wait_for()
    [taken] = inbound.pull().taken
    dossier = Dossier.objects.get(pk=taken.pk)
    assert dossier.national_portal_id and dossier.documents.count() == 2

    # The portal is down for a while as the desk receives it: nothing is lost.
    page.locator("#mode-down").click()
    page.wait_for_selector('#national-portal[data-mode="down"]')
    sign_in(page, live_server, office.receiver)
    open_from_queue(page, live_server, "", dossier)
    take(page, "receive")
    relay_and_send()
    assert NationalPortalSync.objects.get(dossier=dossier).status == "retrying"
    PortalSwitch.objects.update(mode=PortalSwitch.Mode.UP)

    take(page, "hand_over", select=str(office.specialist.pk))
    for officer in (office.specialist, office.head):
        sign_in(page, live_server, officer)
        open_from_queue(page, live_server, "my_work" if officer == office.specialist else "my_agency", dossier)
        take(page, "hand_over")
    sign_in(page, live_server, office.leader)
    open_from_queue(page, live_server, "my_agency", dossier)
    result = tmp_path / "giay-phep.pdf"
    result.write_bytes(PDF)
    take(page, "approve", file=str(result))
    sign_in(page, live_server, office.result_desk)
    open_from_queue(page, live_server, "to_return", dossier)
    take(page, "return_result")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RETURNED

    # The backoff has passed: every change goes out, in order.
    make_due(dossier=dossier)
    relay_and_send()
    page.goto(portal_page)
    row = page.locator(f'#portal-dossiers tr[data-code="{dossier.code}"]')
    assert row.get_attribute("data-statuses") == "1,2,4,4,4,9,10"
    assert row.locator("li[data-status]").count() == 7
    assert page.locator(f'#portal-offered tr[data-portal-id="{dossier.national_portal_id}"] td').nth(3
                                                                                                 ).inner_text() != "—"
    screenshot(page, "national-portal-simulator")
