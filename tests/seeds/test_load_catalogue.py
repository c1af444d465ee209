from datetime import date
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from citizens.models import User
from procedures.models import (
    AdministrativeUnit,
    Agency,
    Fee,
    Field,
    LegalDocument,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
)
from seeds.catalogue import DEFAULT_CATALOGUE
from workflows.worktime.clock import working_calendar
from workflows.worktime.models import CalendarException

pytestmark = pytest.mark.django_db
CATALOGUE_MODELS = [
    AdministrativeUnit, Agency, Field, LegalDocument, Procedure, ProcessStep, RequiredDocument, Fee, ProcedureVersion,
]


def counts():
    return {model.__name__: model.objects.count() for model in CATALOGUE_MODELS}


@pytest.fixture
def loaded():
    call_command("load_catalogue", stdout=StringIO())
    return counts()


def test_loading_twice_duplicates_nothing(loaded):
    output = StringIO()
    call_command("load_catalogue", stdout=output)
    assert counts() == loaded
    assert "procedure versions published: 0" in output.getvalue()


def test_seeded_province_is_realistic(loaded):
    province = AdministrativeUnit.objects.get(parent__isnull=True)
    assert province.name == "Tỉnh Thanh Hóa"
    assert province.children.count() >= 20
    assert Procedure.objects.count() >= 25
    assert Field.objects.filter(procedures__isnull=False).distinct().count() >= 6
    assert Agency.objects.filter(kind=Agency.Kind.DEPARTMENT).count() >= 8
    assert Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTRE, receives_dossiers=True).exists()
    for code in ["1.001193", "1.000894", "1.000656"]:  # birth, marriage, death registration
        assert Procedure.objects.filter(code=code).exists(), code
    for procedure in Procedure.objects.prefetch_related("steps", "documents"):
        assert sum(step.share for step in procedure.steps.all()) == procedure.time_limit, procedure.code
        assert procedure.documents.exists(), procedure.code
        assert procedure.versions.count() == 1


def test_the_seed_ships_2026s_announced_days_and_same_day_procedures(loaded):
    assert set(CalendarException.objects.values_list("day", "kind")) >= {
        (date(2026, 1, 2), "day_off"), (date(2026, 1, 10), "working_day")}
    calendar = working_calendar()
    assert not calendar.is_working_day(date(2026, 1, 2)) and calendar.is_working_day(date(2026, 1, 10))
    # Civil status and certification: "trong ngày, nhận sau 15 giờ trả trong ngày làm việc tiếp theo".
    for code in ["1.001193", "1.000894", "1.000656", "2.000815"]:
        procedure = Procedure.objects.get(code=code)
        assert (procedure.time_limit_unit, procedure.same_day_cutoff.isoformat()) == ("same_day", "15:00:00"), code


def test_reloading_a_changed_procedure_publishes_a_new_version(loaded, tmp_path):
    data = yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    birth = next(entry for entry in data["procedures"] if entry["code"] == "1.001193")
    birth["documents"] = birth["documents"][:1]
    changed = tmp_path / "catalogue.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    call_command("load_catalogue", "--file", str(changed), stdout=StringIO())

    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.documents.count() == 1
    first, second = procedure.versions.order_by("number")
    assert len(second.snapshot["documents"]) == 1 < len(first.snapshot["documents"])


def test_bad_catalogue_entry_is_refused_with_its_code_and_nothing_is_half_loaded(tmp_path):
    data = yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    data["procedures"][-1]["steps"][0]["share"] = 99
    bad = tmp_path / "catalogue.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError, match=data["procedures"][-1]["code"]):
        call_command("load_catalogue", "--file", str(bad), stdout=StringIO())
    assert counts() == {model.__name__: 0 for model in CATALOGUE_MODELS}


def test_missing_catalogue_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_catalogue", "--file", str(tmp_path / "missing.yaml"), stdout=StringIO())


def test_demo_accounts_are_created_once_and_printed():
    output = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=output)
        call_command("seed_demo", stdout=StringIO())
    assert User.objects.count() == 3
    assert "onestop-admin" in output.getvalue()
    editor = User.objects.get(username="bientap")
    assert editor.is_staff and not editor.is_superuser and editor.has_perm("procedures.change_procedure")
    assert not User.objects.get(username="congdan").is_staff


def test_demo_accounts_are_never_created_in_production():
    with override_settings(DEBUG=False), pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_the_blank_forms_of_the_catalogue_download_from_the_start_page_and_load_once(loaded, client):
    form = RequiredDocument.objects.get(procedure__code="1.001193", name="Tờ khai đăng ký khai sinh theo mẫu")
    stored = form.template.name
    assert form.template.read(5) == b"%PDF-"

    page = client.get(reverse("citizens:start", args=["1.001193"]))
    link = reverse("procedures:document-template", args=["1.001193", form.pk])
    assert link in page.content.decode()
    download = client.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content)[:5] == b"%PDF-"

    call_command("load_catalogue", stdout=StringIO())
    assert RequiredDocument.objects.get(pk=form.pk).template.name == stored


def test_a_template_the_catalogue_names_but_nobody_shipped_is_refused_with_its_procedure(tmp_path):
    data = yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    procedure = data["procedures"][-1]
    procedure["documents"][0]["template"] = "mau-khong-co.pdf"
    bad = tmp_path / "catalogue.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError, match=f"{procedure['code']}: no template file mau-khong-co.pdf"):
        call_command("load_catalogue", "--file", str(bad), stdout=StringIO())
    assert counts() == {model.__name__: 0 for model in CATALOGUE_MODELS}
