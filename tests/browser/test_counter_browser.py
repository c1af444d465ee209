"""A receiving officer files a walk-in at the counter of a ward, on the demo catalogue, at a desk screen and on a
phone: the page fits, the procedure is found by typing, a returning applicant by their identity number."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from procedures.models import Agency
from procedures.selectors import communes
from tests.browser.signin import sign_in_to_the_window
from tests.factories import enrol_totp
from workflows.dossiers.models import Dossier, StaffMembership

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh: its form asks for the requester's details, then the child's
WARD_DESK = "000.01.41.H56"  # Trung tâm Phục vụ hành chính công phường Hạc Thành

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def counter(seeded_catalogue):
    users = get_user_model()
    officer = users.objects.create_user("motcua", "motcua@example.vn", "x", is_staff=True)
    StaffMembership.objects.create(user=officer, agency=Agency.objects.get(code=WARD_DESK),
                                   role="receiving_officer")
    # A mother who has an account (she once filed online): the counter finds her by her identity number.
    users.objects.create_user("me", "hoa.le@example.vn", "x", full_name="Lê Thị Hoa",
                              identity_number="038195007777", phone="0911222333",
                              address="12 Trần Phú, phường Hạc Thành", date_of_birth=datetime.date(1995, 4, 30))
    return officer


def sign_in(page, live_server, user):
    enrol_totp(user)
    sign_in_to_the_window(page, live_server, user.username)


def test_a_walk_in_birth_registration_is_filed_at_a_desk_screen(live_server, counter, page, screenshot):
    sign_in(page, live_server, counter)
    page.goto(f"{live_server.url}/admin/workflows/dossier/file/")
    assert page.evaluate(NO_OVERFLOW)

    # "Chọn" with nothing chosen says so.
    page.locator("#choose-procedure button").click()
    assert "Hãy chọn thủ tục trong danh sách" in page.locator("#choose-procedure").inner_text()

    # Typed without accents, the list keeps the matching procedures and picks the first.
    page.fill("#procedure-filter", "dang ky khai sinh")
    assert page.input_value("#procedure") == BIRTH
    assert "Số thủ tục hiển thị: 3" in page.locator("#procedure-count").inner_text()
    screenshot(page, "counter-picker-1280")
    page.locator("#choose-procedure button").click()
    page.locator("#walk-in").wait_for()

    # A returning applicant: her identity number fills in what the desk knows of her.
    page.fill("#id_applicant_identity_number", "038195007777")
    page.locator("#find-applicant").click()
    expect(page.locator("#id_applicant_name")).not_to_have_value("")
    assert page.input_value("#id_applicant_name") == "Lê Thị Hoa"
    assert page.input_value("#id_applicant_phone") == "0911222333"
    assert "Đã tìm thấy" in page.locator("#applicant-lookup").inner_text()
    # Her name is asked once: the application form asks only for the child's.
    assert page.locator("#id_form-nguoi_yeu_cau_ho_ten").count() == 0

    ward = communes().get(name="Phường Hạc Thành")
    page.select_option("#id_commune", str(ward.pk))
    page.select_option("#id_form-quan_he", "Mẹ")
    page.fill("#id_form-ho_ten", "Nguyễn Minh Khôi")
    page.select_option("#id_form-gioi_tinh", "Nam")
    page.fill("#id_form-ngay_sinh", "2026-11-20")
    for name, value in [("noi_sinh", "Bệnh viện Đa khoa tỉnh Thanh Hóa"), ("dan_toc", "Kinh"),
                        ("quoc_tich", "Việt Nam"), ("que_quan", "Phường Hạc Thành, Thanh Hóa")]:
        page.fill(f"#id_form-{name}", value)
    page.check("#id_form-cam_doan")
    page.check("#id_paper_documents_0")
    assert page.evaluate(NO_OVERFLOW)
    screenshot(page, "counter-form-1280")

    # The button is disabled as soon as the form is on its way, so a second click sends nothing.
    page.evaluate("""() => document.querySelector('#walk-in').addEventListener('submit', () => setTimeout(() =>
        sessionStorage.setItem('disabled', document.querySelector('#walk-in input[type=submit]').disabled), 0))""")
    page.locator("#walk-in input[type=submit]").click()
    page.locator("#dossier-state").wait_for()
    assert page.evaluate("sessionStorage.getItem('disabled')") == "true"

    dossier = Dossier.objects.get()
    assert (dossier.state, dossier.channel, dossier.applicant_name) == ("received", "counter", "Lê Thị Hoa")
    assert dossier.form_data["nguoi_yeu_cau_ho_ten"] == "Lê Thị Hoa"
    assert dossier.form_data["nguoi_yeu_cau_noi_cu_tru"] == "12 Trần Phú, phường Hạc Thành"
    assert dossier.form_data["ho_ten"] == "Nguyễn Minh Khôi"
    screenshot(page, "counter-filed-1280")

    # Back to the form and sent again: the same dossier is shown, no second one is filed.
    page.go_back()
    page.locator("#walk-in input[type=submit]").click()
    page.locator("#dossier-state").wait_for()
    assert Dossier.objects.count() == 1
    assert dossier.code in page.locator(".messagelist").inner_text()


def test_the_counter_form_fits_a_phone(live_server, counter, browser, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, counter)
        page.goto(f"{live_server.url}/admin/workflows/dossier/file/")
        assert page.evaluate(NO_OVERFLOW)
        page.fill("#procedure-filter", "khai sinh")
        screenshot(page, "counter-picker-390")
        page.goto(f"{live_server.url}/admin/workflows/dossier/file/?procedure={BIRTH}")
        page.fill("#id_applicant_identity_number", "038195007777")
        page.locator("#find-applicant").click()
        expect(page.locator("#id_applicant_name")).not_to_have_value("")
        assert page.evaluate(NO_OVERFLOW), page.evaluate("document.documentElement.scrollWidth")
        screenshot(page, "counter-form-390")
    finally:
        context.close()
