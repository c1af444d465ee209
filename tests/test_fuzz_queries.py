"""The portal's and the admin's list and filter pages, given random and garbage query values for the parameters
their own links and forms use (and some they don't): never a server error. Hypothesis generates the values; the
API's parameters are fuzzed against its schema (tests/api/test_schemathesis.py)."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib import admin
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.office import open_for_online_filing
from workflows.dossiers import services

pytestmark = pytest.mark.django_db

PORTAL_PAGES = ["/", "/chi-so/", "/tra-cuu/", "/phan-anh-kien-nghi/", "/phan-anh-kien-nghi/tra-cuu/"]
CITIZEN_PAGES = ["/ho-so/", "/thong-bao/", "/phan-anh-kien-nghi/cua-toi/"]
STAFF_PAGES = ["/admin/", "/admin/indicators/", "/admin/workflows/dossier/book/", "/admin/workflows/dossier/file/"]
# Parameters every admin list reads, whether or not a link on the page names them.
ADMIN_PARAMETERS = ["q", "o", "p", "all", "e", "_facets", "_popup", "_to_field", "_changelist_filters"]
COMMON_PARAMETERS = ["page", "q", "period", "first", "last", "state", "queue", "procedure", "agency", "field"]

GARBAGE = st.sampled_from([
    "", " ", "-1", "0", "1e309", "NaN", "9" * 40, "9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30",
    "2026-Q5", "2026-13", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "[]", "{}", "'", '"', "%",
    "\\", "../../etc/passwd", "<script>", "đ" * 300, "x" * 5000, "\x00", "a\x00b", "\ud7ff", "☃", "1,2,3",
    "true", "None", "__all__", "-id", "id__gt",
])
VALUES = st.one_of(GARBAGE, st.text(max_size=40), st.integers().map(str), st.dates().map(str),
                   st.datetimes().map(lambda moment: moment.isoformat()))


@pytest.fixture
def province(office, django_user_model):
    """Something to filter: a dossier at each of a few stages, a citizen, and a superuser."""
    open_for_online_filing(office)
    applicant = {"name": "Lê Văn Tám", "identity_number": "038090004321"}
    for _ in range(3):
        services.file_dossier(procedure=office.procedure, acting_user=office.receiver, form_data={},
                              applicant=applicant)
    dossier = services.file_dossier(procedure=office.procedure, acting_user=office.receiver, form_data={},
                                    applicant=applicant)
    services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    office.superuser = django_user_model.objects.create_superuser("root", "root@example.vn", "x")
    return office


def parameter_names(client, path):
    """The query parameters the page's own links and GET forms use."""
    page = client.get(path)
    assert page.status_code < 500
    names = set()
    if page.status_code == 200 and "html" in page.get("Content-Type", ""):
        html = page.content.decode(errors="replace")
        for href in re.findall(r'href="([^"]*\?[^"]*)"', html):
            names.update(name for name, _value in parse_qsl(urlsplit(unescape(href)).query, keep_blank_values=True))
        names.update(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html))
    return sorted(names - {"csrfmiddlewaretoken"})


def fuzz(client, path, names):
    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(names), VALUES, min_size=1, max_size=4))
    def one_query(query):
        response = client.get(path, query)
        assert response.status_code < 500, (path, query)

    one_query()


@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_portal_pages_answer_any_query_without_a_server_error(client, province, path):
    fuzz(client, path, [*parameter_names(client, path), *COMMON_PARAMETERS])


@pytest.mark.parametrize("path", CITIZEN_PAGES)
def test_a_citizens_pages_answer_any_query_without_a_server_error(client, province, path):
    client.force_login(province.citizen)
    fuzz(client, path, [*parameter_names(client, path), *COMMON_PARAMETERS])


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_answer_any_query_without_a_server_error(client, province, path):
    client.force_login(province.superuser)
    fuzz(client, path, [*parameter_names(client, path), *COMMON_PARAMETERS, "procedure", "q"])


def changelists():
    return sorted(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
                  for model in admin.site._registry)


@pytest.mark.parametrize("path", changelists())
def test_every_admin_list_answers_any_filter_without_a_server_error(client, province, path):
    client.force_login(province.superuser)
    fuzz(client, path, [*parameter_names(client, path), *ADMIN_PARAMETERS])


def test_the_desk_officers_queue_answers_any_filter_without_a_server_error(client, province):
    """A receiving officer's changelist has filters of their own (queues, steps) a superuser's lacks."""
    client.force_login(province.receiver)
    path = reverse("admin:workflows_dossier_changelist")
    fuzz(client, path, [*parameter_names(client, path), *ADMIN_PARAMETERS])
