import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from procedures.models import AdministrativeUnit, Agency, Field, LegalDocument, Procedure, ProcedureVersion
from tests.factories import AgencyFactory, FieldFactory, FormFieldFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


def procedure_form(*, field, agency, time_limit="5", steps=(("0.5", "receiving_officer"), ("4.5", "specialist")),
                   documents=(), form_fields=(), **overrides):
    data = {
        "code": "1.009974",
        "name": "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "field": field.pk,
        "result": "Giấy phép xây dựng",
        "level": "province",
        "competent_agency": agency.pk,
        "competent_agency_kind": "",
        "boundary_free": "on",
        "time_limit": time_limit,
        "time_limit_unit": "days",
        "sets": 1,
        "intake_cutoff": "",
        "online_level": "partial",
        "minimum_assurance_level": 0,
        "is_active": "on",
        "effective_from": "",
        "effective_to": "",
    }
    inlines = [("steps", steps), ("documents", documents), ("fees", ()), ("form_fields", form_fields),
               ("versions", ())]
    for prefix, rows in inlines:
        data.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0,
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
    for index, (share, role) in enumerate(steps):
        data.update({f"steps-{index}-order": index + 1, f"steps-{index}-name": f"Bước {index + 1}",
                     f"steps-{index}-role": role, f"steps-{index}-share": share})
    for index, document in enumerate(documents):
        data.update({f"documents-{index}-{key}": value for key, value in document.items()})
    for index, form_field in enumerate(form_fields):
        data.update({f"form_fields-{index}-{key}": value for key, value in form_field.items()})
    data.update(overrides)
    return data


def existing_steps(procedure):
    """The step inline's rows as the change form posts them back, unchanged."""
    steps = list(procedure.steps.all())
    data = {"steps-TOTAL_FORMS": len(steps), "steps-INITIAL_FORMS": len(steps)}
    for index, step in enumerate(steps):
        data.update({f"steps-{index}-id": step.pk, f"steps-{index}-procedure": procedure.pk,
                     f"steps-{index}-order": step.order, f"steps-{index}-name": step.name,
                     f"steps-{index}-role": step.role, f"steps-{index}-share": step.share})
    return data


def form_field_row(**overrides):
    """One row of the application form inline, as the add form posts it."""
    return {"order": 1, "name": "ho_ten", "label": "Họ, chữ đệm, tên", "kind": "text", "required": "on",
            "help_text": "", "choices": "", "min_length": "", "max_length": "100", "min_value": "",
            "max_value": "", **overrides}


def existing_form_fields(procedure):
    """The form field inline's rows as the change form posts them back, unchanged."""
    fields = list(procedure.form_fields.all())
    data = {"form_fields-TOTAL_FORMS": len(fields), "form_fields-INITIAL_FORMS": len(fields)}
    for index, form_field in enumerate(fields):
        row = {"id": form_field.pk, "procedure": procedure.pk, "order": form_field.order,
               "name": form_field.name, "label": form_field.label, "kind": form_field.kind,
               "help_text": form_field.help_text, "choices": form_field.choices,
               "min_length": form_field.min_length or "", "max_length": form_field.max_length or "",
               "min_value": form_field.min_value or "", "max_value": form_field.max_value or ""}
        if form_field.required:
            row["required"] = "on"
        data.update({f"form_fields-{index}-{key}": value for key, value in row.items()})
    return data


@pytest.fixture
def field_and_agency():
    return FieldFactory(name="Hoạt động xây dựng"), AgencyFactory(name="Sở Xây dựng")


@pytest.mark.parametrize("model", [AdministrativeUnit, Agency, Field, LegalDocument, Procedure])
def test_catalogue_admin_pages_render(admin_client_logged_in, model):
    ProcedureFactory()
    LegalDocument.objects.create(number="60/2014/QH13", title="Luật Hộ tịch")
    opts = model._meta
    changelist = admin_client_logged_in.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "a"})
    assert changelist.status_code == 200
    assert admin_client_logged_in.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
    instance = model.objects.first()
    change = admin_client_logged_in.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))
    assert change.status_code == 200


def test_admin_creates_a_procedure_and_publishes_its_first_version(admin_client_logged_in, field_and_agency):
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), procedure_form(
        field=field_and_agency[0], agency=field_and_agency[1]))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    procedure = Procedure.objects.get(code="1.009974")
    assert [step.share for step in procedure.steps.all()] == [0.5, 4.5]
    version = procedure.versions.get()
    assert version.number == 1 and version.created_by.username == "root"


def test_admin_refuses_steps_that_do_not_add_up(admin_client_logged_in, field_and_agency):
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), procedure_form(
        field=field_and_agency[0], agency=field_and_agency[1],
        steps=(("0.5", "receiving_officer"), ("3", "specialist"))))
    assert response.status_code == 200
    step_errors = response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert step_errors and "3.5" in step_errors[0] and "5" in step_errors[0]
    assert escape(step_errors[0]) in response.content.decode()
    assert not Procedure.objects.exists()


def test_admin_checks_steps_against_a_changed_time_limit(admin_client_logged_in, field_and_agency):
    procedure = ProcedureFactory(code="1.009974", field=field_and_agency[0], competent_agency=field_and_agency[1])
    data = procedure_form(field=field_and_agency[0], agency=field_and_agency[1], time_limit="7", steps=())
    data.update(existing_steps(procedure))
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_change", args=[procedure.pk]), data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors()
    procedure.refresh_from_db()
    assert procedure.time_limit == 5


@pytest.mark.parametrize(
    ("overrides", "field_name"),
    [
        ({"code": "1001193"}, "code"),
        ({"time_limit": "-1", "steps-1-share": "-1.5"}, "time_limit"),
        ({"level": "commune"}, "competent_agency"),
        ({"time_limit_unit": "weeks"}, "time_limit_unit"),
        ({"effective_from": "2026-01-01", "effective_to": "2025-01-01"}, "effective_to"),
    ],
)
def test_bad_procedure_input_gives_form_errors(admin_client_logged_in, field_and_agency, overrides, field_name):
    data = procedure_form(field=field_and_agency[0], agency=field_and_agency[1], **overrides)
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), data)
    assert response.status_code == 200
    assert field_name in response.context["adminform"].form.errors
    assert not Procedure.objects.exists()


def test_duplicate_procedure_code_is_a_form_error(admin_client_logged_in, field_and_agency):
    ProcedureFactory(code="1.009974")
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), procedure_form(
        field=field_and_agency[0], agency=field_and_agency[1]))
    assert "code" in response.context["adminform"].form.errors
    assert Procedure.objects.count() == 1


def test_template_upload_is_checked_by_content(admin_client_logged_in, field_and_agency):
    fake_pdf = SimpleUploadedFile("to-khai.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    data = procedure_form(field=field_and_agency[0], agency=field_and_agency[1], documents=[
        {"order": 1, "name": "Tờ khai", "form": "original", "copies": 1, "is_required": "on", "template": fake_pdf},
    ])
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), data)
    assert response.status_code == 200
    assert "template" in response.context["inline_admin_formsets"][1].formset.errors[0]
    assert not Procedure.objects.exists()

    real_pdf = SimpleUploadedFile("to-khai.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    data["documents-0-template"] = real_pdf
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), data)
    assert response.status_code == 302
    document = Procedure.objects.get().documents.get()
    assert document.template.name.endswith(".pdf")


def test_editing_a_procedure_in_the_admin_keeps_the_old_version_intact(admin_client_logged_in, field_and_agency):
    admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), procedure_form(
        field=field_and_agency[0], agency=field_and_agency[1]))
    procedure = Procedure.objects.get()
    data = procedure_form(field=field_and_agency[0], agency=field_and_agency[1], name="Tên mới", steps=())
    data.update(existing_steps(procedure))
    assert admin_client_logged_in.post(
        reverse("admin:procedures_procedure_change", args=[procedure.pk]), data).status_code == 302
    versions = {version.number: version.snapshot["name"] for version in ProcedureVersion.objects.all()}
    assert versions == {1: "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", 2: "Tên mới"}


def test_agency_admin_refuses_a_branch_under_the_wrong_parent(admin_client_logged_in):
    department = AgencyFactory()
    data = {"code": "000.00.90.H56", "name": "Chi nhánh", "kind": "service_centre_branch",
            "unit": department.unit.pk, "parent": department.pk, "address": "", "phone": "", "email": "",
            "effective_from": "", "effective_to": ""}
    response = admin_client_logged_in.post(reverse("admin:procedures_agency_add"), data)
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors


def test_documents_inline_lists_existing_templates(admin_client_logged_in):
    document = RequiredDocumentFactory(name="Tờ khai đăng ký khai sinh")
    response = admin_client_logged_in.get(reverse("admin:procedures_procedure_change", args=[document.procedure.pk]))
    assert "Tờ khai đăng ký khai sinh" in response.content.decode()


def test_admin_saves_the_application_form_and_publishes_it(admin_client_logged_in, field_and_agency):
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), procedure_form(
        field=field_and_agency[0], agency=field_and_agency[1], form_fields=[
            form_field_row(),
            form_field_row(order=2, name="gioi_tinh", label="Giới tính", kind="choice",
                           choices="Nam\r\nNữ\r\n", max_length=""),
            form_field_row(order=3, name="so_tang", label="Số tầng", kind="integer", required="",
                           max_length="", min_value="1", max_value="20"),
        ]))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    procedure = Procedure.objects.get()
    assert [field.name for field in procedure.form_fields.all()] == ["ho_ten", "gioi_tinh", "so_tang"]
    form = procedure.versions.get().snapshot["form"]
    assert form[1]["choices"] == ["Nam", "Nữ"]
    assert form[2] == {"name": "so_tang", "label": "Số tầng", "kind": "integer", "required": False,
                       "help_text": "", "choices": [], "min_length": None, "max_length": None,
                       "min_value": "1", "max_value": "20"}


@pytest.mark.parametrize(
    ("rows", "field_name"),
    [
        pytest.param([form_field_row(kind="choice", max_length="")], "choices", id="choice-without-choices"),
        pytest.param([form_field_row(choices="Nam\nNữ")], "choices", id="choices-on-a-text-field"),
        pytest.param([form_field_row(name="Họ tên")], "name", id="name-not-a-slug"),
        pytest.param([form_field_row(kind="date", max_length="10")], "max_length", id="length-on-a-date"),
        pytest.param([form_field_row(kind="integer", max_length="", min_value="10", max_value="1")],
                     "max_value", id="limits-reversed"),
    ],
)
def test_admin_refuses_an_inconsistent_form_field(admin_client_logged_in, field_and_agency, rows, field_name):
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), procedure_form(
        field=field_and_agency[0], agency=field_and_agency[1], form_fields=rows))
    assert response.status_code == 200
    formset = next(inline.formset for inline in response.context["inline_admin_formsets"]
                   if inline.formset.prefix == "form_fields")
    assert field_name in formset.errors[0]
    assert not Procedure.objects.exists()


def test_admin_refuses_two_form_fields_with_the_same_name(admin_client_logged_in, field_and_agency):
    response = admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), procedure_form(
        field=field_and_agency[0], agency=field_and_agency[1],
        form_fields=[form_field_row(), form_field_row(order=2, label="Họ tên khác")]))
    assert response.status_code == 200
    assert not Procedure.objects.exists()


def test_changing_only_the_form_in_the_admin_publishes_a_version(admin_client_logged_in, field_and_agency):
    admin_client_logged_in.post(reverse("admin:procedures_procedure_add"), procedure_form(
        field=field_and_agency[0], agency=field_and_agency[1], form_fields=[form_field_row(label="Họ tên")]))
    procedure = Procedure.objects.get()
    url = reverse("admin:procedures_procedure_change", args=[procedure.pk])
    data = procedure_form(field=field_and_agency[0], agency=field_and_agency[1], steps=())
    data.update(existing_steps(procedure))
    data.update(existing_form_fields(procedure))

    assert admin_client_logged_in.post(url, data).status_code == 302
    assert procedure.versions.count() == 1, "saving an unchanged procedure publishes nothing"

    data["form_fields-0-label"] = "Họ, chữ đệm, tên người yêu cầu"
    assert admin_client_logged_in.post(url, data).status_code == 302
    first, second = procedure.versions.order_by("number")
    assert first.snapshot["form"][0]["label"] == "Họ tên"
    assert second.snapshot["form"][0]["label"] == "Họ, chữ đệm, tên người yêu cầu"


def test_form_fields_inline_lists_the_form_in_order(admin_client_logged_in):
    procedure = ProcedureFactory()
    FormFieldFactory(procedure=procedure, order=2, name="ngay_sinh", label="Ngày, tháng, năm sinh",
                     kind="date")
    FormFieldFactory(procedure=procedure, order=1, name="ho_ten",
                     label="Họ, chữ đệm, tên người được khai sinh")
    page = admin_client_logged_in.get(reverse("admin:procedures_procedure_change", args=[procedure.pk]))
    content = page.content.decode()
    assert content.index("Họ, chữ đệm, tên người được khai sinh") < content.index("Ngày, tháng, năm sinh")
