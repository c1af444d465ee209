"""A new staff member's first day on a real server: the admin's login form, the password confirmed, an authenticator
app enrolled from its QR code and key, recovery codes shown, the window opened; the next sign-in asks for the app's
code."""

from tests.browser.signin import fresh_code, sign_in_to_the_window
from workflows.dossiers.models import StaffMembership


def test_a_new_staff_member_enrols_an_authenticator_app_then_signs_in_with_its_code(
        live_server, transactional_db, office, django_user_model, page, screenshot):
    newcomer = django_user_model.objects.create_user("moi", "moi@example.vn", "x", is_staff=True,
                                                     full_name="Vũ Thị Hạnh")
    StaffMembership.objects.create(user=newcomer, agency=office.desk, role="receiving_officer")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Tên đăng nhập").fill("moi")
    page.get_by_label("Mật khẩu").fill("x")
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    # The window stays shut: first the password again, then the enrolment.
    page.wait_for_url("**/reauthenticate/**")
    page.locator("#id_password").fill("x")
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/2fa/totp/activate/")
    assert page.locator("img[src^='data:image/svg+xml']").is_visible()
    secret = page.locator("#authenticator_secret").input_value()
    assert len(secret) == 32
    screenshot(page, "staff-mfa-enrol")

    page.locator("#id_code").fill(fresh_code("moi", secret))
    page.locator("#id_code").press("Enter")
    page.wait_for_url("**/2fa/recovery-codes/")
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    screenshot(page, "staff-mfa-recovery-codes")
    page.locator("#continue-to-window").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.get_by_role("heading", name="Tiếp nhận").count() or page.locator("#content").is_visible()

    # The next day: the password, then the app's code.
    sign_in_to_the_window(page, live_server, "moi", "x", secret)
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/workflows/dossier/?queue=to_receive")
    assert page.locator("#changelist").is_visible()
