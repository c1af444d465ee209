"""A citizen's whole path on a phone: sign up, file a dossier online, answer a supplement request, get the result,
rate the service; and anyone's public lookup by code."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import NO_SIDEWAYS_SCROLL
from tests.browser.signin import sign_in_to_the_portal
from tests.office import PDF
from tests.workflows.test_lifecycle import received
from workflows.dossiers import services
from workflows.dossiers.models import Dossier


def sign_up_and_verify(page, live_server, screenshot):
    page.goto(f"{live_server.url}/tai-khoan/signup/")
    page.fill("#id_full_name", "Lê Thị Hoa")
    page.fill("#id_identity_number", "038195006789")
    page.fill("#id_email", "hoa@example.vn")
    page.fill("#id_password1", "Thanh-Hoa-2026!")
    page.fill("#id_password2", "Thanh-Hoa-2026!")
    screenshot(page, "portal-signup-phone")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/signup/" not in url)
    link = re.search(r"https?://\S+/tai-khoan/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/confirm-email/" not in url)


def test_a_citizen_files_online_follows_the_dossier_and_rates_the_service(live_server, transactional_db, office,
                                                                          phone, browser, screenshot, tmp_path):
    from tests.office import open_for_online_filing

    open_for_online_filing(office)
    sign_up_and_verify(phone, live_server, screenshot)

    # Search without accents, open the procedure, start filing.
    phone.goto(live_server.url)
    phone.fill("#id_q", "giay phep xay dung")
    phone.keyboard.press("Enter")
    phone.get_by_role("link", name="Cấp giấy phép xây dựng").click()
    phone.locator("#file-online").click()
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url("**/sua/")

    # Bad input first: a CCCD one digit short and an area of zero.
    phone.fill("#id_dia_chi_cong_trinh", "Số 12 đường Trần Phú, phường Hạc Thành")
    phone.fill("#id_dien_tich", "0")
    phone.fill("#id_so_dinh_danh_chu_dau_tu", "03819500678")
    phone.locator("button[value=save]").click()
    phone.locator("#id_so_dinh_danh_chu_dau_tu_errors").wait_for()
    assert "12" in phone.locator("#id_so_dinh_danh_chu_dau_tu_errors").inner_text()
    assert phone.locator("#id_dien_tich_errors").is_visible()
    assert phone.input_value("#id_dia_chi_cong_trinh") == "Số 12 đường Trần Phú, phường Hạc Thành"
    screenshot(phone, "portal-form-errors-phone")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)

    # Fix it, attach the drawing, save a draft, then submit.
    drawing = tmp_path / "ban-ve.pdf"
    drawing.write_bytes(PDF)
    phone.fill("#id_dien_tich", "96.5")
    phone.fill("#id_so_dinh_danh_chu_dau_tu", "038195006789")
    phone.set_input_files("#id_document_2", str(drawing))
    phone.locator("button[value=save]").click()
    phone.locator(".message-success").wait_for()
    assert phone.locator("#document-2 .attached").inner_text().strip().endswith("KB)") or \
        "ban-ve.pdf" in phone.locator("#document-2").inner_text()
    phone.select_option("#id_receiving_agency", str(office.desk.pk))
    phone.locator("button[value=submit]").click()
    phone.wait_for_url("**/kiem-tra/")  # check your answers, then file
    phone.locator("#file-dossier").click()
    phone.wait_for_url("**/da-nop/")
    dossier = Dossier.objects.get(applicant__email="hoa@example.vn")
    assert phone.locator("#dossier-code").inner_text() == dossier.code
    phone.locator("#open-dossier").click()
    phone.wait_for_url(re.compile(r".*/ho-so/\d+/$"))
    assert phone.locator("#dossier-code").inner_text() == dossier.code
    screenshot(phone, "portal-submitted-phone")

    # The desk receives it; the specialist asks for a supplement.
    dossier = services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)
    services.request_supplement(dossier=dossier, acting_user=office.specialist,
                                missing="Bản vẽ mặt cắt công trình có chữ ký của chủ đầu tư")
    phone.reload()
    assert "Bản vẽ mặt cắt công trình" in phone.locator("#reason").inner_text()
    screenshot(phone, "portal-supplement-requested-phone")
    phone.locator("#answer-request").click()
    phone.set_input_files("#id_item_1", str(drawing))
    phone.locator("#send-supplement").click()
    phone.wait_for_url(re.compile(r".*/ho-so/\d+/$"))
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING

    # The agency settles it; the citizen downloads the result and rates the service.
    for officer in (office.specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    from tests.office import pdf

    services.approve_dossier(dossier=dossier, acting_user=office.leader, result_file=pdf("giay-phep.pdf"))
    phone.reload()
    assert phone.locator("#inbox-link .count").inner_text() == "3"
    phone.locator("#inbox-link").click()
    phone.wait_for_url("**/thong-bao/")
    expect(phone.locator("#inbox li")).to_have_count(3)
    assert dossier.code in phone.locator("#inbox li").first.inner_text()
    screenshot(phone, "portal-inbox-phone")
    phone.locator("#inbox li a").first.click()
    with phone.expect_download() as download:
        phone.locator(f"a[href$='/ho-so/{dossier.pk}/ket-qua/']").click()
    assert download.value.suggested_filename.endswith(".pdf")
    phone.locator("label[for=id_score_0]").click()
    phone.fill("#id_comment", "Cán bộ hướng dẫn tận tình")
    phone.locator("form[action$='/danh-gia/'] button").click()
    phone.locator("#rating").wait_for()
    timeline = phone.locator("#timeline").inner_text()
    screenshot(phone, "portal-result-rated-phone")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    dossier.refresh_from_db()
    assert dossier.rating.score == 5
    assert timeline.count("\n") >= 6

    # Anyone with the code and the phone or identity digits sees the status, and nothing else.
    anonymous = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN").new_page()
    anonymous.goto(f"{live_server.url}/tra-cuu/")
    # With the keyboard alone: the skip link first, then straight into the form.
    anonymous.keyboard.press("Tab")
    assert anonymous.evaluate("document.activeElement.className") == "skip-link"
    anonymous.keyboard.press("Enter")
    anonymous.keyboard.press("Tab")
    assert anonymous.evaluate("document.activeElement.id") == "id_code"
    anonymous.keyboard.type(dossier.code)
    anonymous.keyboard.press("Tab")
    anonymous.keyboard.type("6789")
    anonymous.keyboard.press("Enter")
    anonymous.locator("#lookup-result").wait_for()
    assert dossier.get_state_display() in anonymous.locator("#lookup-result").inner_text()
    assert "Lê Thị Hoa" not in anonymous.content()
    screenshot(anonymous, "portal-lookup-phone")


def test_on_a_phone_each_of_my_dossiers_opens_from_its_code(live_server, transactional_db, office, phone,
                                                            screenshot):
    dossier = received(office)
    sign_in_to_the_portal(phone, live_server, office.citizen)
    phone.goto(f"{live_server.url}/ho-so/")
    code = phone.get_by_role("link", name=dossier.code)
    screenshot(phone, "my-dossiers-phone")
    assert code.is_visible() and phone.evaluate(NO_SIDEWAYS_SCROLL)
    code.click()
    phone.wait_for_url(f"**/ho-so/{dossier.pk}/")
    assert phone.locator("h1").inner_text() == "Cấp giấy phép xây dựng"
