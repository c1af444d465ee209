"""The pages people see when something is missing, forbidden or broken look like the site and say what to do; the
browser's favicon request and the API's docs need nothing from outside."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path

from onestop import views


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("a failure the code did not foresee")


urlpatterns = [
    path("khong-duoc-phep/", forbidden),
    path("hong/", broken),
    path("", include("onestop.urls")),
]
handler500 = views.server_error

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_sites_own_404_saying_where_to_go(client):
    response = client.get("/khong-co-trang-nay/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Không tìm thấy trang</h1>" in page
    assert "Hãy kiểm tra địa chỉ đã gõ" in page
    assert 'href="/"' in page and 'href="/tra-cuu/"' in page
    assert "onestop/site.css" in page  # the site's layout, not Django's bare page


@pytest.mark.urls(__name__)
def test_a_forbidden_page_says_to_sign_in_with_an_account_that_may(client):
    response = client.get("/khong-duoc-phep/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "Quý vị không được mở trang này" in page
    assert "/tai-khoan/login/?next=/khong-duoc-phep/" in page


@pytest.mark.urls(__name__)
def test_a_failure_is_the_sites_own_500_saying_what_to_do():
    response = Client(raise_request_exception=False).get("/hong/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Đã xảy ra lỗi</h1>" in page
    assert "liên hệ Bộ phận Một cửa" in page
    assert "onestop/site.css" in page
    assert "RuntimeError" not in page


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_pages_name_the_favicon(client):
    assert 'rel="icon"' in client.get("/").content.decode()


def test_redoc_loads_nothing_from_other_sites(client):
    response = client.get("/api/redoc/")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r"(?:src|href)=\"(https?:)?//", page) == []
    assert "fonts.googleapis.com" not in page and "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in page


def test_a_request_no_page_accepts_is_the_sites_own_400(client):
    response = client.get("/thu-tuc/%00/")

    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Không đọc được yêu cầu</h1>" in page
    assert "onestop/site.css" in page
