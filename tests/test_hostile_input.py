"""Inputs a tester typed by hand that once gave a server error: each is now a clear 4xx (problem+json on the API,
a form error or a 400 page elsewhere), and free text is bounded the same way however it arrives."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procedures.models import FormField
from procedures.services import publish_procedure_version
from tests.api.conftest import Integrator, filing
from tests.factories import FormFieldFactory
from tests.office import open_for_online_filing, with_fees
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.payments import services as payments

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def integrator(django_user_model, office):
    open_for_online_filing(office)
    return Integrator(django_user_model, "dvcqg", roles=[(office.desk, "receiving_officer")])


def _problem(response, status=400):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    return response.json()


# NUL characters, anywhere


def test_a_nul_in_a_public_path_is_a_400_not_a_server_error(client):
    assert client.get("/thu-tuc/%00/").status_code == 400


@pytest.mark.parametrize("query", ["state=%00", "q=%00", "queue=a%00b", "procedure__id__exact=1%00"])
def test_a_nul_in_an_admin_filter_is_a_400(admin_client_logged_in, query):
    assert admin_client_logged_in.get(f"/admin/workflows/dossier/?{query}").status_code == 400


def test_a_nul_in_a_posted_form_is_a_400(client, office):
    client.force_login(office.receiver)
    response = client.post(reverse("admin:workflows_dossier_file") + f"?procedure={office.procedure.code}",
                           {"applicant_name": "Phạm\x00Văn Đức"})
    assert response.status_code == 400
    assert not Dossier.objects.exists()


def test_a_nul_escaped_in_json_is_a_problem(integrator, office):
    body = filing(office)
    body["applicant"]["name"] = "Nguyễn\x00Lan"
    problem = _problem(integrator.api().post("/api/v1/dossiers/", body, format="json"))
    assert "NUL" in problem["detail"]


# Shapes and values the parsers and the database refuse


def test_a_body_nested_fifty_thousand_deep_is_a_problem(integrator):
    body = "[" * 50_000 + "]" * 50_000
    response = integrator.api().post("/api/v1/dossiers/", body, content_type="application/json")
    assert _problem(response)["status"] == 400


def test_an_email_longer_than_its_column_is_a_field_error_through_the_api(integrator, office):
    body = filing(office)
    body["applicant"]["email"] = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".vn"  # 310 characters
    problem = _problem(integrator.api().post("/api/v1/dossiers/", body, format="json"))
    assert "email" in problem["errors"]["applicant"]
    assert not Dossier.objects.exists()


def test_an_email_longer_than_its_column_is_a_form_error_at_the_counter(client, office):
    client.force_login(office.receiver)
    response = client.post(reverse("admin:workflows_dossier_file") + f"?procedure={office.procedure.code}", {
        "applicant_name": "Phạm Văn Đức", "applicant_identity_number": "038090004321",
        "applicant_email": "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".vn", "result_delivery": "at_desk",
        "decision": "receive"})
    assert response.status_code == 200
    assert "applicant_email" in response.context["form"].errors
    assert not Dossier.objects.exists()


def test_the_filing_service_refuses_an_applicant_detail_longer_than_its_column(integrator, office):
    applicant = {"name": "Nguyễn Thị Lan", "identity_number": "038195001234", "email": "x" * 250 + "@ex.vn"}
    with pytest.raises(ValidationError) as refused:
        services.file_dossier(procedure=office.procedure, acting_user=integrator.account, applicant=applicant,
                              form_data={}, receiving_agency=office.desk, integrated=True)
    assert "applicant_email" in refused.value.message_dict
    assert not Dossier.objects.exists()


@pytest.mark.parametrize("answer, error", [(20261124, "ngay_khoi_cong"), (["2026-11-24"], "ngay_khoi_cong"),
                                           ({"ngay": 24}, "ngay_khoi_cong")])
def test_a_number_list_or_object_where_a_date_goes_is_a_field_error(integrator, office, answer, error):
    FormFieldFactory(procedure=office.procedure, order=4, name="ngay_khoi_cong", label="Ngày khởi công",
                     kind=FormField.Kind.DATE)
    publish_procedure_version(procedure=office.procedure)
    body = filing(office)
    body["form"]["ngay_khoi_cong"] = answer
    problem = _problem(integrator.api().post("/api/v1/dossiers/", body, format="json"))
    assert error in problem["errors"]["form"]
    assert not Dossier.objects.exists()


def test_a_number_answers_a_number_field_as_its_text(integrator, office):
    body = filing(office)
    body["form"]["dien_tich"] = 120.5
    assert integrator.api().post("/api/v1/dossiers/", body, format="json").status_code == 201
    assert Dossier.objects.get().form_data["dien_tich"] == "120.5"


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_filter_beyond_the_calendar_is_a_field_error(integrator, moment):
    response = integrator.api().get("/api/v1/dossiers/", {"submitted_after": moment})
    assert "submitted_after" in _problem(response)["errors"]


@pytest.mark.parametrize("query", ["first=9999-12-31", "first=9999-12-31&last=9999-12-31",
                                   "first=0001-01-01&last=0001-01-02", "period=9999-12"])
def test_indicator_dates_beyond_the_calendar_are_a_form_error(admin_client_logged_in, query):
    response = admin_client_logged_in.get(f"/admin/indicators/?{query}")
    assert response.status_code == 400
    assert response.context["form"].errors


def test_indicator_dates_beyond_the_calendar_are_a_problem_through_the_api(integrator):
    response = integrator.api().get("/api/v1/indicators/", {"first": "9999-12-31", "last": "9999-12-31"})
    assert _problem(response)["errors"]


# Money


def with_the_largest_obligation(office):
    """A walk-in dossier at the specialist, owing the largest financial obligation one notice may ask for."""
    dossier = services.file_dossier(procedure=office.procedure, acting_user=office.receiver, form_data={},
                                    applicant={"name": "Lê Văn Tám", "identity_number": "038090004321"})
    dossier = services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver, assignee=office.specialist)
    return services.notify_financial_obligation(dossier=dossier, acting_user=office.specialist,
                                                   amount=services.MAX_OBLIGATION, reason="Tiền sử dụng đất")


def test_a_second_obligation_past_two_billion_is_kept_and_shown(office):
    with_fees(office, amount=0)
    dossier = with_the_largest_obligation(office)
    for _ in range(2):
        payments.record_payment(dossier=dossier, acting_user=office.receiver, amount=services.MAX_OBLIGATION // 2,
                                method="desk", reference=f"BL-{_}")
    dossier.refresh_from_db()
    dossier = services.notify_financial_obligation(dossier=dossier, acting_user=office.specialist,
                                                   amount=services.MAX_OBLIGATION, reason="Thuế bổ sung")

    dossier.refresh_from_db()
    assert dossier.fees_due == 2 * services.MAX_OBLIGATION
    assert dossier.fees_outstanding == services.MAX_OBLIGATION


def test_an_obligation_that_would_pass_the_dossiers_ceiling_is_refused(office, monkeypatch):
    dossier = services.file_dossier(procedure=office.procedure, acting_user=office.receiver, form_data={},
                                    applicant={"name": "Lê Văn Tám", "identity_number": "038090004321"})
    dossier = services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver, assignee=office.specialist)
    Dossier.objects.filter(pk=dossier.pk).update(fees_due=services.MAX_DOSSIER_FEES - 10)
    dossier.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.notify_financial_obligation(dossier=dossier, acting_user=office.specialist, amount=11,
                                             reason="Thuế")
    assert "amount" in refused.value.message_dict


# Free text: the forms' limits, in the services


def test_a_withdrawal_reason_of_megabytes_is_refused_through_the_api(integrator, office, client):
    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    services.receive_dossier(dossier=Dossier.objects.get(code=code), acting_user=office.receiver)
    client.force_login(office.citizen)
    response = client.post(f"/api/v1/dossiers/{code}/withdraw/",
                           json.dumps({"version": Dossier.objects.get(code=code).version,
                                       "reason": "Không còn nhu cầu. " * 250_000}),
                           content_type="application/json")
    assert "reason" in _problem(response)["errors"]
    assert Dossier.objects.get(code=code).state == Dossier.State.RECEIVED


@pytest.mark.parametrize("service, keyword", [("refuse_dossier", "reason"), ("add_note", "note"),
                                              ("receive_dossier", "note")])
def test_the_services_refuse_text_longer_than_the_forms_take(office, service, keyword):
    dossier = services.file_dossier(procedure=office.procedure, acting_user=office.receiver, form_data={},
                                    applicant={"name": "Lê Văn Tám", "identity_number": "038090004321"})
    with pytest.raises(ValidationError) as refused:
        getattr(services, service)(dossier=dossier, acting_user=office.receiver,
                                   **{keyword: "x" * (services.TEXT_MAX_LENGTH + 1)})
    assert refused.value.messages
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.SUBMITTED


def test_the_window_form_says_a_reason_is_too_long(client, office):
    dossier = services.file_dossier(procedure=office.procedure, acting_user=office.receiver, form_data={},
                                    applicant={"name": "Lê Văn Tám", "identity_number": "038090004321"})
    client.force_login(office.receiver)
    response = client.post(f"/admin/workflows/dossier/{dossier.pk}/act/refuse/", {
        "expected_version": dossier.version, "reason": "x" * (services.TEXT_MAX_LENGTH + 1), "confirmed": "on"})
    assert response.status_code in (200, 400)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.SUBMITTED


def test_a_single_payment_beyond_what_one_obligation_may_be_is_refused_not_a_server_error(office):
    with_fees(office, amount=services.MAX_OBLIGATION)
    dossier = with_the_largest_obligation(office)
    assert dossier.fees_outstanding == 2 * services.MAX_OBLIGATION

    with pytest.raises(ValidationError) as refused:
        payments.record_payment(dossier=dossier, acting_user=office.receiver, method="desk",
                                amount=services.MAX_OBLIGATION + 1, reference="BL-9")
    assert "amount" in refused.value.message_dict


@pytest.mark.parametrize("query, status", [("receives_dossiers=true", 200), ("receives_dossiers=-58800", 400),
                                           ("page_size=null", 400), ("page_size=", 200)])
def test_catalogue_filters_refuse_what_their_schema_refuses(integrator, query, status):
    response = integrator.api().get(f"/api/v1/agencies/?{query}")
    assert response.status_code == status, response.content[:300]


def test_a_malformed_if_match_is_a_bad_request_and_a_stale_one_a_failed_precondition(integrator, office):
    api = integrator.api()
    code = api.post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    malformed = api.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json", HTTP_IF_MATCH="abc")
    stale = api.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json", HTTP_IF_MATCH='"999"')
    assert (malformed.status_code, stale.status_code) == (400, 412)
