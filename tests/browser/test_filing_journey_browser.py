"""The citizen's filing journey in a browser, on a desktop and on a phone: the start page, every problem at once
with a summary that takes the focus, check your answers with its change links, the confirmation and the answers
on the dossier's page."""

import re

import pytest

from procedures.models import FormField
from procedures.services import publish_procedure_version
from tests.browser.conftest import NO_SIDEWAYS_SCROLL
from tests.browser.signin import sign_in_to_the_portal
from tests.factories import FormFieldFactory
from tests.office import PDF, open_for_online_filing
from workflows.dossiers.models import Dossier


@pytest.mark.parametrize("screen", ["page", "narrow"])
def test_a_citizen_files_from_the_start_page_to_the_confirmation(live_server, transactional_db, office, screen,
                                                                 request, screenshot, tmp_path):
    browser_page = request.getfixturevalue(screen)
    width = "desktop" if screen == "page" else "phone"
    open_for_online_filing(office)
    FormFieldFactory(procedure=office.procedure, order=4, name="dien_thoai", label="Số điện thoại liên hệ",
                     kind=FormField.Kind.PHONE)
    FormFieldFactory(procedure=office.procedure, order=5, name="cam_doan", kind=FormField.Kind.CHECKBOX,
                     label="Tôi xin cam đoan làm theo đúng giấy phép được cấp")
    publish_procedure_version(procedure=office.procedure)
    office.citizen.phone_verified = True  # else signing in asks to verify the phone first
    office.citizen.save()
    sign_in_to_the_portal(browser_page, live_server, office.citizen)

    # The procedure's page leads to its start page: what is needed, how long, what it costs, how the result comes.
    browser_page.goto(f"{live_server.url}/thu-tuc/{office.procedure.code}/")
    browser_page.locator("#file-online").click()
    browser_page.locator("#start-documents").wait_for()
    assert "Bản vẽ thiết kế xây dựng" in browser_page.locator("#start-documents").inner_text()
    assert browser_page.locator("#start-time-limit").is_visible() and browser_page.locator("#start-fees").is_visible()
    screenshot(browser_page, f"filing-start-{width}")
    assert browser_page.evaluate(NO_SIDEWAYS_SCROLL)
    browser_page.locator("#start-filing").click()
    browser_page.wait_for_url("**/sua/")

    # The account's phone is already in the form.
    assert browser_page.input_value("#id_dien_thoai") == "0912345678"

    # Continue with nothing filled: every problem at once, the summary first and focused, each at its field.
    browser_page.fill("#id_so_dinh_danh_chu_dau_tu", "03819500678")
    browser_page.locator("button[value=submit]").click()
    summary = browser_page.locator("#error-summary")
    summary.wait_for()
    assert browser_page.evaluate("document.activeElement.id") == "error-summary"
    links = summary.locator("a")
    assert [links.nth(index).get_attribute("href") for index in range(links.count())] == [
        "#id_dia_chi_cong_trinh", "#id_dien_tich", "#id_so_dinh_danh_chu_dau_tu", "#id_cam_doan", "#id_document_2",
        "#id_receiving_agency"]
    assert browser_page.locator("#id_document_2_errors, #document_2_errors").inner_text() == "Hãy đính kèm giấy tờ này."
    assert browser_page.locator("#id_receiving_agency_errors").is_visible()
    screenshot(browser_page, f"filing-errors-{width}")
    assert browser_page.evaluate(NO_SIDEWAYS_SCROLL)
    summary.get_by_role("link", name=re.compile("Bản vẽ thiết kế xây dựng")).click()
    assert browser_page.url.endswith("#id_document_2")
    assert browser_page.locator("#id_document_2").is_visible()

    # Put everything right and continue to the check-your-answers page.
    drawing = tmp_path / "ban-ve.pdf"
    drawing.write_bytes(PDF)
    browser_page.fill("#id_dia_chi_cong_trinh", "Số 12 đường Trần Phú, phường Hạc Thành")
    browser_page.fill("#id_dien_tich", "96.5")
    browser_page.fill("#id_so_dinh_danh_chu_dau_tu", "038195001234")
    browser_page.check("#id_cam_doan")
    browser_page.set_input_files("#id_document_2", str(drawing))
    browser_page.select_option("#id_receiving_agency", str(office.desk.pk))
    browser_page.locator("button[value=submit]").click()
    browser_page.wait_for_url("**/kiem-tra/")
    answers = browser_page.locator("#answers").inner_text()
    assert "96,5" in answers and "Tôi xin cam đoan làm theo đúng giấy phép được cấp" in answers
    assert "ban-ve.pdf" in browser_page.locator("#review-documents").inner_text()
    assert browser_page.locator("#review-desk").inner_text() == office.desk.name
    screenshot(browser_page, f"filing-review-{width}")
    assert browser_page.evaluate(NO_SIDEWAYS_SCROLL)

    # Change one answer from there and come back.
    browser_page.locator("#answers a[href$='#id_dien_tich']").click()
    browser_page.wait_for_url("**/sua/#id_dien_tich")
    assert browser_page.input_value("#id_receiving_agency") == str(office.desk.pk)  # the desk chosen is kept
    browser_page.fill("#id_dien_tich", "98")
    browser_page.locator("button[value=submit]").click()
    browser_page.wait_for_url("**/kiem-tra/")
    assert "98" in browser_page.locator("#answers").inner_text()

    # File it: the confirmation gives the code, large, and what happens next.
    browser_page.locator("#file-dossier").click()
    browser_page.wait_for_url("**/da-nop/")
    dossier = Dossier.objects.get(applicant=office.citizen)
    assert dossier.state == Dossier.State.SUBMITTED
    assert browser_page.locator("#dossier-code").inner_text() == dossier.code
    # Larger than the text around it, and on one line even on a phone.
    assert browser_page.locator("#dossier-code").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize) > 1.1 * parseFloat(getComputedStyle(document.body).fontSize)"
        " && e.getClientRects().length === 1 && e.offsetHeight < 2 * parseFloat(getComputedStyle(e).lineHeight)")
    assert office.desk.name in browser_page.locator("#next-steps").inner_text()
    screenshot(browser_page, f"filing-confirmation-{width}")
    assert browser_page.evaluate(NO_SIDEWAYS_SCROLL)

    # The dossier's page keeps the answers readable.
    browser_page.locator("#open-dossier").click()
    browser_page.wait_for_url(f"**/ho-so/{dossier.pk}/")
    answers = browser_page.locator("#answers").inner_text()
    assert "Tôi xin cam đoan làm theo đúng giấy phép được cấp" in answers and "True" not in answers
    screenshot(browser_page, f"filing-dossier-{width}")
    assert browser_page.evaluate(NO_SIDEWAYS_SCROLL)


def test_sign_up_shows_every_problem_at_once_with_a_summary(live_server, transactional_db, narrow, screenshot):
    narrow.goto(f"{live_server.url}/tai-khoan/signup/")
    narrow.fill("#id_full_name", "Lê Thị Hoa")
    narrow.fill("#id_identity_number", "03819500678")
    narrow.fill("#id_password1", "Thanh-Hoa-2026!")
    narrow.fill("#id_password2", "Thanh-Hoa-2026?")
    narrow.locator("main form button[type=submit]").click()
    summary = narrow.locator("#error-summary")
    summary.wait_for()
    assert narrow.evaluate("document.activeElement.id") == "error-summary"
    text = summary.inner_text()
    assert "email hoặc số điện thoại" in text and "CCCD" in text
    assert narrow.locator("#id_password2_errors").is_visible()
    screenshot(narrow, "signup-errors-phone")
    assert narrow.evaluate(NO_SIDEWAYS_SCROLL)
