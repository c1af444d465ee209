import time
from decimal import Decimal

import factory
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.http import HttpRequest

from citizens.staff import is_staff
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


# Every staff member the tests make has this authenticator app: a test that signs in through the form types
# totp_code() (README: the demo staff share seeds.demo.DEMO_TOTP_SECRET instead).
STAFF_TOTP_SECRET = "ONESTOPTESTSTAFF"


def enrol_totp(user, secret=STAFF_TOTP_SECRET):
    """The staff member's authenticator app, set up with a known secret."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
    return secret


def totp_code(secret=STAFF_TOTP_SECRET, at=None):
    """What the authenticator app shows now (or at `at`, epoch seconds)."""
    return format_hotp_value(hotp_value(secret, int(time.time() if at is None else at) // 30))


def with_second_factor(force_login):
    """The test client's force_login as a complete sign-in: for staff, an enrolled authenticator (the factories'
    secret, if they have none) and the second factor passed in this session, as if they had typed its code. Tests of
    the sign-in itself use client.login() or the form, which record only the password."""

    def force_login_with_second_factor(client, user, backend=None):
        if is_staff(user, api=True):
            enrol_totp(user)
        force_login(client, user, backend)
        request = HttpRequest()
        request.session = client.session
        request.user = user
        record_authentication(request, user, "mfa", type=Authenticator.Type.TOTP)
        request.session.save()

    return force_login_with_second_factor
