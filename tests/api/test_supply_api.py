"""An integrated system answers a supplement request for its citizen under the portal's rule: something new, or
nothing happens."""

import base64

import pytest

from tests.api.conftest import filing
from tests.office import PDF
from workflows.dossiers import services
from workflows.dossiers.models import Dossier

pytestmark = pytest.mark.django_db

OUTSIDE = "Giấy xác nhận của UBND xã về nguồn gốc đất"


def paused_through_the_api(api, office):
    code = api.post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    dossier = services.receive_dossier(dossier=Dossier.objects.get(code=code), acting_user=office.receiver)
    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)
    return services.request_supplement(dossier=dossier, acting_user=office.specialist, missing=OUTSIDE)


def test_an_empty_answer_is_a_400_problem_and_the_clock_stays_stopped(integrator, office):
    api = integrator.api()
    dossier = paused_through_the_api(api, office)

    refused = api.post(f"/api/v1/dossiers/{dossier.code}/supply/", {"version": dossier.version,
                                                                     "note": "Đã đủ"}, format="json")

    assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"
    assert "Chưa có gì được bổ sung" in str(refused.json()["errors"])
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PAUSED and dossier.paused_at is not None


def test_a_document_outside_the_procedures_slots_answers_the_request(integrator, office):
    api = integrator.api()
    dossier = paused_through_the_api(api, office)
    content = base64.b64encode(PDF).decode()

    nameless = api.post(f"/api/v1/dossiers/{dossier.code}/documents/",
                        {"filename": "xac-nhan.pdf", "content": content}, format="json")
    attached = api.post(f"/api/v1/dossiers/{dossier.code}/documents/",
                        {"name": OUTSIDE, "filename": "xac-nhan.pdf", "content": content}, format="json")
    supplied = api.post(f"/api/v1/dossiers/{dossier.code}/supply/", {}, format="json",
                        HTTP_IF_MATCH=attached["ETag"])

    assert nameless.status_code == 400
    assert attached.status_code == 200, attached.json()
    assert supplied.status_code == 200, supplied.json()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    assert dossier.documents.get(is_current=True, document_order__isnull=True).name == OUTSIDE
