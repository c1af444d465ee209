from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.office import pdf
from workflows.dossiers.models import AuditEntry, Dossier

VALID_FORM = {"dia_chi_cong_trinh": "Số 5 đường Lê Lợi, phường Hạc Thành", "dien_tich": "120.5",
              "so_dinh_danh_chu_dau_tu": "038195001234"}


def start(client, portal):
    response = client.post(reverse("citizens:start", args=[portal.procedure.code]))
    assert response.status_code == 302
    return Dossier.objects.get(applicant=portal.citizen)


def edit_url(dossier):
    return reverse("citizens:edit", args=[dossier.pk])


def test_a_citizen_starts_a_draft_from_the_procedure_page_with_their_identity(citizen_client, portal):
    page = citizen_client.get(reverse("procedures:detail", args=[portal.procedure.code]))
    assert reverse("citizens:start", args=[portal.procedure.code]) in page.content.decode()

    dossier = start(citizen_client, portal)

    assert dossier.state == Dossier.State.DRAFT and dossier.channel == Dossier.Channel.ONLINE
    assert (dossier.applicant_name, dossier.applicant_identity_number, dossier.applicant_phone) == (
        "Nguyễn Thị Lan", "038195001234", "0912345678")


def test_filing_needs_a_verified_email_or_phone(client, portal):
    portal.citizen.emailaddress_set.update(verified=False)
    client.force_login(portal.citizen)

    response = client.post(reverse("citizens:start", args=[portal.procedure.code]))

    assert response.status_code == 302 and response.url == reverse("account_email")
    assert not Dossier.objects.exists()


def test_bad_answers_get_clear_errors_and_what_was_valid_is_kept(citizen_client, portal):
    dossier = start(citizen_client, portal)

    response = citizen_client.post(edit_url(dossier), {
        **VALID_FORM, "dien_tich": "-3", "so_dinh_danh_chu_dau_tu": "03819500123",
        "result_delivery": "post", "delivery_address": "", "action": "save",
    })

    assert response.status_code == 400
    body = response.content.decode()
    assert "12" in response.context["form"].errors["so_dinh_danh_chu_dau_tu"][0]
    assert "dien_tich" in response.context["form"].errors
    assert "delivery_address" in response.context["delivery"].errors
    dossier.refresh_from_db()
    assert dossier.form_data["dia_chi_cong_trinh"] == VALID_FORM["dia_chi_cong_trinh"]
    assert "dien_tich" not in dossier.form_data
    assert VALID_FORM["dia_chi_cong_trinh"] in body  # the page keeps what was typed


def test_a_draft_survives_a_rejected_upload(citizen_client, portal):
    dossier = start(citizen_client, portal)
    executable = SimpleUploadedFile("ban-ve.pdf", b"MZ\x90\x00 not a drawing")

    response = citizen_client.post(edit_url(dossier), {
        **VALID_FORM, "result_delivery": "at_desk", "action": "save",
        "document_1": pdf(), "document_2": executable,
    })

    assert response.status_code == 400
    assert response.context["documents"][1]["errors"]
    dossier.refresh_from_db()
    assert dossier.form_data["dien_tich"] == "120.5"
    assert list(dossier.documents.values_list("document_order", flat=True)) == [1]


def test_saving_a_half_filled_draft_and_coming_back_to_it(citizen_client, portal):
    dossier = start(citizen_client, portal)

    response = citizen_client.post(edit_url(dossier), {"dia_chi_cong_trinh": "Thôn 3, xã Quảng Phú",
                                                       "result_delivery": "at_desk", "action": "save"})

    assert response.status_code == 302
    page = citizen_client.get(edit_url(dossier))
    assert page.context["form"].initial["dia_chi_cong_trinh"] == "Thôn 3, xã Quảng Phú"
    assert "Thôn 3, xã Quảng Phú" in page.content.decode()


def test_submission_refuses_a_missing_required_document_then_gives_the_code(citizen_client, portal):
    dossier = start(citizen_client, portal)
    answers = {**VALID_FORM, "result_delivery": "at_desk", "receiving_agency": portal.desk.pk, "action": "submit"}

    refused = citizen_client.post(edit_url(dossier), answers)

    assert refused.status_code == 400
    assert "Bản vẽ thiết kế xây dựng" in refused.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DRAFT and dossier.code is None

    checked = citizen_client.post(edit_url(dossier), {**answers, "document_2": pdf("ban-ve.pdf")})
    assert checked.status_code == 302 and checked.url == reverse("citizens:review", args=[dossier.pk])
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DRAFT  # not filed until the citizen has checked the answers

    submitted = citizen_client.post(checked.url, follow=True)

    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.SUBMITTED and dossier.receiving_agency == portal.desk
    assert dossier.code.startswith("000.00.01.H56-")
    assert dossier.code in submitted.content.decode()
    assert dossier.form_data["so_dinh_danh_chu_dau_tu"] == "038195001234"
    assert list(AuditEntry.objects.filter(dossier=dossier).values_list("action", flat=True)) == [
        "created", "form_changed", "document_attached", "submit"]


def test_a_commune_procedure_asks_for_the_commune_first(citizen_client, portal):
    from procedures.models import Procedure
    from procedures.services import publish_procedure_version
    from tests.factories import CommuneFactory, ProcedureFactory

    commune = CommuneFactory(name="Phường Hạc Thành")
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", level=Procedure.Level.COMMUNE,
                                 competent_agency=None, competent_agency_kind="commune_committee")
    publish_procedure_version(procedure=procedure)

    missing = citizen_client.post(reverse("citizens:start", args=[procedure.code]))
    assert missing.status_code == 400 and "commune" in missing.context["form"].errors

    citizen_client.post(reverse("citizens:start", args=[procedure.code]), {"commune": commune.pk})
    assert Dossier.objects.get(procedure=procedure).commune == commune
