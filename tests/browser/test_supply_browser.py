"""A citizen answers the agency's request for a document that is none of the procedure's own, on a desktop and on
a phone: an empty answer is refused, and the answer sent says what went."""

import pytest

from tests.browser.conftest import NO_SIDEWAYS_SCROLL
from tests.browser.signin import sign_in_to_the_portal
from tests.citizens.test_my_dossiers import received
from tests.office import PDF, open_for_online_filing
from workflows.dossiers import services
from workflows.dossiers.models import Dossier

OUTSIDE = "Giấy xác nhận của UBND xã về nguồn gốc đất"


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_citizen_answers_a_request_for_a_document_outside_the_procedures_own(
        live_server, transactional_db, office, browser, screenshot, tmp_path, width, height):
    dossier = services.hand_over(dossier=received(open_for_online_filing(office)), acting_user=office.receiver)
    services.request_supplement(dossier=dossier, acting_user=office.specialist,
                                missing=f"- {OUTSIDE}\n- Bản vẽ thiết kế xây dựng có chữ ký của chủ đầu tư")
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                  is_mobile=width < 500, has_touch=width < 500)
    page = context.new_page()
    page.set_default_timeout(10_000)
    office.citizen.phone_verified = True  # else signing in asks for the phone's code first
    office.citizen.save(update_fields=["phone_verified"])
    sign_in_to_the_portal(page, live_server, office.citizen)
    name = f"supply-{width}"

    page.goto(f"{live_server.url}/ho-so/{dossier.pk}/")
    page.locator("#answer-request").click()
    page.wait_for_url("**/bo-sung/")
    labels = page.locator("#requested-items label").all_inner_texts()
    assert labels == [OUTSIDE, "Bản vẽ thiết kế xây dựng có chữ ký của chủ đầu tư"]
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, f"{name}-form")

    # Sending nothing is refused where the citizen looks first, and the clock stays stopped.
    page.fill("#id_note", "Tôi đã nộp đủ rồi")
    page.locator("#send-supplement").click()
    page.locator("#error-summary").wait_for()
    assert "Chưa có gì được bổ sung" in page.locator("#error-summary").inner_text()
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.PAUSED
    page.locator("#answers summary").click()  # the application form's answers, editable too
    page.locator("#id_form-dien_tich").wait_for()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, f"{name}-empty-refused")

    certificate = tmp_path / "xac-nhan.pdf"
    certificate.write_bytes(PDF)
    page.set_input_files("#id_item_1", str(certificate))
    page.locator("#send-supplement").click()
    page.wait_for_url(f"**/ho-so/{dossier.pk}/")
    assert f"Đã gửi bổ sung: {OUTSIDE}." in page.locator(".message-success").inner_text()
    assert OUTSIDE in page.locator("main").inner_text()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, f"{name}-sent")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    context.close()
