import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API keeps an event loop running in the test thread for as long as the browser is open, and the
# ORM calls tests make in that thread are synchronous. Child processes started by tests do not inherit this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# One browser per module: Playwright keeps an event loop running in the thread while it is open, and a view that
# calls async_to_sync (the health check) refuses to run beside it in a later test of the same worker.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("ONESTOP_REQUIRE_BROWSER"):
            pytest.fail("Chromium is missing: ./scripts/test installs it (apt-get install chromium).")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# True when the page does not run sideways: everything on it is reachable without scrolling across.
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _mobile_page(browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=True, has_touch=True,
                                  locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def phone(browser):
    context, page = _mobile_page(browser, 360, 740)
    yield page
    context.close()


@pytest.fixture
def narrow(browser):
    """A 390 px phone, the width the portal and the window are checked at."""
    context, page = _mobile_page(browser, 390, 844)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name):
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    return take


@pytest.fixture
def seeded_catalogue(transactional_db):
    call_command("load_catalogue", stdout=StringIO())
