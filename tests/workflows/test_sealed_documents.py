"""OneStop seals the slips and the result copies it issues with the agency's certificate and a timestamp, so that
they validate in a PDF reader (here: pyHanko), and registers each for the public verification."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from tests.pki import LEADER_IDENTITY, signed
from workflows.dossiers import services
from workflows.paperwork.models import IssuedDocument
from workflows.signing.validation import signatures_of

from .test_lifecycle import at_decision, received

pytestmark = pytest.mark.django_db

AGENCY = "Trung tâm Phục vụ hành chính công (thử)"


def receipt_slip(client, office, dossier):
    client.force_login(office.receiver)
    response = client.get(reverse("admin:workflows_dossier_slip", args=[dossier.pk, "receipt"]))
    assert response.status_code == 200
    return response.content


def test_the_receipt_slip_is_sealed_by_the_agency_with_a_timestamp_and_validates(office, client, trusted):
    dossier = received(office)

    slip = receipt_slip(client, office, dossier)

    [seal] = signatures_of(slip)
    assert seal.trusted and seal.intact and seal.unchanged_since
    assert seal.signer_name == AGENCY and seal.signed_at is not None
    issued = IssuedDocument.objects.get(dossier=dossier)
    assert (issued.kind, issued.issued_by, issued.signer_name) == ("slip", office.receiver, AGENCY)
    assert issued.sha256 == hashlib.sha256(slip).hexdigest() and issued.signature_digest == seal.digest
    # The second QR code's address, printed under it, opens the verification of this very copy.
    text = PdfReader(io.BytesIO(slip)).pages[0].extract_text()
    assert f"/xac-thuc/{issued.token}"[:20] in "".join(text.split())


def test_without_an_agency_certificate_a_slip_is_registered_unsealed(office, client):
    dossier = received(office)

    slip = receipt_slip(client, office, dossier)

    assert IssuedDocument.objects.get(dossier=dossier).sha256 == hashlib.sha256(slip).hexdigest()
    assert signatures_of(slip) == []


def test_the_applicants_copy_of_the_result_keeps_the_leaders_signature_under_the_agencys_seal(
        office, client, trusted, django_capture_on_commit_callbacks):
    office.leader.identity_number = LEADER_IDENTITY
    office.leader.save(update_fields=["identity_number"])
    dossier = at_decision(office)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_dossier(dossier=dossier, acting_user=office.leader, expected_version=dossier.version,
                                 result_file=SimpleUploadedFile("kq.pdf", signed(trusted.leader)))
    client.force_login(office.citizen)

    response = client.get(reverse("citizens:result", args=[dossier.pk]))

    copy = b"".join(response.streaming_content)
    leader, seal = signatures_of(copy)
    assert leader.signer_name == "Hoàng Văn Nam" and leader.trusted and leader.intact
    assert seal.signer_name == AGENCY and seal.trusted
    kinds = set(IssuedDocument.objects.filter(dossier=dossier).values_list("kind", flat=True))
    assert kinds == {"result", "copy"}
