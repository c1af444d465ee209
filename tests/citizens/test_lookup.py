import pytest
from django.urls import reverse

from tests.citizens.test_my_dossiers import received
from tests.workflows.test_slips import assert_qr_encodes


def look_up(client, code, verifier):
    return client.post(reverse("citizens:lookup"), {"code": code, "verifier": verifier})


@pytest.mark.parametrize("verifier", ["0912345678", "+84 912 345 678", "1234"])
def test_anyone_with_the_code_and_the_phone_or_identity_digits_sees_status_and_appointment(client, portal,
                                                                                           verifier):
    dossier = received(portal)

    response = look_up(client, dossier.code.lower(), verifier)

    body = response.content.decode()
    assert response.context["dossier"] == dossier
    assert dossier.get_state_display() in body and dossier.appointment_at is not None
    assert portal.citizen.full_name not in body and portal.citizen.identity_number not in body


@pytest.mark.parametrize("code_suffix, verifier", [("", "0912345679"), ("", "4321"), ("", "123"),
                                                   ("9", "0912345678")])
def test_a_wrong_code_or_wrong_digits_look_exactly_alike(client, portal, code_suffix, verifier):
    dossier = received(portal)

    response = look_up(client, dossier.code + code_suffix, verifier)

    assert response.context["dossier"] is None and response.context["not_found"]
    assert dossier.get_state_display() not in response.content.decode()


def test_guessing_is_rate_limited(client, portal):
    dossier = received(portal)
    for attempt in range(10):
        assert look_up(client, dossier.code, f"{attempt:04d}").status_code == 200

    blocked = look_up(client, dossier.code, "1234")

    assert blocked.status_code == 429 and blocked.context.get("dossier") is None


def test_the_receipt_slips_qr_code_opens_the_lookup_for_this_dossier(citizen_client, portal):
    dossier = received(portal)

    slip = citizen_client.get(reverse("citizens:slip", args=[dossier.pk, "receipt"]))

    assert slip.status_code == 200 and slip["Content-Type"] == "application/pdf"
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(slip.content)).pages)
    assert dossier.code in text
    assert "testserver/tra-cuu" in text.replace("\n", "")  # the caption; the QR code carries the code too
    assert_qr_encodes(slip.content, f"http://testserver/tra-cuu/?code={dossier.code}")
