"""The public verification page (/xac-thuc/) and API: a file OneStop issued is named with its dossier, issuer and
whether it is unchanged; a changed copy is told apart; anything else is not OneStop's; garbage is a 4xx."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.pki import document, tampered
from workflows.paperwork.models import IssuedDocument

from .test_lifecycle import received

pytestmark = pytest.mark.django_db


@pytest.fixture
def genuine(office, settings, pki, client):
    """A receipt slip as OneStop issued it, sealed; the client is signed out again."""
    pki.configure(settings)
    dossier = received(office)
    client.force_login(office.receiver)
    slip = client.get(reverse("admin:workflows_dossier_slip", args=[dossier.pk, "receipt"])).content
    client.logout()
    return slip, IssuedDocument.objects.get(dossier=dossier)


def upload(client, data, path=None):
    return client.post(path or reverse("paperwork:verify"),
                       {"document": SimpleUploadedFile("van-ban.pdf", data, content_type="application/pdf")})


def verdict(page):
    html = page.content.decode()
    start = html.index('id="verdict"')
    return html[start:html.index(">", start)]


def test_a_genuine_file_is_named_as_issued_by_onestop_for_its_dossier_by_its_officer(client, genuine):
    slip, issued = genuine

    page = upload(client, slip)

    assert page.status_code == 200
    assert 'data-issued="yes" data-unchanged="yes"' in verdict(page)
    html = page.content.decode()
    assert issued.dossier.code in html and issued.issuer_name in html and 'id="verdict-genuine"' in html


def test_a_changed_copy_is_recognised_but_not_vouched_for(client, genuine):
    slip, issued = genuine

    page = upload(client, tampered(slip))

    assert 'data-issued="yes" data-unchanged="no"' in verdict(page)
    assert 'id="verdict-changed"' in page.content.decode() and issued.dossier.code in page.content.decode()


def test_a_pdf_onestop_never_issued_is_said_not_to_be_onestops(client, genuine):
    page = upload(client, document())

    assert 'data-issued="no" data-unchanged="no"' in verdict(page)


@pytest.mark.parametrize("data", [b"not a pdf at all", b"%PDF-1.7\n\x00\x01 broken"], ids=["text", "broken-pdf"])
def test_garbage_gets_a_form_error_not_a_verdict(client, data):
    page = upload(client, data)

    assert page.status_code == 400
    assert 'id="verdict"' not in page.content.decode() and "errorlist" in page.content.decode()


def test_the_qr_code_opens_the_record_and_checks_the_copy_against_it(client, genuine, office):
    slip, issued = genuine
    address = reverse("paperwork:verified", args=[issued.token])

    record = client.get(address)
    same = upload(client, slip, address)
    other = upload(client, document(), address)

    assert record.status_code == 200 and 'id="on-record"' in record.content.decode()
    assert issued.dossier.code in record.content.decode()
    assert 'data-unchanged="yes"' in verdict(same) and 'data-unchanged="no"' in verdict(other)
    assert client.get(reverse("paperwork:verified", args=["no-such-token"])).status_code == 404


def test_uploads_are_rate_limited_per_address(client, genuine, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "document_verification": "2/m/ip"}
    slip, _issued = genuine

    statuses = [upload(client, slip).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def api(client, data):
    return client.post(reverse("v1:verification"), {"filename": "van-ban.pdf",
                                                     "content": base64.b64encode(data).decode()},
                       content_type="application/json")


def test_the_api_answers_anonymous_callers_for_a_genuine_and_a_changed_file(client, genuine):
    slip, issued = genuine

    genuine_answer, changed_answer, unknown_answer = api(client, slip), api(client, tampered(slip)), api(
        client, document())

    assert genuine_answer.status_code == 200
    body = genuine_answer.json()
    assert (body["issued_by_onestop"], body["unchanged"]) == (True, True)
    assert body["document"]["dossier_code"] == issued.dossier.code
    assert body["document"]["issued_by"] == issued.issuer_name and body["document"]["kind"] == "slip"
    assert body["document"]["verification_url"].endswith(f"/xac-thuc/{issued.token}/")
    assert body["signatures"][0]["trusted"] is True
    assert (changed_answer.json()["issued_by_onestop"], changed_answer.json()["unchanged"]) == (True, False)
    assert changed_answer.json()["signatures"][0]["intact"] is False
    assert unknown_answer.json()["issued_by_onestop"] is False and unknown_answer.json()["document"] is None


@pytest.mark.parametrize("content", [base64.b64encode(b"garbage").decode(), "***not base64***"],
                         ids=["not-a-pdf", "not-base64"])
def test_the_api_refuses_garbage_with_a_400_problem(client, content):
    answer = client.post(reverse("v1:verification"), {"filename": "x.pdf", "content": content},
                         content_type="application/json")

    assert answer.status_code == 400 and answer["Content-Type"] == "application/problem+json"
