"""In a real browser, under the site's Content-Security-Policy, the main pages work and nothing on them is refused:
no script of ours is inline, nothing is fetched from elsewhere."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import SCREENSHOTS
from tests.citizens.test_my_dossiers import received
from tests.office import open_for_online_filing

# Runs before the page's own scripts, so it hears every violation, including those of the first script.
LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push({directive: event.violatedDirective, blocked: event.blockedURI,
                               source: event.sourceFile, line: event.lineNumber});
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation it raises and every console message that reports one."""
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(LISTEN_FOR_VIOLATIONS)

    def violations():
        reported = page.evaluate("window.__cspViolations")
        logged = [text for text in console if "Content Security Policy" in text]
        return reported, logged

    page.violations = violations
    return page


def sign_in(page, live_server, user):
    """The user's session in the browser, as after a full sign-in (second factor included for staff)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def visit(page, url, ready, name):
    response = page.goto(url)
    assert response.ok, (url, response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(ready).first.wait_for()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOTS / f"csp-{name}-1280.png")
    assert page.violations() == ([], []), url


def test_the_portal_and_a_filing_raise_no_violation(live_server, transactional_db, office, watched):
    portal = open_for_online_filing(office)
    visit(watched, f"{live_server.url}/", "main", "home")
    visit(watched, f"{live_server.url}/thu-tuc/{portal.procedure.code}/", "main h1", "procedure")

    sign_in(watched, live_server, portal.citizen)
    start = reverse("citizens:start", args=[portal.procedure.code])
    visit(watched, f"{live_server.url}{start}", "#start-filing", "start-filing")
    with watched.expect_navigation():
        watched.locator("#start-filing").click()
    assert reverse("citizens:edit", args=[portal.citizen.dossiers.get().pk]) in watched.url
    watched.locator("main form").first.wait_for()
    watched.screenshot(path=SCREENSHOTS / "csp-filing-editor-1280.png")
    assert watched.violations() == ([], [])


def test_the_window_and_the_counter_raise_no_violation(live_server, transactional_db, office, watched):
    portal = open_for_online_filing(office)
    dossier = received(portal)
    sign_in(watched, live_server, portal.receiver)

    visit(watched, f"{live_server.url}/admin/workflows/dossier/{dossier.pk}/change/", "#dossier-state",
          "window-dossier")
    visit(watched, f"{live_server.url}/admin/workflows/dossier/file/", "#procedure-filter", "counter")
    # The counter's script runs: typing filters the list of procedures.
    watched.fill("#procedure-filter", "xay dung")
    assert watched.locator("#procedure-count").inner_text().strip()
    assert watched.violations() == ([], [])


def test_the_api_docs_render_under_the_policy(live_server, transactional_db, watched):
    visit(watched, f"{live_server.url}/api/docs/", ".opblock", "api-docs")

    assert watched.locator(".opblock").count() > 10  # Swagger UI started: its script is a file, not inline


def test_redoc_renders_and_only_its_makers_logo_is_refused(live_server, transactional_db, watched):
    watched.goto(f"{live_server.url}/api/redoc/")
    watched.get_by_text("/api/v1/dossiers/").first.wait_for()

    reported, _logged = watched.violations()
    # ReDoc's bundle asks for its maker's logo from their site: refusing that is the policy's job.
    assert all(violation["directive"] == "img-src" and urlsplit(violation["blocked"]).netloc
               != urlsplit(live_server.url).netloc for violation in reported), reported


def test_a_script_injected_into_a_page_does_not_run_and_is_reported(live_server, transactional_db, watched):
    watched.goto(f"{live_server.url}/")
    watched.evaluate("""() => {
        const injected = document.createElement("script");
        injected.textContent = "window.__injectedRan = true";
        document.body.appendChild(injected);
    }""")
    # Polled from here: the policy forbids the eval that Playwright's wait_for_function would run in the page.
    for _attempt in range(50):
        if watched.evaluate("window.__cspViolations.length"):
            break
        watched.wait_for_timeout(100)

    assert watched.evaluate("window.__injectedRan") is None
    reported, _logged = watched.violations()
    assert [violation["directive"] for violation in reported] == ["script-src-elem"]
