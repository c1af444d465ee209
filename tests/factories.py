from decimal import Decimal

import factory

from procedures.models import (
    AdministrativeUnit,
    Agency,
    Fee,
    Field,
    FormField,
    Procedure,
    ProcessStep,
    RequiredDocument,
    StepRole,
)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ["code"]

    code = "38"
    name = "Tỉnh Thanh Hóa"
    kind = AdministrativeUnit.Kind.PROVINCE


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    code = factory.Sequence(lambda n: f"{16000 + n:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    kind = AdministrativeUnit.Kind.COMMUNE
    parent = factory.SubFactory(ProvinceFactory)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"000.00.{n % 100:02d}.H{56 + n // 100:02d}")
    name = factory.Sequence(lambda n: f"Sở Thử Nghiệm {n}")
    kind = Agency.Kind.DEPARTMENT
    unit = factory.SubFactory(ProvinceFactory)


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field

    code = factory.Sequence(lambda n: f"F{n:03d}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A province-level procedure of 5 working days split over three steps."""

    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"9.{n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục thử nghiệm {n}")
    field = factory.SubFactory(FieldFactory)
    level = Procedure.Level.PROVINCE
    competent_agency = factory.SubFactory(AgencyFactory)
    time_limit = Decimal(5)
    online_level = Procedure.OnlineLevel.FULL
    result = "Giấy chứng nhận"

    @factory.post_generation
    def steps(procedure, create, extracted, **kwargs):
        if not create:
            return
        shares = extracted if extracted is not None else [Decimal("0.5"), Decimal("4"), Decimal("0.5")]
        roles = kwargs.get("roles") or [
            StepRole.RECEIVING_OFFICER, StepRole.SPECIALIST, StepRole.AGENCY_LEADER, StepRole.RESULT_DESK,
        ]
        for order, share in enumerate(shares, start=1):
            ProcessStep.objects.create(
                procedure=procedure, order=order, name=f"Bước {order}", role=roles[min(order - 1, len(roles) - 1)],
                share=share,
            )


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    procedure = factory.SubFactory(ProcedureFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = "Tờ khai theo mẫu"


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fee

    procedure = factory.SubFactory(ProcedureFactory)
    name = "Lệ phí"
    kind = Fee.Kind.CHARGE
    amount = 50_000


class FormFieldFactory(factory.django.DjangoModelFactory):
    """A required short-text field of a procedure's application form."""

    class Meta:
        model = FormField

    procedure = factory.SubFactory(ProcedureFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"truong_{n}")
    label = factory.Sequence(lambda n: f"Trường thông tin {n}")
    kind = FormField.Kind.TEXT
