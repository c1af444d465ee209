"""Integrated systems file and carry dossiers through the API, under the same rules as the portal and the window."""

import base64

import pytest

from tests.api.conftest import Integrator, filing
from workflows.dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def test_an_integrated_system_files_for_a_citizen_who_then_sees_it_in_the_portal(integrator, office, client):
    response = integrator.api().post("/api/v1/dossiers/", filing(office), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    dossier = Dossier.objects.get(code=body["code"])
    assert (dossier.channel, dossier.state, dossier.applicant) == ("integrated", "submitted", office.citizen)
    assert dossier.documents.count() == 2 and dossier.form_data["dien_tich"] == "120.5"
    assert response["Location"].endswith(f"/api/v1/dossiers/{dossier.code}/")
    assert response["ETag"] == f'"{dossier.version}"'
    client.force_login(office.citizen)
    assert dossier.code in client.get("/ho-so/").content.decode()


def test_a_filing_with_a_bad_form_is_a_problem_with_each_fields_error(integrator, office):
    response = integrator.api().post("/api/v1/dossiers/", filing(office, form={"dien_tich": "-3"}), format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Yêu cầu không hợp lệ"
    assert {"dia_chi_cong_trinh", "dien_tich"} <= problem["errors"]["form"].keys()
    assert not Dossier.objects.exists()


def test_a_retried_filing_with_the_same_idempotency_key_files_once(integrator, office):
    api = integrator.api()
    first = api.post("/api/v1/dossiers/", filing(office), format="json", HTTP_IDEMPOTENCY_KEY="dvcqg-2026-000123")
    again = api.post("/api/v1/dossiers/", filing(office), format="json", HTTP_IDEMPOTENCY_KEY="dvcqg-2026-000123")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1

    different = api.post("/api/v1/dossiers/", filing(office, delivery_address="Khác"), format="json",
                         HTTP_IDEMPOTENCY_KEY="dvcqg-2026-000123")
    assert different.status_code == 422 and Dossier.objects.count() == 1


def test_a_transition_needs_the_version_the_caller_read(integrator, office):
    api = integrator.api()
    code = api.post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    etag = api.get(f"/api/v1/dossiers/{code}/")["ETag"]

    assert api.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json").status_code == 428
    assert api.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json", HTTP_IF_MATCH='"999"').status_code == 412
    assert api.post(f"/api/v1/dossiers/{code}/receive/", {"version": 1}, format="json").status_code == 409

    received = api.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json", HTTP_IF_MATCH=etag)
    assert received.status_code == 200, received.json()
    assert received.json()["state"] == "received" and received["ETag"] != etag
    # The same request again is stale now: no second receipt.
    assert api.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json", HTTP_IF_MATCH=etag).status_code == 412


def test_a_client_never_sees_another_agencys_dossiers(integrator, office, django_user_model):
    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    branch = Integrator(django_user_model, "bimson", roles=[(office.other_desk, "receiving_officer")]).api()

    assert branch.get(f"/api/v1/dossiers/{code}/").status_code == 404
    assert branch.get("/api/v1/dossiers/").json()["results"] == []
    assert branch.post(f"/api/v1/dossiers/{code}/receive/", {"version": 2}, format="json").status_code == 404


def test_each_scope_allows_its_calls_and_nothing_else(office, django_user_model):
    reader = Integrator(django_user_model, "reader", scopes=["catalogue:read"],
                        roles=[(office.desk, "receiving_officer")])

    assert reader.token("dossiers:file").status_code == 400  # a scope its client was not granted
    api = reader.api()
    assert api.get("/api/v1/procedures/").status_code == 200
    refused = api.get("/api/v1/dossiers/")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert api.post("/api/v1/dossiers/", filing(office), format="json").status_code == 403


def test_a_token_narrowed_to_one_scope_carries_only_that_one(integrator, office):
    filer = integrator.api(scope="dossiers:file")

    code = filer.post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    assert filer.get(f"/api/v1/dossiers/{code}/").status_code == 403
    assert filer.post(f"/api/v1/dossiers/{code}/receive/", {"version": 2}, format="json").status_code == 403


def test_without_a_token_every_endpoint_answers_401_as_a_problem(client):
    for path in ("/api/v1/procedures/", "/api/v1/dossiers/", "/api/v1/lookup/?code=X&verifier=1234"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["status"] == 401 and "Bearer" in response["WWW-Authenticate"]


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/khong-co/")
    assert response.status_code == 404 and response.json()["title"] == "Không tìm thấy"


def test_a_citizen_with_a_session_reads_only_their_own_dossiers(integrator, office, client):
    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]

    client.force_login(office.citizen)
    assert [row["code"] for row in client.get("/api/v1/dossiers/").json()["results"]] == [code]
    timeline = client.get(f"/api/v1/dossiers/{code}/timeline/").json()
    assert [entry["action"] for entry in timeline] == ["created", "submit"]
    client.force_login(office.other_citizen)
    assert client.get(f"/api/v1/dossiers/{code}/").status_code == 404


def test_the_catalogue_describes_a_procedure_as_filed(integrator, office):
    detail = integrator.api().get(f"/api/v1/procedures/{office.procedure.code}/").json()

    assert [document["order"] for document in detail["documents"]] == [1, 2]
    assert [field["name"] for field in detail["form_fields"]] == ["dia_chi_cong_trinh", "dien_tich",
                                                                   "so_dinh_danh_chu_dau_tu"]
    assert [step["role"] for step in detail["steps"]][0] == "receiving_officer"


SCOPED_CALLS = {
    "catalogue:read": lambda api, office, code: api.get(f"/api/v1/procedures/{office.procedure.code}/"),
    "dossiers:read": lambda api, office, code: api.get(f"/api/v1/dossiers/{code}/timeline/"),
    "dossiers:file": lambda api, office, code: api.post("/api/v1/dossiers/", filing(office), format="json"),
    "dossiers:act": lambda api, office, code: api.post(
        f"/api/v1/dossiers/{code}/receive/", {"version": Dossier.objects.get(code=code).version}, format="json"),
}


@pytest.mark.parametrize("scope", SCOPED_CALLS)
def test_each_scope_opens_its_own_calls_and_only_those(integrator, office, scope):
    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    narrowed = integrator.api(scope=scope)

    for other, call in SCOPED_CALLS.items():
        status = call(narrowed, office, code).status_code
        assert (status < 400) == (other == scope), (scope, other, status)


def test_a_client_beyond_its_rate_limit_is_told_to_wait(office, django_user_model):
    api = Integrator(django_user_model, "chatty", scopes=["catalogue:read"], rate_limit="3/min").api()

    statuses = [api.get("/api/v1/fields/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = api.get("/api/v1/fields/")
    assert refused["Content-Type"] == "application/problem+json" and int(refused["Retry-After"]) > 0


def test_staff_act_through_the_api_with_their_own_roles(integrator, office, client):
    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]

    version = Dossier.objects.get(code=code).version

    client.force_login(office.specialist)  # works at the department, not at the receiving desk
    assert client.post(f"/api/v1/dossiers/{code}/receive/", {"version": version},
                       content_type="application/json").status_code == 404
    client.force_login(office.receiver)
    received = client.post(f"/api/v1/dossiers/{code}/receive/", {"version": version},
                           content_type="application/json")
    assert received.status_code == 200 and received.json()["state"] == "received"
    refused = client.post(f"/api/v1/dossiers/{code}/approve/", {"version": received.json()["version"]},
                          content_type="application/json")
    assert refused.status_code in (403, 409) and refused.json()["detail"]


def test_the_demo_integrator_gets_a_token_and_reads_the_catalogue(settings):
    from io import StringIO

    from django.core.management import call_command
    from rest_framework.test import APIClient

    settings.DEBUG = True
    call_command("load_catalogue", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # again: nothing doubles, the secret still works

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(
        b"onestop-demo-integrator:onestop-demo-secret").decode())
    token = api.post("/o/token/", {"grant_type": "client_credentials"}).json()["access_token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    procedures = api.get("/api/v1/procedures/", {"page_size": 200}).json()["results"]
    assert len(procedures) == 35


def test_a_dossier_goes_through_consultation_and_approval_with_its_result_pdf(integrator, office, client,
                                                                               django_user_model):
    from procedures.models import Agency
    from tests.office import PDF
    from workflows.dossiers import services

    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    dossier = services.receive_dossier(dossier=Dossier.objects.get(code=code), acting_user=office.receiver)
    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)
    planning = Agency.objects.create(code="000.00.16.H56", name="Sở Quy hoạch", kind=office.department.kind,
                                     unit=office.department.unit)
    planner = office.staff("quyhoach", planning, "specialist")

    client.force_login(office.specialist)
    consulted = client.post(f"/api/v1/dossiers/{code}/consult/", {
        "version": dossier.version, "agencies": [planning.code], "question": "Có phù hợp quy hoạch không?",
        "days": "2"}, content_type="application/json")
    assert consulted.status_code == 200 and consulted.json()["state"] == "consulting"
    client.force_login(planner)
    answered = client.post(f"/api/v1/dossiers/{code}/answer-consultation/", {
        "version": consulted.json()["version"], "answer": "Phù hợp quy hoạch."}, content_type="application/json")
    assert answered.status_code == 200 and answered.json()["state"] == "processing"

    dossier = Dossier.objects.get(code=code)
    for officer in (office.specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    client.force_login(office.leader)
    approved = client.post(f"/api/v1/dossiers/{code}/approve/", {
        "version": dossier.version,
        "result": {"filename": "giay-phep.pdf", "content": base64.b64encode(PDF).decode()}},
        content_type="application/json")
    assert approved.status_code == 200 and approved.json()["state"] == "result_ready"
    assert Dossier.objects.get(code=code).result_file.name.endswith(".pdf")
    not_a_pdf = client.post(f"/api/v1/dossiers/{code}/approve/", {
        "version": approved.json()["version"], "result": {"filename": "x.pdf", "content": "bm90IGEgcGRm"}},
        content_type="application/json")
    assert not_a_pdf.status_code in (400, 409)


def test_a_citizens_app_gets_a_token_of_their_own_with_pkce_and_reads_only_their_dossiers(integrator, office,
                                                                                         client):
    import hashlib
    from urllib.parse import parse_qs, urlparse

    from oauth2_provider.models import Application
    from rest_framework.test import APIClient

    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    app = Application.objects.create(name="OneStop mobile", client_type=Application.CLIENT_PUBLIC,
                                     authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                                     redirect_uris="https://app.onestop.example/callback", skip_authorization=True)
    verifier = "a-long-random-code-verifier-0123456789-abcdefghijklmnop"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()

    client.force_login(office.citizen)
    authorised = client.get("/o/authorize/", {
        "response_type": "code", "client_id": app.client_id, "redirect_uri": "https://app.onestop.example/callback",
        "scope": "dossiers:read", "code_challenge": challenge, "code_challenge_method": "S256", "state": "xyz"})
    assert authorised.status_code == 302, authorised.content
    grant = parse_qs(urlparse(authorised["Location"]).query)["code"][0]
    token = APIClient().post("/o/token/", {
        "grant_type": "authorization_code", "code": grant, "client_id": app.client_id, "code_verifier": verifier,
        "redirect_uri": "https://app.onestop.example/callback"}).json()["access_token"]

    app_api = APIClient()
    app_api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert [row["code"] for row in app_api.get("/api/v1/dossiers/").json()["results"]] == [code]
    assert app_api.post("/api/v1/dossiers/", filing(office), format="json").status_code == 403  # read scope only


def _post(client, path, **data):
    return client.post(path, data, content_type="application/json")


def test_a_citizen_asks_to_withdraw_a_received_dossier_and_a_leader_settles_it_through_the_api(
        integrator, office, client):
    from workflows.dossiers import services

    codes = []
    for _ in range(2):
        code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
        services.receive_dossier(dossier=Dossier.objects.get(code=code), acting_user=office.receiver)
        codes.append(code)
    first, second = codes

    client.force_login(office.leader)
    version = Dossier.objects.get(code=first).version
    early = _post(client, f"/api/v1/dossiers/{first}/accept-withdrawal/", version=version)
    assert early.status_code == 409 and early.json()["detail"]

    client.force_login(office.citizen)
    for code in codes:
        asked = _post(client, f"/api/v1/dossiers/{code}/withdraw/", version=Dossier.objects.get(code=code).version,
                      reason="Không còn nhu cầu")
        assert asked.status_code == 200, asked.content
        assert (asked.json()["state"], asked.json()["national_status"]) == ("withdrawal_requested",
                                                                            "withdrawal_requested")
    twice = _post(client, f"/api/v1/dossiers/{first}/withdraw/", version=Dossier.objects.get(code=first).version,
                  reason="Lần nữa")
    assert twice.status_code == 409
    refused = _post(client, f"/api/v1/dossiers/{first}/accept-withdrawal/",
                    version=Dossier.objects.get(code=first).version)
    assert refused.status_code == 403

    client.force_login(office.second_specialist)  # neither a leader nor at the current step
    refused = _post(client, f"/api/v1/dossiers/{first}/accept-withdrawal/",
                    version=Dossier.objects.get(code=first).version)
    assert refused.status_code == 403

    client.force_login(office.leader)
    accepted = _post(client, f"/api/v1/dossiers/{first}/accept-withdrawal/",
                     version=Dossier.objects.get(code=first).version, note="Đồng ý")
    assert accepted.status_code == 200 and accepted.json()["state"] == "withdrawn"
    no_reason = _post(client, f"/api/v1/dossiers/{second}/decline-withdrawal/",
                      version=Dossier.objects.get(code=second).version)
    assert no_reason.status_code == 400
    declined = _post(client, f"/api/v1/dossiers/{second}/decline-withdrawal/",
                     version=Dossier.objects.get(code=second).version, reason="Hồ sơ đã được thẩm định")
    assert declined.status_code == 200 and declined.json()["state"] == "received"
    timeline = client.get(f"/api/v1/dossiers/{second}/timeline/").json()
    assert [entry["action"] for entry in timeline][-2:] == ["withdraw", "decline_withdrawal"]


def test_a_page_of_dossiers_costs_the_same_queries_for_two_dossiers_or_eight(integrator, office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = integrator.api()

    def file(count):
        for number in range(count):
            filed = api.post("/api/v1/dossiers/", filing(office), format="json").json()
            if number % 2:
                assert api.post(f"/api/v1/dossiers/{filed['code']}/receive/", {"version": filed["version"]},
                                format="json").status_code == 200

    def page():
        with CaptureQueriesContext(connection) as queries:
            rows = api.get("/api/v1/dossiers/", {"page_size": 50}).json()["results"]
        return rows, len(queries)

    file(2)
    few, few_queries = page()
    file(6)
    many, many_queries = page()

    assert (len(few), len(many)) == (2, 8) and few_queries == many_queries
    received = [row for row in many if row["state"] == "received"]
    assert len(received) == 4
    assert {(row["procedure"], row["procedure_name"], row["receiving_agency"], row["competent_agency"],
             row["current_step"]["role"]) for row in received} == {
        (office.procedure.code, office.procedure.name, office.desk.code, office.department.code, "receiving_officer")}
    assert {row["competent_agency"] for row in many if row["state"] == "submitted"} == {None}
