"""A citizen finds a procedure on a phone; a catalogue editor corrects one in the admin."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.test import override_settings

from procedures.models import Procedure
from seeds.demo import DEMO_TOTP_SECRET
from tests.browser.signin import sign_in_to_the_window


def test_citizen_finds_birth_registration_without_accents_on_a_phone(live_server, seeded_catalogue, phone,
                                                                      screenshot):
    phone.goto(live_server.url)
    phone.get_by_label("Tìm thủ tục").fill("khai sinh")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/?q=khai+sinh*")
    result = phone.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True)
    screenshot(phone, "catalogue-search-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    result.focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/thu-tuc/1.001193/")
    assert phone.get_by_role("heading", level=1).inner_text() == "Thủ tục đăng ký khai sinh"
    assert phone.locator("#time-limit").inner_text().startswith("Trong ngày làm việc (tiếp nhận sau 15:00")
    assert phone.locator("#expected-appointment").inner_text().startswith("Dự kiến trả kết quả lúc 17:00")
    assert phone.locator("#documents tbody tr").count() >= 1
    assert phone.locator("#steps li").count() >= 2
    assert phone.get_by_role("heading", name="Phí, lệ phí").is_visible()
    assert phone.locator("#fees li").count() >= 1
    screenshot(phone, "procedure-page-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_visitor_switches_the_portal_to_english(live_server, seeded_catalogue, page, screenshot):
    page.goto(f"{live_server.url}/thu-tuc/1.001193/")
    page.select_option("#language", "en")
    page.get_by_role("button", name="Chuyển").click()
    page.get_by_role("heading", name="Documents to submit").wait_for()
    assert "working day" in page.locator("#time-limit").inner_text()
    screenshot(page, "procedure-page-english")


def test_editor_cannot_save_steps_that_do_not_add_up_then_fixes_them(live_server, seeded_catalogue, page,
                                                                      screenshot):
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=StringIO())
    procedure = Procedure.objects.get(code="1.001193")
    first_share = procedure.steps.get(order=1).share

    sign_in_to_the_window(page, live_server, "bientap", "onestop-catalogue", DEMO_TOTP_SECRET)
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/procedures/procedure/{procedure.pk}/change/")
    page.fill("#id_steps-0-share", str(first_share + 1))
    page.locator("input[name=_save]").click()
    error = page.locator(".errornote, .errorlist.nonform").first
    error.wait_for()
    screenshot(page, "admin-steps-mismatch")
    assert page.locator(".errorlist.nonform").inner_text()
    procedure.refresh_from_db()
    assert procedure.steps.get(order=1).share == first_share

    page.fill("#id_time_limit", str(procedure.time_limit + 1))
    page.locator("input[name=_save]").click()
    page.locator(".messagelist .success").wait_for()
    procedure.refresh_from_db()
    assert procedure.time_limit == Decimal(procedure.versions.order_by("-number").first().snapshot["time_limit"])
    assert procedure.versions.count() == 2
