import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from procedures.models import FormField
from procedures.services import publish_procedure_version
from tests.citizens.test_my_dossiers import received
from tests.factories import FormFieldFactory
from tests.office import pdf
from tests.workflows.test_slips import assert_qr_encodes
from workflows.dossiers import services


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


@pytest.mark.parametrize("verifier, found", [("0987 654 321", True), ("+84987654321", True),
                                             ("038195009999", False)],
                         ids=["typed-phone", "typed-phone-international", "another-field's-digits"])
def test_the_phone_typed_in_the_application_form_finds_an_email_only_accounts_dossier(client, portal,
                                                                                      django_user_model,
                                                                                      verifier, found):
    FormFieldFactory(procedure=portal.procedure, order=4, name="dien_thoai", label="Số điện thoại liên hệ",
                     kind=FormField.Kind.PHONE)
    publish_procedure_version(procedure=portal.procedure)
    email_only = django_user_model.objects.create_user("emailonly", "lan@example.vn", "x", full_name="Trần Thị Lan",
                                                       identity_number="038195009999")
    EmailAddress.objects.create(user=email_only, email=email_only.email, verified=True, primary=True)
    draft = services.create_draft(procedure=portal.procedure, acting_user=email_only, form_data={
        "dia_chi_cong_trinh": "Thôn 3", "dien_tich": "80", "so_dinh_danh_chu_dau_tu": "038195009999",
        "dien_thoai": "0987654321"})
    services.attach_document(dossier=draft, acting_user=email_only, document_order=2, upload=pdf())
    dossier = services.submit_dossier(dossier=draft, acting_user=email_only, receiving_agency=portal.desk)
    assert dossier.applicant_phone == ""

    response = look_up(client, dossier.code, verifier)

    assert (response.context["dossier"] == dossier) is found
