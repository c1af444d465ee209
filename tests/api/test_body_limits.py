"""The API's documented file sizes (10 MB documents, 20 MB results, base64-encoded inside JSON) fit through its
body limit, a larger body is a 413 problem, and the portal keeps its own, smaller limit for forms."""

import base64
import json

import pytest
from django.conf import settings

from tests.api.conftest import filing
from tests.office import PDF
from workflows.dossiers import services
from workflows.dossiers.models import Dossier

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def pdf_of(size):
    """A PDF of `size` bytes, as its sniffing sees one."""
    return PDF + b"%" * (size - len(PDF))


def test_a_filing_with_a_ten_megabyte_document_is_accepted(integrator, office):
    body = filing(office)
    body["documents"][1]["content"] = base64.b64encode(pdf_of(services.DOCUMENT_MAX_BYTES)).decode()
    assert len(json.dumps(body)) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # more than the portal takes

    response = integrator.api().post("/api/v1/dossiers/", body, format="json")

    assert response.status_code == 201, response.content[:300]
    assert Dossier.objects.get().documents.get(document_order=2).file.size == services.DOCUMENT_MAX_BYTES


def test_a_twenty_megabyte_signed_result_is_accepted(integrator, office, client):
    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    dossier = services.receive_dossier(dossier=Dossier.objects.get(code=code), acting_user=office.receiver)
    for officer in (office.receiver, office.specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    client.force_login(office.leader)

    approved = client.post(f"/api/v1/dossiers/{code}/approve/", {
        "version": dossier.version, "result": {
            "filename": "giay-phep.pdf", "content": base64.b64encode(pdf_of(services.RESULT_MAX_BYTES)).decode()}},
        content_type="application/json")

    assert approved.status_code == 200, approved.content[:300]
    assert Dossier.objects.get(code=code).result_file.size == services.RESULT_MAX_BYTES


def test_a_body_beyond_the_api_limit_is_a_413_problem(integrator, office, settings):
    settings.API_MAX_BODY_SIZE = 1024 * 1024
    body = filing(office)
    body["documents"][1]["content"] = base64.b64encode(pdf_of(900 * 1024)).decode()

    response = integrator.api().post("/api/v1/dossiers/", body, format="json")

    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert "1 MB" in response.json()["detail"]
    assert not Dossier.objects.exists()


def test_a_session_caller_beyond_the_portals_limit_reaches_the_api_limit_only(integrator, office, client):
    """A person's session goes through the same parser as a token (DRF's own would apply the portal's limit)."""
    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    services.receive_dossier(dossier=Dossier.objects.get(code=code), acting_user=office.receiver)
    client.force_login(office.specialist)
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post(f"/api/v1/dossiers/{code}/send-back/", {"version": 1, "reason": padding},
                           content_type="application/json")

    assert response["Content-Type"] == PROBLEM
    assert response.status_code != 413


def test_the_portal_keeps_its_smaller_limit_for_forms(client):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/tra-cuu/", {"code": padding}, HTTP_X_REQUESTED_WITH="")
    assert response.status_code == 400
