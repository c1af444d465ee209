"""The procedure whose name is what was typed comes first, in the portal and in the API (PostgreSQL trigrams)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"


@pytest.fixture
def births():
    # Codes chosen so that ordering by code alone would put the exact match second.
    ProcedureFactory(code="1.000689", name="Thủ tục đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con")
    ProcedureFactory(code=BIRTH, name="Thủ tục đăng ký khai sinh")
    ProcedureFactory(code="1.004884", name="Thủ tục đăng ký lại khai sinh")


@pytest.mark.parametrize("words", ["khai sinh", "dang ky khai sinh", "Thủ tục đăng ký khai sinh"])
def test_the_exact_name_comes_first_in_the_api(births, admin_user, words):
    api = APIClient()
    api.force_authenticate(admin_user)

    response = api.get("/api/v1/procedures/", {"q": words})

    assert response.status_code == 200
    codes = [procedure["code"] for procedure in response.json()["results"]]
    assert codes[0] == BIRTH and len(codes) >= 2


def test_the_api_pages_through_ranked_results_without_losing_any(births, admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)

    first = api.get("/api/v1/procedures/", {"q": "khai sinh", "page_size": 1}).json()
    codes = [procedure["code"] for procedure in first["results"]]
    following = first["next"]
    while following:
        page = api.get(following).json()
        codes += [procedure["code"] for procedure in page["results"]]
        following = page["next"]

    assert codes[0] == BIRTH and sorted(codes) == ["1.000689", BIRTH, "1.004884"]


@pytest.mark.parametrize("words", ["khai sinh", "đăng ký khai sinh"])
def test_the_exact_name_comes_first_in_the_portal(client, births, words):
    response = client.get(reverse("procedures:catalogue"), {"q": words})

    assert [procedure.code for procedure in response.context["page"]][0] == BIRTH
