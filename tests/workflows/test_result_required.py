"""An applicant who asked for the result online receives a document: approval without one is refused everywhere."""

import base64

import pytest
from django.core.exceptions import ValidationError

from tests.office import PDF, pdf
from workflows.dossiers import services
from workflows.dossiers.models import Dossier

from .test_lifecycle import at_decision

pytestmark = pytest.mark.django_db


def at_leader(office, delivery):
    dossier = at_decision(office)
    Dossier.objects.filter(pk=dossier.pk).update(result_delivery=delivery)
    return Dossier.objects.get(pk=dossier.pk)


def test_an_online_result_cannot_be_approved_without_its_document(office):
    dossier = at_leader(office, Dossier.ResultDelivery.ONLINE)

    with pytest.raises(ValidationError) as refused:
        services.approve_dossier(dossier=dossier, acting_user=office.leader, expected_version=dossier.version)

    assert refused.value.code == "result_required"
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING and not dossier.result_file
    approved = services.approve_dossier(dossier=dossier, acting_user=office.leader, result_file=pdf("ket-qua.pdf"),
                                        expected_version=dossier.version)
    assert approved.state == Dossier.State.RESULT_READY and approved.result_file


def test_a_result_on_paper_may_be_approved_through_the_service_without_a_file(office):
    dossier = at_leader(office, Dossier.ResultDelivery.AT_DESK)

    approved = services.approve_dossier(dossier=dossier, acting_user=office.leader)

    assert approved.state == Dossier.State.RESULT_READY and not approved.result_file


def test_the_api_answers_a_400_problem_for_an_online_result_without_its_document(office, client):
    dossier = at_leader(office, Dossier.ResultDelivery.ONLINE)
    client.force_login(office.leader)

    refused = client.post(f"/api/v1/dossiers/{dossier.code}/approve/", {"version": dossier.version},
                          content_type="application/json")
    approved = client.post(f"/api/v1/dossiers/{dossier.code}/approve/", {
        "version": dossier.version, "result": {"filename": "ket-qua.pdf", "content": base64.b64encode(PDF).decode()}},
        content_type="application/json")

    assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"
    assert "nhận kết quả trực tuyến" in str(refused.json())
    assert approved.status_code == 200 and approved.json()["state"] == "result_ready"
