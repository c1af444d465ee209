"""Site-wide pieces in a real browser: a form posts once however often it is pressed, the error pages look like
the site on a desk and on a phone, and the API docs load nothing from other sites."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NO_SIDEWAYS_SCROLL, SCREENSHOTS


def test_a_sign_in_form_posts_once_however_often_it_is_pressed(live_server, transactional_db, django_user_model,
                                                                page, screenshot):
    django_user_model.objects.create_user("hoa", "hoa@example.vn", "Thanh-Hoa-2026!", full_name="Lê Thị Hoa")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(f"{live_server.url}/tai-khoan/login/")
    page.fill("#id_login", "hoa@example.vn")
    page.fill("#id_password", "Thanh-Hoa-2026!")
    # The answer goes to a frame, so the page stays as it is while the person presses again.
    page.evaluate("""() => {
        const sink = document.createElement("iframe");
        sink.name = "sink";
        document.body.append(sink);
        document.querySelector("main form").target = "sink";
    }""")
    button = page.locator("main form button[type=submit]").first

    button.click()
    expect(button).to_be_disabled()
    button.click(force=True)
    page.wait_for_timeout(500)
    screenshot(page, "site-submit-disabled-1280")

    assert button.is_disabled()
    assert len(posts) == 1


@pytest.mark.parametrize("size", ["page", "narrow"])
def test_the_error_pages_look_like_the_site(live_server, transactional_db, request, screenshot, size):
    browser_page = request.getfixturevalue(size)
    browser_page.goto(f"{live_server.url}/khong-co-trang-nay/")

    assert browser_page.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
    assert browser_page.get_by_role("link", name="Tìm thủ tục").is_visible()
    assert browser_page.locator(".site-header").is_visible()
    assert browser_page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(browser_page, f"site-404-{'1280' if size == 'page' else '390'}")


@pytest.mark.urls("tests.test_error_pages")
@pytest.mark.parametrize("size", ["page", "narrow"])
def test_the_failure_page_looks_like_the_site(live_server, transactional_db, request, screenshot, size):
    browser_page = request.getfixturevalue(size)
    browser_page.goto(f"{live_server.url}/hong/")

    assert browser_page.get_by_role("heading", level=1).inner_text() == "Đã xảy ra lỗi"
    assert browser_page.get_by_role("link", name="Về trang dịch vụ công").is_visible()
    assert browser_page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(browser_page, f"site-500-{'1280' if size == 'page' else '390'}")


def test_redoc_fetches_nothing_from_other_sites(live_server, transactional_db, page):
    fetched, blocked = set(), []
    # Redoc's bundle asks for its maker's logo; the page's policy must stop it before it leaves the browser.
    page.on("response", lambda response: fetched.add(urlsplit(response.url).netloc)
            if response.url.startswith("http") else None)
    page.on("requestfailed", lambda request: blocked.append((urlsplit(request.url).netloc, request.failure)))

    page.goto(f"{live_server.url}/api/redoc/")
    page.get_by_text("OneStop API").first.wait_for()
    page.get_by_text("/api/v1/dossiers/").first.wait_for()
    page.screenshot(path=SCREENSHOTS / "site-redoc-1280.png")  # the viewport: the whole document is very long

    assert fetched == {urlsplit(live_server.url).netloc}
    assert all(failure == "csp" for _host, failure in blocked), blocked
