"""Every page carries a Content-Security-Policy that runs only OneStop's own script files: an injected <script> or
event handler would not run. And no page of ours needs an inline script."""

import re

import pytest
from django.test import Client
from django.urls import include, path, reverse

from onestop import views
from tests.citizens.test_my_dossiers import received

# A <script> that the browser would run although it has no src: the JSON data blocks allauth uses do not run.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)


def broken(request):
    raise RuntimeError("a failure the code did not foresee")


urlpatterns = [path("hong/", broken), path("", include("onestop.urls"))]
handler500 = views.server_error


def policy(response):
    header = response.get("Content-Security-Policy", "")
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_strict(response):
    directives = policy(response)
    assert directives["script-src"] == ["'self'"], directives  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["base-uri"] == ["'self'"]
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


@pytest.mark.parametrize("url", ["/", "/tra-cuu/", "/tai-khoan/login/", "/tai-khoan/signup/", "/admin/login/",
                                 "/api/docs/", "/api/redoc/", "/khong-co-trang-nay/"])
def test_public_pages_allow_only_onestops_own_scripts(client, db, url):
    response = client.get(url, follow=True)

    assert response.status_code in (200, 404), url
    assert_strict(response)


def test_the_citizens_filing_pages_and_the_window_carry_the_policy(client, portal):
    dossier = received(portal)
    client.force_login(portal.citizen)
    for url in (f"/thu-tuc/{portal.procedure.code}/", reverse("citizens:start", args=[portal.procedure.code]),
                reverse("citizens:dossiers"), reverse("citizens:detail", args=[dossier.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)

    client.force_login(portal.receiver)
    for url in ("/admin/", "/admin/workflows/dossier/", f"/admin/workflows/dossier/{dossier.pk}/change/",
                "/admin/workflows/dossier/file/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_swagger_ui_starts_from_a_script_file_not_an_inline_one(client, db):
    page = client.get("/api/docs/").content.decode()
    start = re.findall(r'<script src="([^"]*script=[^"]*)"', page)

    assert len(start) == 1
    script = client.get(start[0].replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/?lang\\u003Den"' in script.content.decode()  # the schema in English


def test_redoc_starts_from_a_script_file_with_its_settings_in_the_page(client, db):
    page = client.get("/api/redoc/").content.decode()

    assert 'src="/static/api/redoc-init.js"' in page
    assert 'data-schema-url="/api/schema/?lang=en"' in page and "fontFamily" in page


@pytest.mark.urls(__name__)
def test_the_error_page_carries_the_policy(db):
    response = Client(raise_request_exception=False).get("/hong/")

    assert response.status_code == 500
    assert_strict(response)
