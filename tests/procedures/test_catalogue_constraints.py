from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from procedures.models import AdministrativeUnit, Agency, Procedure, ProcessStep
from procedures.services import publish_procedure_version
from procedures.validators import validate_step_shares
from tests.factories import AgencyFactory, CommuneFactory, FeeFactory, ProcedureFactory, ProvinceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("time_limit", "shares", "valid"),
    [
        pytest.param("5", ["0.5", "4", "0.5"], True, id="days-add-up"),
        pytest.param("5", ["0.5", "4", "0.5", "0"], True, id="return-step-without-time"),
        pytest.param("5", ["0.5", "3", "0.5"], False, id="days-short"),
        pytest.param("5", ["1", "4", "0.5"], False, id="days-over"),
        pytest.param("8", ["2", "6"], True, id="hours-add-up"),
        pytest.param("5", [], False, id="no-steps"),
    ],
)
def test_step_shares_must_add_up_to_the_time_limit(time_limit, shares, valid):
    if valid:
        validate_step_shares(time_limit=Decimal(time_limit), shares=shares)
    else:
        with pytest.raises(ValidationError):
            validate_step_shares(time_limit=Decimal(time_limit), shares=shares)


def test_mismatch_message_names_both_totals():
    with pytest.raises(ValidationError) as error:
        validate_step_shares(time_limit=Decimal("10.00"), shares=[Decimal("0.5"), Decimal("8")])
    assert "8.5" in error.value.messages[0] and "10" in error.value.messages[0]


def test_publishing_refuses_a_process_that_does_not_add_up():
    procedure = ProcedureFactory(steps=[Decimal("1"), Decimal("1")])
    with pytest.raises(ValidationError):
        publish_procedure_version(procedure=procedure)
    assert not procedure.versions.exists()


def test_procedure_codes_are_unique():
    ProcedureFactory(code="1.001193")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureFactory(code="1.001193")


def test_agency_and_unit_codes_are_unique():
    AgencyFactory(code="000.00.06.H56")
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyFactory(code="000.00.06.H56")
    CommuneFactory(code="14797")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommuneFactory(code="14797")


def test_step_order_is_unique_within_a_procedure():
    procedure = ProcedureFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessStep.objects.create(procedure=procedure, order=1, name="Trùng", role="specialist", share=0)


@pytest.mark.parametrize(
    ("code", "valid"),
    [("1.001193", True), ("2.000488", True), ("1001193", False), ("1.00119", False), ("A.001193", False)],
)
def test_procedure_code_format(code, valid):
    procedure = ProcedureFactory.build(code=code, field=ProcedureFactory().field, competent_agency=AgencyFactory())
    if valid:
        procedure.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            procedure.full_clean()
        assert "code" in error.value.message_dict


def test_agency_code_follows_the_electronic_code_format():
    agency = AgencyFactory.build(code="H56-SOTUPHAP", unit=ProvinceFactory())
    with pytest.raises(ValidationError) as error:
        agency.full_clean()
    assert "code" in error.value.message_dict


def test_database_refuses_a_province_level_procedure_without_competent_agency():
    procedure = ProcedureFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Procedure.objects.filter(pk=procedure.pk).update(competent_agency=None)


def test_commune_level_procedure_names_the_commune_agency_kind():
    procedure = ProcedureFactory.build(
        level=Procedure.Level.COMMUNE,
        competent_agency=None,
        competent_agency_kind="",
        field=ProcedureFactory().field,
    )
    with pytest.raises(ValidationError) as error:
        procedure.full_clean()
    assert "competent_agency_kind" in error.value.message_dict
    procedure.competent_agency_kind = Agency.Kind.COMMUNE_COMMITTEE
    procedure.full_clean()


def test_database_refuses_a_non_positive_time_limit():
    procedure = ProcedureFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Procedure.objects.filter(pk=procedure.pk).update(time_limit=0)


def test_commune_needs_a_province_and_a_five_digit_code():
    province = ProvinceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AdministrativeUnit.objects.create(code="14797", name="Phường Hạc Thành", kind="ward")
    with pytest.raises(IntegrityError), transaction.atomic():
        AdministrativeUnit.objects.create(code="147", name="Phường Hạc Thành", kind="ward", parent=province)


def test_service_point_belongs_to_a_commune_committee():
    commune = CommuneFactory()
    department = AgencyFactory()
    point = Agency(
        code="001.02.03.H56", name="Điểm phục vụ", kind=Agency.Kind.COMMUNE_SERVICE_POINT, unit=commune,
        parent=department,
    )
    with pytest.raises(ValidationError) as error:
        point.full_clean()
    assert "parent" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Agency.objects.create(code="001.02.04.H56", name="Điểm", kind=Agency.Kind.COMMUNE_SERVICE_POINT, unit=commune)


def test_effective_period_cannot_end_before_it_starts():
    agency = AgencyFactory.build(unit=ProvinceFactory(), effective_from="2025-07-01", effective_to="2025-06-30")
    with pytest.raises(ValidationError):
        agency.full_clean()


def test_a_filed_version_keeps_what_it_was_filed_under():
    procedure = ProcedureFactory(name="Cấp giấy phép xây dựng", time_limit=Decimal(5))
    FeeFactory(procedure=procedure, amount=75_000)
    first = publish_procedure_version(procedure=procedure)

    procedure.name = "Cấp giấy phép xây dựng mới"
    procedure.save()
    procedure.fees.update(amount=100_000)
    second = publish_procedure_version(procedure=procedure)

    first.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert first.snapshot["name"] == "Cấp giấy phép xây dựng"
    assert first.snapshot["fees"][0]["amount"] == 75_000
    assert second.snapshot["fees"][0]["amount"] == 100_000


def test_publishing_an_unchanged_procedure_adds_no_version():
    procedure = ProcedureFactory()
    first = publish_procedure_version(procedure=procedure)
    assert publish_procedure_version(procedure=procedure) == first
    assert procedure.versions.count() == 1


def test_a_published_version_blocks_deleting_the_procedure():
    procedure = ProcedureFactory()
    publish_procedure_version(procedure=procedure)
    with pytest.raises(ProtectedError):
        procedure.delete()
