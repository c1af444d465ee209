import datetime
import importlib
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
import yaml
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from procedures.forms import application_form, form_data_for_storage, initial_from_storage
from procedures.models import FormField, Procedure, ProcedureVersion
from procedures.services import publish_procedure_version
from procedures.validators import normalise_phone, validate_identity_number, validate_phone_number
from seeds.catalogue import DEFAULT_CATALOGUE
from tests.factories import FormFieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

# Identity numbers below are made up: 038 is Thanh Hóa, the 4th digit gives century and sex.
TODAY = datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=7)))


def spec(name, kind, **extra):
    """One entry of a snapshot's "form" list, with the defaults a published field has."""
    return {"name": name, "label": name.replace("_", " ").capitalize(), "kind": kind, "required": True,
            "help_text": "", "choices": [], "min_length": None, "max_length": None, "min_value": None,
            "max_value": None, **extra}


DEFINITION = [
    spec("ho_ten", "text", min_length=2, max_length=100, help_text="Viết có dấu"),
    spec("dia_chi", "textarea", required=False),
    spec("so_tang", "integer", min_value="1", max_value="20"),
    spec("dien_tich", "decimal", min_value="1", max_value="1000"),
    spec("ngay_sinh", "date"),
    spec("email", "email", required=False),
    spec("dien_thoai", "phone"),
    spec("so_dinh_danh", "identity_number"),
    spec("gioi_tinh", "choice", choices=["Nam", "Nữ"]),
    spec("dan_toc", "choice", choices=["Kinh", "Mường", "Thái"], required=False),
    spec("muc_dich", "multiple_choice", choices=["Xin việc làm", "Du học", "Khác"]),
    spec("cam_doan", "checkbox"),
    spec("nhan_qua_buu_dien", "checkbox", required=False),
]
VALID = {
    "ho_ten": "Lê Thị Hoa", "dia_chi": "", "so_tang": "3", "dien_tich": "120.50", "ngay_sinh": "1990-05-17",
    "email": "hoa@example.vn", "dien_thoai": "+84 912.345.678", "so_dinh_danh": "038 190 012 345",
    "gioi_tinh": "Nữ", "dan_toc": "", "muc_dich": ["Xin việc làm", "Khác"], "cam_doan": "on",
}


def error_codes(form, name):
    return [error.code for error in form.errors.as_data().get(name, [])]


# Validators


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param("038090012345", None, id="man-born-1990"),
        pytest.param("001305012345", None, id="woman-born-2005"),
        pytest.param("038226012345", None, id="born-this-year"),
        pytest.param("096899012345", None, id="born-1899"),
        pytest.param("03809001234", "identity_number_length", id="11-digits"),
        pytest.param("0380900123456", "identity_number_length", id="13-digits"),
        pytest.param("03809001234a", "identity_number_not_digits", id="letter"),
        pytest.param("０３８０９００１２３４５", "identity_number_not_digits", id="full-width-digits"),
        pytest.param("003090012345", "identity_number_province", id="unknown-province-003"),
        pytest.param("097090012345", "identity_number_province", id="unknown-province-097"),
        pytest.param("038227012345", "identity_number_birth_year", id="born-next-year"),
        pytest.param("038400012345", "identity_number_birth_year", id="born-2100"),
    ],
)
def test_identity_number_validation(value, code):
    if code is None:
        validate_identity_number(value)
        return
    with pytest.raises(ValidationError) as error:
        validate_identity_number(value)
    assert error.value.code == code


def test_identity_number_errors_say_what_is_wrong():
    with pytest.raises(ValidationError) as error:
        validate_identity_number("03809001234")
    assert "12" in error.value.messages[0] and "11" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        validate_identity_number("003090012345")
    assert "003" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        validate_identity_number("038499012345")
    assert "2199" in error.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("0084 912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("(+84) 912-345-678", "0912345678"),
        ("", ""),
    ],
)
def test_phone_numbers_are_normalised(typed, normalised):
    assert normalise_phone(typed) == normalised


@pytest.mark.parametrize(
    ("value", "valid"),
    [("0912345678", True), ("0387654321", True), ("912345678", False), ("09123456789", False),
     ("1912345678", False), ("0912 345 678", False), ("+84912345678", False), ("09123456a8", False)],
)
def test_phone_number_validation(value, valid):
    if valid:
        validate_phone_number(value)
    else:
        with pytest.raises(ValidationError) as error:
            validate_phone_number(value)
        assert error.value.code == "phone_number"


# The form built from a definition


def test_unbound_form_renders_each_kind_with_its_widget():
    form = application_form(DEFINITION, prefix="to_khai")
    assert not form.is_bound
    html = str(form)
    assert list(form.fields) == [entry["name"] for entry in DEFINITION]
    assert 'name="to_khai-ho_ten"' in html and 'maxlength="100"' in html and "Viết có dấu" in html
    assert "<textarea" in html
    assert 'type="number"' in html and 'min="1"' in html and 'max="20"' in html and 'step="any"' in html
    assert 'type="date"' in html
    assert 'type="email"' in html
    assert html.count('inputmode="numeric"') == 2
    assert 'autocomplete="tel"' in html
    assert '<option value="" selected>' in html
    assert 'type="checkbox" name="to_khai-muc_dich"' in html
    assert 'type="checkbox" name="to_khai-cam_doan"' in html


@pytest.mark.parametrize(
    ("name", "field_class", "widget_class"),
    [
        ("ho_ten", "CharField", "TextInput"),
        ("dia_chi", "CharField", "Textarea"),
        ("so_tang", "IntegerField", "NumberInput"),
        ("dien_tich", "DecimalField", "NumberInput"),
        ("ngay_sinh", "DateField", "DateInput"),
        ("email", "EmailField", "EmailInput"),
        ("dien_thoai", "PhoneNumberField", "TextInput"),
        ("so_dinh_danh", "IdentityNumberField", "TextInput"),
        ("gioi_tinh", "ChoiceField", "Select"),
        ("muc_dich", "MultipleChoiceField", "CheckboxSelectMultiple"),
        ("cam_doan", "BooleanField", "CheckboxInput"),
    ],
)
def test_each_kind_gets_its_form_field(name, field_class, widget_class):
    field = application_form(DEFINITION).fields[name]
    assert type(field).__name__ == field_class
    assert type(field.widget).__name__ == widget_class


def test_a_choice_list_starts_with_a_blank_entry():
    form = application_form(DEFINITION)
    assert [value for value, _label in form.fields["gioi_tinh"].choices] == ["", "Nam", "Nữ"]
    assert [value for value, _label in form.fields["dan_toc"].choices] == ["", "Kinh", "Mường", "Thái"]
    assert [value for value, _label in form.fields["muc_dich"].choices] == ["Xin việc làm", "Du học", "Khác"]


@time_machine.travel(TODAY, tick=False)
def test_valid_answers_are_cleaned():
    form = application_form(DEFINITION, data=VALID)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["so_tang"] == 3
    assert form.cleaned_data["dien_tich"] == Decimal("120.50")
    assert form.cleaned_data["ngay_sinh"] == datetime.date(1990, 5, 17)
    assert form.cleaned_data["dien_thoai"] == "0912345678"
    assert form.cleaned_data["so_dinh_danh"] == "038190012345"
    assert form.cleaned_data["muc_dich"] == ["Xin việc làm", "Khác"]
    assert form.cleaned_data["cam_doan"] is True and form.cleaned_data["nhan_qua_buu_dien"] is False


def test_a_date_may_also_be_typed_the_vietnamese_way():
    form = application_form([spec("ngay_sinh", "date")], data={"ngay_sinh": "17/05/1990"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["ngay_sinh"] == datetime.date(1990, 5, 17)


def test_required_fields_must_be_answered_and_optional_ones_may_be_left_empty():
    form = application_form(DEFINITION, data={})
    assert not form.is_valid()
    required = {entry["name"] for entry in DEFINITION if entry["required"]}
    assert {name for name, codes in ((name, error_codes(form, name)) for name in form.fields)
            if "required" in codes} == required


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        pytest.param("so_dinh_danh", "03809001234", "identity_number_length", id="cccd-11-digits"),
        pytest.param("so_dinh_danh", "038299012345", "identity_number_birth_year", id="cccd-born-2099"),
        pytest.param("so_dinh_danh", "099090012345", "identity_number_province", id="cccd-unknown-province"),
        pytest.param("dien_thoai", "091234567", "phone_number", id="phone-9-digits"),
        pytest.param("dien_thoai", "+1 650 253 0000", "phone_number", id="phone-foreign"),
        pytest.param("gioi_tinh", "Khác", "invalid_choice", id="choice-not-offered"),
        pytest.param("muc_dich", ["Du học", "Đi chơi"], "invalid_choice", id="multiple-choice-not-offered"),
        pytest.param("so_tang", "0", "min_value", id="integer-below-range"),
        pytest.param("so_tang", "21", "max_value", id="integer-above-range"),
        pytest.param("so_tang", "2.5", "invalid", id="integer-with-decimals"),
        pytest.param("dien_tich", "1000.01", "max_value", id="decimal-above-range"),
        pytest.param("dien_tich", "NaN", "invalid", id="decimal-not-a-number"),
        pytest.param("ho_ten", "A", "min_length", id="text-too-short"),
        pytest.param("ho_ten", "A" * 101, "max_length", id="text-too-long"),
        pytest.param("ngay_sinh", "2026-02-30", "invalid", id="date-that-does-not-exist"),
        pytest.param("email", "hoa@", "invalid", id="email"),
    ],
)
def test_bad_answers_give_specific_errors(name, value, code):
    form = application_form(DEFINITION, data={**VALID, name: value})
    assert not form.is_valid()
    assert error_codes(form, name) == [code]
    assert set(form.errors) == {name}


def test_text_fields_are_capped_even_without_a_maximum():
    form = application_form([spec("ghi_chu", "textarea"), spec("ten", "text")],
                            data={"ghi_chu": "x" * 5001, "ten": "x" * 501})
    assert not form.is_valid()
    assert error_codes(form, "ghi_chu") == ["max_length"] and error_codes(form, "ten") == ["max_length"]


@time_machine.travel(TODAY, tick=False)
def test_answers_round_trip_through_storage_and_back_into_the_form():
    form = application_form(DEFINITION, data=VALID)
    assert form.is_valid(), form.errors

    stored = form_data_for_storage(form)

    assert json.loads(json.dumps(stored)) == stored
    assert stored == {
        "ho_ten": "Lê Thị Hoa", "dia_chi": "", "so_tang": 3, "dien_tich": "120.5", "ngay_sinh": "1990-05-17",
        "email": "hoa@example.vn", "dien_thoai": "0912345678", "so_dinh_danh": "038190012345",
        "gioi_tinh": "Nữ", "dan_toc": "", "muc_dich": ["Xin việc làm", "Khác"], "cam_doan": True,
        "nhan_qua_buu_dien": False,
    }
    initial = initial_from_storage(DEFINITION, stored)
    assert initial == {**form.cleaned_data, "dien_tich": Decimal("120.5")}
    draft = application_form(DEFINITION, initial=initial)
    html = str(draft)
    assert 'value="1990-05-17"' in html and 'value="120.5"' in html and 'value="0912345678"' in html
    assert '<option value="Nữ" selected>' in html
    # Submitting the draft unchanged stores the same answers.
    resubmitted = application_form(DEFINITION, data={**stored, "cam_doan": "on", "nhan_qua_buu_dien": ""})
    assert resubmitted.is_valid(), resubmitted.errors
    assert form_data_for_storage(resubmitted) == stored


def test_empty_optional_answers_are_stored_as_empty():
    definition = [spec("so_con", "integer", required=False), spec("ngay_cap", "date", required=False),
                  spec("dien_tich", "decimal", required=False), spec("muc_dich", "multiple_choice",
                                                                     choices=["A", "B"], required=False)]
    form = application_form(definition, data={})
    assert form.is_valid(), form.errors
    stored = form_data_for_storage(form)
    assert stored == {"so_con": None, "ngay_cap": None, "dien_tich": None, "muc_dich": []}
    assert initial_from_storage(definition, stored) == {"muc_dich": []}


def test_initial_skips_answers_the_form_no_longer_has_or_cannot_read():
    definition = [spec("ngay_sinh", "date"), spec("dien_tich", "decimal")]
    stored = {"ngay_sinh": "17/05/1990", "dien_tich": "abc", "ten_cu": "Hoa"}
    assert initial_from_storage(definition, stored) == {}


# The catalogue model


@pytest.mark.parametrize(
    ("values", "error_field"),
    [
        pytest.param({"kind": "choice"}, "choices", id="choice-without-choices"),
        pytest.param({"kind": "multiple_choice", "choices": " \n \n"}, "choices", id="blank-lines-only"),
        pytest.param({"kind": "choice", "choices": "Nam\nNam"}, "choices", id="duplicate-choice"),
        pytest.param({"kind": "text", "choices": "Nam\nNữ"}, "choices", id="choices-on-text"),
        pytest.param({"kind": "checkbox", "choices": "Có"}, "choices", id="choices-on-checkbox"),
        pytest.param({"kind": "integer", "max_length": 10}, "max_length", id="length-on-a-number"),
        pytest.param({"kind": "text", "min_length": 9, "max_length": 5}, "max_length", id="lengths-reversed"),
        pytest.param({"kind": "date", "min_value": Decimal(1)}, "min_value", id="value-on-a-date"),
        pytest.param({"kind": "integer", "min_value": Decimal("1.5")}, "min_value", id="integer-half-limit"),
        pytest.param({"kind": "decimal", "min_value": Decimal(5), "max_value": Decimal(1)}, "max_value",
                     id="values-reversed"),
        pytest.param({"name": "Ho_ten"}, "name", id="uppercase-name"),
        pytest.param({"name": "họ_tên"}, "name", id="accented-name"),
        pytest.param({"name": "1_ten"}, "name", id="name-starting-with-a-digit"),
        pytest.param({"order": 0}, "order", id="order-zero"),
    ],
)
def test_form_field_clean_refuses_inconsistent_definitions(values, error_field):
    values = {"order": 1, "name": "truong", **values}
    form_field = FormFieldFactory.build(procedure=ProcedureFactory(), **values)
    with pytest.raises(ValidationError) as error:
        form_field.full_clean()
    assert error_field in error.value.message_dict


def test_form_field_clean_accepts_and_tidies_choices():
    form_field = FormFieldFactory.build(procedure=ProcedureFactory(), order=1, kind="choice",
                                        choices=" Nam \r\n\r\nNữ\r\n")
    form_field.full_clean()
    assert form_field.choices == "Nam\nNữ"
    assert form_field.snapshot()["choices"] == ["Nam", "Nữ"]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"kind": "choice", "choices": ""}, id="choice-without-choices"),
        pytest.param({"kind": "text", "choices": "Nam"}, id="choices-on-text"),
        pytest.param({"kind": "date", "max_length": 10}, id="length-on-a-date"),
        pytest.param({"kind": "text", "min_value": 1}, id="value-on-text"),
        pytest.param({"name": "Họ tên"}, id="name-not-a-slug"),
    ],
)
def test_database_refuses_inconsistent_form_fields(values):
    values = {"order": 1, "name": "truong", "label": "Trường", **values}
    procedure = ProcedureFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        FormField.objects.create(procedure=procedure, **values)


@pytest.mark.parametrize("duplicate", [{"order": 1, "name": "khac"}, {"order": 2, "name": "ho_ten"}])
def test_order_and_name_are_unique_within_a_form(duplicate):
    first = FormFieldFactory(order=1, name="ho_ten")
    FormFieldFactory(procedure=ProcedureFactory(), order=1, name="ho_ten")  # another form may reuse both
    with pytest.raises(IntegrityError), transaction.atomic():
        FormField.objects.create(procedure=first.procedure, label="Trường", **duplicate)


# Snapshots and publishing


def test_the_snapshot_carries_the_form_in_order():
    procedure = ProcedureFactory()
    FormFieldFactory(procedure=procedure, order=2, name="gioi_tinh", label="Giới tính", kind="choice",
                     choices="Nam\nNữ", required=False, help_text="Theo giấy chứng sinh")
    FormFieldFactory(procedure=procedure, order=1, name="dien_tich", label="Diện tích (m²)", kind="decimal",
                     min_value=Decimal("1.50"), max_value=Decimal(1000))
    version = publish_procedure_version(procedure=procedure)
    version.refresh_from_db()
    assert version.snapshot["form"] == [
        {"name": "dien_tich", "label": "Diện tích (m²)", "kind": "decimal", "required": True, "help_text": "",
         "choices": [], "min_length": None, "max_length": None, "min_value": "1.5", "max_value": "1000"},
        {"name": "gioi_tinh", "label": "Giới tính", "kind": "choice", "required": False,
         "help_text": "Theo giấy chứng sinh", "choices": ["Nam", "Nữ"], "min_length": None,
         "max_length": None, "min_value": None, "max_value": None},
    ]
    assert application_form(version.snapshot["form"]).fields["dien_tich"].min_value == Decimal("1.5")


def test_a_form_change_publishes_a_new_version_and_the_old_one_keeps_its_form():
    procedure = ProcedureFactory()
    field = FormFieldFactory(procedure=procedure, order=1, name="ho_ten", label="Họ tên")
    first = publish_procedure_version(procedure=procedure)
    assert publish_procedure_version(procedure=procedure) == first

    field.label = "Họ, chữ đệm, tên"
    field.save()
    second = publish_procedure_version(procedure=procedure)
    FormFieldFactory(procedure=procedure, order=2, name="ngay_sinh", label="Ngày sinh", kind="date")
    third = publish_procedure_version(procedure=procedure)

    first.refresh_from_db()
    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert [entry["label"] for entry in first.snapshot["form"]] == ["Họ tên"]
    assert [entry["label"] for entry in second.snapshot["form"]] == ["Họ, chữ đệm, tên"]
    assert [entry["name"] for entry in third.snapshot["form"]] == ["ho_ten", "ngay_sinh"]


def test_renumbering_the_form_without_reordering_it_publishes_nothing():
    procedure = ProcedureFactory()
    FormFieldFactory(procedure=procedure, order=1, name="ho_ten")
    FormFieldFactory(procedure=procedure, order=2, name="ngay_sinh", kind="date")
    first = publish_procedure_version(procedure=procedure)
    procedure.form_fields.filter(name="ngay_sinh").update(order=20)
    procedure.form_fields.filter(name="ho_ten").update(order=10)
    assert publish_procedure_version(procedure=procedure) == first


def test_versions_published_before_forms_existed_are_not_republished():
    procedure = ProcedureFactory()
    snapshot = procedure.snapshot()
    del snapshot["form"]
    old = ProcedureVersion.objects.create(procedure=procedure, number=1, snapshot=snapshot)
    migration = importlib.import_module("procedures.migrations.0003_application_form")

    migration.give_versions_an_empty_form(apps, None)

    old.refresh_from_db()
    assert old.snapshot["form"] == []
    assert publish_procedure_version(procedure=procedure) == old


# The seed catalogue

SEEDED_FORMS = ["1.001193", "1.000894", "1.000656", "1.004873", "1.001612", "1.013225", "3.000333"]


def test_seeds_load_application_forms_idempotently():
    call_command("load_catalogue", stdout=StringIO())
    fields = {(field.procedure.code, field.order, field.name, field.pk)
              for field in FormField.objects.select_related("procedure")}
    versions = ProcedureVersion.objects.count()

    output = StringIO()
    call_command("load_catalogue", stdout=output)

    assert {(field.procedure.code, field.order, field.name, field.pk)
            for field in FormField.objects.select_related("procedure")} == fields
    assert ProcedureVersion.objects.count() == versions
    assert "procedure versions published: 0" in output.getvalue()
    created = next(line for line in output.getvalue().splitlines() if "created:" in line)
    assert "application form fields" not in created


def test_seeded_forms_are_realistic_and_build():
    call_command("load_catalogue", stdout=StringIO())
    for code in SEEDED_FORMS:
        form = Procedure.objects.get(code=code).current_version.snapshot["form"]
        assert len(form) >= 8, code
        assert application_form(form).fields, code
    snapshot = Procedure.objects.get(code="1.001193").current_version.snapshot
    birth = {entry["name"]: entry for entry in snapshot["form"]}
    assert birth["ho_ten"]["label"] == "Họ, chữ đệm, tên người được khai sinh"
    assert birth["gioi_tinh"]["choices"] == ["Nam", "Nữ"]
    assert birth["ngay_sinh"]["kind"] == "date"
    assert birth["nguoi_yeu_cau_so_dinh_danh"]["kind"] == "identity_number"


def test_reloading_a_reordered_and_renamed_form_rebuilds_it_and_publishes_once(tmp_path):
    call_command("load_catalogue", stdout=StringIO())
    data = yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    birth = next(entry for entry in data["procedures"] if entry["code"] == "1.001193")
    birth["form"][0], birth["form"][1] = birth["form"][1], birth["form"][0]
    birth["form"][2]["name"] = "noi_cu_tru_nguoi_yeu_cau"
    changed = tmp_path / "catalogue.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    call_command("load_catalogue", "--file", str(changed), stdout=StringIO())
    call_command("load_catalogue", "--file", str(changed), stdout=StringIO())

    procedure = Procedure.objects.get(code="1.001193")
    names = [field.name for field in procedure.form_fields.all()]
    assert names[:3] == ["nguoi_yeu_cau_so_dinh_danh", "nguoi_yeu_cau_ho_ten", "noi_cu_tru_nguoi_yeu_cau"]
    assert procedure.versions.count() == 2
    assert [entry["name"] for entry in procedure.current_version.snapshot["form"]] == names


def test_a_bad_form_field_in_the_catalogue_is_refused_with_its_procedure(tmp_path):
    data = yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    birth = next(entry for entry in data["procedures"] if entry["code"] == "1.001193")
    birth["form"][0]["kind"] = "choice"
    bad = tmp_path / "catalogue.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError, match="1.001193"):
        call_command("load_catalogue", "--file", str(bad), stdout=StringIO())
    assert not FormField.objects.exists()
