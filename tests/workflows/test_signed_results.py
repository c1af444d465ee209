"""The leader's approval takes a result signed PAdES with the leader's own certificate from a root the province
trusts; a changed file, another person's signature, an expired, revoked or untrusted certificate are refused."""

import base64
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.office import pdf
from tests.pki import LEADER_IDENTITY, document, signed, tampered, with_appended_page
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.paperwork.models import IssuedDocument
from workflows.signing import sealing
from workflows.signing.validation import signatures_of

from .test_lifecycle import at_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(office):
    office.leader.identity_number = LEADER_IDENTITY
    office.leader.save(update_fields=["identity_number"])
    return office.leader


def refusal_code(error):
    """The code of the refusal the approval gives beside the result file."""
    [refusal] = error.error_dict["result_file"]
    return refusal.code


def upload(data, name="ket-qua.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_a_result_signed_with_the_leaders_certificate_is_approved_and_its_signature_recorded(
        office, leader, trusted, django_capture_on_commit_callbacks):
    dossier = at_decision(office)
    result = signed(trusted.leader)

    with django_capture_on_commit_callbacks(execute=True):
        approved = services.approve_dossier(dossier=dossier, acting_user=leader, result_file=upload(result),
                                            expected_version=dossier.version)

    assert approved.state == Dossier.State.RESULT_READY
    approved.refresh_from_db()
    assert approved.result_signer_name == "Hoàng Văn Nam"
    assert approved.result_certificate_fingerprint == signatures_of(result)[0].fingerprint
    assert approved.result_signed_at is not None
    issued = IssuedDocument.objects.get(dossier=dossier, kind=IssuedDocument.Kind.RESULT)
    assert (issued.issued_by, issued.signer_name) == (leader, "Hoàng Văn Nam")


@pytest.mark.parametrize(("make", "code"), [
    (lambda pki: tampered(signed(pki.leader)), "tampered"),
    (lambda pki: with_appended_page(signed(pki.leader)), "modified_after_signing"),
    (lambda pki: signed(pki.other), "wrong_signer"),
    (lambda pki: signed(pki.expired, timestamped=False), "expired"),
    (lambda pki: signed(pki.revoked), "revoked"),
    (lambda pki: signed(pki.stranger), "untrusted"),
    (lambda pki: document(), "unsigned"),
], ids=["tampered", "changed-after-signing", "wrong-signer", "expired", "revoked", "untrusted-root", "unsigned"])
def test_a_result_whose_signature_does_not_hold_is_refused_and_the_dossier_stays(office, leader, trusted, make,
                                                                                   code):
    dossier = at_decision(office)

    with pytest.raises(ValidationError) as refused:
        services.approve_dossier(dossier=dossier, acting_user=leader, result_file=upload(make(trusted)),
                                 expected_version=dossier.version)

    assert refusal_code(refused.value) == code
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING and not dossier.result_file
    assert not dossier.result_signer_name


def test_a_leader_without_an_identity_number_cannot_match_a_certificate(office, trusted):
    dossier = at_decision(office)

    with pytest.raises(ValidationError) as refused:
        services.approve_dossier(dossier=dossier, acting_user=office.leader, result_file=upload(signed(trusted.leader)),
                                 expected_version=dossier.version)

    assert refusal_code(refused.value) == "no_identity_number"


def test_unsigned_results_are_still_accepted_where_signatures_are_not_required(office, leader, settings, pki):
    pki.configure(settings, required=False)
    dossier = at_decision(office)

    approved = services.approve_dossier(dossier=dossier, acting_user=leader, result_file=pdf("ket-qua.pdf"),
                                        expected_version=dossier.version)

    assert approved.state == Dossier.State.RESULT_READY and not approved.result_signer_name


def test_the_api_answers_a_400_problem_saying_why_the_signature_is_refused(office, leader, trusted, client):
    dossier = at_decision(office)
    client.force_login(leader)

    refused = client.post(f"/api/v1/dossiers/{dossier.code}/approve/", {
        "version": dossier.version,
        "result": {"filename": "ket-qua.pdf", "content": base64.b64encode(signed(trusted.other)).decode()}},
        content_type="application/json")

    assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"
    assert "Trần Thị Khác" in str(refused.json())
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.PROCESSING


def test_the_server_signs_with_the_agency_certificate_from_a_pkcs12_file_and_a_timestamp(trusted):
    sealed = sealing.seal_pdf(document())

    [seal] = signatures_of(sealed)
    assert seal.trusted and seal.signer_name == "Trung tâm Phục vụ hành chính công (thử)"
    assert seal.signed_at is not None  # the timestamp authority's time


SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")


@pytest.mark.skipif(not SOFTHSM.exists() or not shutil.which("softhsm2-util") or not shutil.which("pkcs11-tool"),
                    reason="SoftHSM2 and OpenSC are not installed (apt-get install softhsm2 opensc)")
def test_the_server_signs_with_a_key_held_on_a_pkcs11_token(trusted, settings, tmp_path, monkeypatch):
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    key = tmp_path / "key.pem"
    key.write_bytes(trusted.agency.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    certificate = tmp_path / "cert.der"
    certificate.write_bytes(trusted.agency.certificate.public_bytes(serialization.Encoding.DER))
    for command in (
        ["softhsm2-util", "--init-token", "--free", "--label", "onestop", "--pin", "1234", "--so-pin", "5678"],
        ["softhsm2-util", "--import", str(key), "--token", "onestop", "--label", "seal", "--id", "01",
         "--pin", "1234"],
        ["pkcs11-tool", "--module", str(SOFTHSM), "--token-label", "onestop", "--login", "--pin", "1234",
         "--write-object", str(certificate), "--type", "cert", "--label", "seal", "--id", "01"],
    ):
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    settings.AGENCY_SEAL = {"PKCS11_MODULE": str(SOFTHSM), "PKCS11_TOKEN": "onestop", "PKCS11_KEY_LABEL": "seal",
                            "PKCS11_PIN": "1234", "PKCS11_RAW_MECHANISM": True}

    sealed = sealing.seal_pdf(document())

    [seal] = signatures_of(sealed)
    assert seal.trusted and seal.signer_name == "Trung tâm Phục vụ hành chính công (thử)"


def test_the_window_shows_the_leader_why_the_signature_is_refused_beside_the_file(office, leader, trusted, client):
    dossier = at_decision(office)
    client.force_login(leader)

    page = client.post(reverse("admin:workflows_dossier_act", args=[dossier.pk, "approve"]),
                       {"expected_version": dossier.version, "result_file": upload(signed(trusted.revoked))})

    assert page.status_code == 200
    [approval] = [offer["form"] for offer in page.context["transitions"] if offer["name"] == "approve"]
    assert approval.errors["result_file"] == ["Chứng thư số của người ký đã bị thu hồi."]
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.PROCESSING


def test_the_demo_leader_signs_with_the_demo_keys_and_the_result_is_accepted(office, settings, tmp_path):
    settings.SIGNING_DEMO_DIR = tmp_path / "signing-demo"
    call_command("make_demo_signing_keys", stdout=StringIO())
    demo = settings.SIGNING_DEMO_DIR
    settings.RESULT_SIGNATURES_REQUIRED = True
    settings.RESULT_SIGNATURE_TRUST_ROOTS = [str(demo / "ca.pem")]
    settings.RESULT_SIGNATURE_CRLS = [str(demo / "ca.crl")]
    settings.AGENCY_SEAL = {"PKCS12": str(demo / "agency.p12")}
    settings.SIGNING_TSA_PKCS12 = str(demo / "tsa.p12")
    office.leader.refresh_from_db()
    leader_key = sealing.pkcs12_signer(demo / "leaders" / "giamdoc.p12", "onestop-demo")
    dossier = at_decision(office)

    approved = services.approve_dossier(
        dossier=dossier, acting_user=office.leader, expected_version=dossier.version,
        result_file=upload(sealing.sign_pdf(document(), signer=leader_key, field_name="Sig1",
                                            stamper=sealing.timestamper())))

    assert approved.state == Dossier.State.RESULT_READY and office.leader.identity_number
    assert approved.result_signer_name == (office.leader.get_full_name() or office.leader.username)
    assert sealing.seal_pdf(document())  # the demo seal signs


def test_demo_keys_are_refused_where_the_simulators_are_off(settings):
    settings.NATIONAL_SIMULATORS = False

    with pytest.raises(CommandError):
        call_command("make_demo_signing_keys", stdout=StringIO())
