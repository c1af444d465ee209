"""Citizens sign in to the portal with their password; staff sign in in a real browser as a person does: the
admin's login form, then a code from their authenticator app (tests.factories.STAFF_TOTP_SECRET, or the demo's
key)."""

import time

from tests.factories import STAFF_TOTP_SECRET, totp_code

# allauth refuses a code already used by the same person (a replay): a second sign-in within the same 30 seconds
# waits for the app's next code, as a person would.
_LAST_CODE = {}


def fresh_code(username, secret):
    code = totp_code(secret)
    if _LAST_CODE.get(username) == code or time.time() % 30 > 28:
        time.sleep(30 - time.time() % 30 + 0.5)
        code = totp_code(secret)
    _LAST_CODE[username] = code
    return code


def sign_in_to_the_window(page, live_server, username, password="x", secret=STAFF_TOTP_SECRET):
    """Password, then the authenticator's code; ends on the page the sign-in was for (the window's home)."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.fill("#id_code", fresh_code(username, secret))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url and "/2fa/" not in url)


def sign_in_to_the_portal(page, live_server, user):
    """With the password "x" the factories give."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/tai-khoan/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", "x")
    page.locator("form:has(#id_login) button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
