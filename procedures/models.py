"""The catalogue: where dossiers are filed and settled, and what each procedure asks for."""

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workflows.worktime.calendar import TimeLimit

from .formatting import localized_number, plain_number
from .validators import (
    agency_code_validator,
    form_field_name_validator,
    procedure_code_validator,
    unit_code_validator,
    validate_step_shares,
    validate_template_file,
)


class EffectivePeriodQuerySet(models.QuerySet):
    def effective_on(self, day):
        return self.filter(Q(effective_from__isnull=True) | Q(effective_from__lte=day)).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )

    def effective_today(self):
        return self.effective_on(timezone.localdate())


class EffectivePeriod(models.Model):
    """Units and agencies are renamed and merged; filed dossiers keep pointing at the one that existed then."""

    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective until"), null=True, blank=True)

    objects = EffectivePeriodQuerySet.as_manager()

    class Meta:
        abstract = True

    def in_force_on(self, day):
        """effective_on, for one loaded row."""
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or self.effective_to >= day)

    def clean(self):
        super().clean()
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end of the effective period is before its start.")})


def effective_period_constraint(name):
    return models.CheckConstraint(
        condition=(Q(effective_to__isnull=True) | Q(effective_from__isnull=True)
                   | Q(effective_to__gte=F("effective_from"))),
        name=name,
        violation_error_message=_("The end of the effective period is before its start."),
    )


class AdministrativeUnit(EffectivePeriod):
    """The province or one of its commune-level units (two-level local government since 1 July 2025)."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("Centrally-run city")
        WARD = "ward", _("Ward")
        COMMUNE = "commune", _("Commune")
        SPECIAL_ZONE = "special_zone", _("Special zone")

    PROVINCE_KINDS = (Kind.PROVINCE, Kind.CITY)
    COMMUNE_KINDS = (Kind.WARD, Kind.COMMUNE, Kind.SPECIAL_ZONE)

    code = models.CharField(
        _("official code"),
        max_length=5,
        unique=True,
        validators=[unit_code_validator],
        help_text=_("2 digits for a province, 5 for a commune, ward or special zone."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    predecessors = models.ManyToManyField(
        "self", verbose_name=_("predecessors"), symmetrical=False, blank=True, related_name="successors"
    )

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["province", "city"], parent__isnull=True, code__regex=r"^\d{2}$")
                    | Q(kind__in=["ward", "commune", "special_zone"], parent__isnull=False, code__regex=r"^\d{5}$")
                ),
                name="unit_level_matches_code_and_parent",
                violation_error_message=_(
                    "A province has a 2-digit code and no parent; a commune, ward or special zone has a 5-digit "
                    "code and belongs to a province."
                ),
            ),
            effective_period_constraint("unit_effective_period_ordered"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_province(self):
        return self.kind in self.PROVINCE_KINDS

    def clean(self):
        super().clean()
        if self.parent_id and not self.parent.is_province:
            raise ValidationError({"parent": _("A commune-level unit belongs directly to a province.")})


class Agency(EffectivePeriod):
    """A competent authority that settles dossiers, or a desk that receives them, or both."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Provincial department (Sở)")
        SERVICE_CENTRE = "service_centre", _("Public Administration Service Centre")
        SERVICE_CENTRE_BRANCH = "service_centre_branch", _("Service Centre branch")
        COMMUNE_COMMITTEE = "commune_committee", _("Commune People's Committee")
        COMMUNE_SERVICE_POINT = "commune_service_point", _("Commune public administration service point")

    # What each kind hangs under, and at which level of government it sits.
    PARENT_KIND = {
        Kind.SERVICE_CENTRE_BRANCH: Kind.SERVICE_CENTRE,
        Kind.COMMUNE_SERVICE_POINT: Kind.COMMUNE_COMMITTEE,
    }
    PROVINCE_LEVEL_KINDS = (Kind.DEPARTMENT, Kind.SERVICE_CENTRE)
    COMMUNE_LEVEL_KINDS = (Kind.COMMUNE_COMMITTEE, Kind.COMMUNE_SERVICE_POINT)

    code = models.CharField(
        _("electronic agency code"),
        max_length=16,
        unique=True,
        validators=[agency_code_validator],
        help_text=_("Used in dossier codes, e.g. 000.00.06.H56."),
    )
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("administrative unit"), on_delete=models.PROTECT, related_name="agencies"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
    )
    receives_dossiers = models.BooleanField(
        _("receives dossiers"), default=False, help_text=_("A one-door desk where applicants may file.")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    predecessors = models.ManyToManyField(
        "self", verbose_name=_("predecessors"), symmetrical=False, blank=True, related_name="successors"
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["service_centre_branch", "commune_service_point"]) | Q(parent__isnull=False),
                name="agency_branch_has_parent",
                violation_error_message=_("A branch or service point belongs to a parent agency."),
            ),
            effective_period_constraint("agency_effective_period_ordered"),
        ]
        indexes = [models.Index(fields=["kind", "receives_dossiers"], name="agency_kind_receives_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        expected_parent_kind = self.PARENT_KIND.get(self.kind)
        if self.parent_id:
            if expected_parent_kind is None:
                errors["parent"] = _("Only a branch or a service point has a parent agency.")
            elif self.parent.kind != expected_parent_kind:
                errors["parent"] = _("A %(kind)s belongs to a %(parent_kind)s.") % {
                    "kind": self.get_kind_display(),
                    "parent_kind": self.Kind(expected_parent_kind).label,
                }
        if self.unit_id:
            if self.kind in self.PROVINCE_LEVEL_KINDS and not self.unit.is_province:
                errors["unit"] = _("A provincial department or the Service Centre sits at the province.")
            elif self.kind in self.COMMUNE_LEVEL_KINDS and self.unit.is_province:
                errors["unit"] = _("A commune committee or its service point sits in a commune, ward or special zone.")
        if errors:
            raise ValidationError(errors)


class Field(models.Model):
    """A field of administration (lĩnh vực), e.g. civil status."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name"]

    def __str__(self):
        return self.name


class LegalDocument(models.Model):
    number = models.CharField(_("number"), max_length=60, unique=True, help_text=_("e.g. 123/2015/NĐ-CP"))
    title = models.CharField(_("title"), max_length=500)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ["-issued_on", "number"]

    def __str__(self):
        return f"{self.title} {self.number}"


class DocumentType(models.Model):
    """A kind of paper the state issues (a birth certificate, a land-use right certificate), shared by the
    procedures that issue it and those that ask for it: what lets a citizen's document store offer one again."""

    class IssuerKind(models.TextChoices):
        COMMUNE = "commune", _("Commune People's Committee")
        PROVINCIAL_DEPARTMENT = "department", _("Provincial department")
        POLICE = "police", _("Police")
        COURT = "court", _("Court")
        OTHER = "other", _("Other authority")

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("e.g. giay_khai_sinh"))
    name = models.CharField(_("name"), max_length=200, unique=True)
    issuer_kind = models.CharField(_("issued by"), max_length=20, choices=IssuerKind.choices)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Empty when it never expires."),
    )

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProcedureQuerySet(EffectivePeriodQuerySet):
    def available(self):
        """What a citizen may file today."""
        return self.filter(is_active=True).effective_today()


class AssuranceLevel(models.IntegerChoices):
    """The VNeID electronic identification levels (Decree 69/2024/NĐ-CP): level 2 adds the face or chip check."""

    NONE = 0, _("Not required")
    LEVEL_1 = 1, _("VNeID level 1")
    LEVEL_2 = 2, _("VNeID level 2")


class Procedure(EffectivePeriod):
    """An administrative procedure (thủ tục hành chính) as published on the national public service portal."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        COMMUNE = "commune", _("Commune level")

    class TimeUnit(models.TextChoices):
        DAYS = "days", _("working days")
        HOURS = "hours", _("working hours")
        # "Giải quyết trong ngày; nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo": the steps share working
        # hours, the appointment is the closing time of the day of receipt or, after the cut-off, of the next one.
        SAME_DAY = "same_day", _("same working day")

    class OnlineLevel(models.TextChoices):
        FULL = "full", _("Full-process online")
        PARTIAL = "partial", _("Partial online")

    code = models.CharField(
        _("national code"), max_length=12, unique=True, validators=[procedure_code_validator]
    )
    name = models.CharField(_("name"), max_length=500)
    field = models.ForeignKey(Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="procedures")
    level = models.CharField(_("settled at"), max_length=20, choices=Level.choices)
    competent_agency = models.ForeignKey(
        Agency,
        verbose_name=_("competent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="procedures",
        help_text=_("For procedures settled by the province: the department that decides."),
    )
    competent_agency_kind = models.CharField(
        _("competent agency kind"),
        max_length=30,
        choices=Agency.Kind.choices,
        blank=True,
        help_text=_("For commune-level procedures: the commune People's Committee of the applicant's choice."),
    )
    time_limit = models.DecimalField(
        _("time limit"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    time_limit_unit = models.CharField(
        _("time limit unit"), max_length=10, choices=TimeUnit.choices, default=TimeUnit.DAYS,
        help_text=_("For a same-working-day procedure the time limit is the working hours its steps share."),
    )
    intake_cutoff = models.TimeField(
        _("intake cut-off"),
        null=True,
        blank=True,
        help_text=_("Same-working-day procedures only: received after this time, the result is due the next "
                    "working day (15:00 when left empty)."),
    )
    sets = models.PositiveSmallIntegerField(
        _("number of sets"), default=1, validators=[MinValueValidator(1)],
        help_text=_("How many sets (bộ) of the documents a dossier holds, as the procedure publishes it."),
    )
    online_level = models.CharField(_("online service level"), max_length=10, choices=OnlineLevel.choices)
    minimum_assurance_level = models.PositiveSmallIntegerField(
        _("national sign-in required"), choices=AssuranceLevel.choices, default=AssuranceLevel.NONE,
        help_text=_("Filing online needs a sign-in with the national identity (VNeID) at this level or above."),
    )
    boundary_free = models.BooleanField(
        _("received regardless of administrative boundary"),
        default=True,
        help_text=_("Any receiving desk in the province may receive it and route it to the competent agency."),
    )
    result = models.CharField(_("result"), max_length=500)
    result_type = models.ForeignKey(
        DocumentType, verbose_name=_("result document type"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="issued_by", help_text=_("What the result is, so that it is kept in the citizen's document "
                                              "store and offered to the procedures that ask for it."),
    )
    legal_basis = models.ManyToManyField(LegalDocument, verbose_name=_("legal basis"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Publication (Decision 766's publicity indicators): the decision announcing the procedure, and when it was
    # published for citizens.
    announcement_decision = models.CharField(
        _("announcing decision"), max_length=60, blank=True, help_text=_("e.g. 1234/QĐ-UBND")
    )
    announced_on = models.DateField(
        _("announced on"), null=True, blank=True, help_text=_("The date the announcing decision was signed.")
    )
    published_on = models.DateField(
        _("published on"), null=True, blank=True,
        help_text=_("The date it was published on the national public service portal and at the desks."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["field__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(time_limit__gt=0), name="procedure_time_limit_positive",
                violation_error_message=_("The time limit must be positive."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(level="province", competent_agency__isnull=False, competent_agency_kind="")
                    | (Q(level="commune", competent_agency__isnull=True) & ~Q(competent_agency_kind=""))
                ),
                name="procedure_competence_matches_level",
                violation_error_message=_(
                    "A province-level procedure names its competent agency; a commune-level one names the kind of "
                    "commune agency that settles it."
                ),
            ),
            effective_period_constraint("procedure_effective_period_ordered"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        super().clean()
        if self.level == self.Level.PROVINCE:
            if not self.competent_agency_id:
                raise ValidationError({"competent_agency": _("Name the agency that settles this procedure.")})
            if self.competent_agency_kind:
                raise ValidationError(
                    {"competent_agency_kind": _("Leave this empty: the competent agency is named above.")}
                )
        elif self.level == self.Level.COMMUNE:
            if self.competent_agency_id:
                raise ValidationError(
                    {"competent_agency": _("A commune-level procedure is settled by the applicant's commune.")}
                )
            if self.competent_agency_kind not in Agency.COMMUNE_LEVEL_KINDS:
                raise ValidationError(
                    {"competent_agency_kind": _("Choose the commune agency that settles this procedure.")}
                )
        if self.intake_cutoff and self.time_limit_unit != self.TimeUnit.SAME_DAY:
            raise ValidationError(
                {"intake_cutoff": _("Only a same-working-day procedure has a cut-off; a limit in days never counts "
                                    "the day of receipt, a limit in hours runs from the minute of receipt.")}
            )

    @property
    def time_limit_rule(self):
        """The time limit as the working calendar counts it."""
        return TimeLimit.of(self.time_limit, self.time_limit_unit, self.same_day_cutoff)

    @property
    def same_day_cutoff(self):
        """When a same-working-day procedure stops promising the result today."""
        if self.time_limit_unit != self.TimeUnit.SAME_DAY:
            return None
        return self.intake_cutoff or time.fromisoformat(settings.ONESTOP_SAME_DAY_CUTOFF)

    @property
    def time_limit_display(self):
        if self.time_limit_unit == self.TimeUnit.SAME_DAY:
            return _("Within the working day (received after %(cutoff)s: the next working day)") % {
                "cutoff": f"{self.same_day_cutoff:%H:%M}"}
        number = localized_number(self.time_limit)
        # "1 working day", "1.5 working days": English counts only exactly one as singular.
        count = 1 if self.time_limit == 1 else 2
        if self.time_limit_unit == self.TimeUnit.HOURS:
            return ngettext("%(number)s working hour", "%(number)s working hours", count) % {"number": number}
        return ngettext("%(number)s working day", "%(number)s working days", count) % {"number": number}

    @property
    def publication_gaps(self):
        """What a complete publication still lacks (documents, steps adding up to the time limit, fees, legal
        basis, result); a free procedure states its fee as 0 with the exemption. Reads the prefetchable relations."""
        steps = [step.share for step in self.steps.all()]
        try:
            validate_step_shares(time_limit=self.time_limit, shares=steps)
        except ValidationError:
            steps = None
        present = [(_("documents"), self.documents.all()), (_("steps adding up to the time limit"), steps),
                   (_("fees and charges"), self.fees.all()), (_("legal basis"), self.legal_basis.all()),
                   (_("result"), self.result.strip())]
        return [str(label) for label, value in present if not value]

    @property
    def total_fees(self):
        return sum(fee.amount for fee in self.fees.all())

    def snapshot(self):
        """Everything a dossier must keep of this procedure as it was when filed."""
        agency = self.competent_agency
        return {
            "code": self.code,
            "name": self.name,
            "field": {"code": self.field.code, "name": self.field.name},
            "level": self.level,
            "competent_agency": {"code": agency.code, "name": agency.name} if agency else None,
            "competent_agency_kind": self.competent_agency_kind,
            "time_limit": plain_number(self.time_limit),
            "time_limit_unit": self.time_limit_unit,
            "intake_cutoff": self.same_day_cutoff.isoformat(timespec="minutes") if self.same_day_cutoff else None,
            "online_level": self.online_level,
            "sets": self.sets,
            "boundary_free": self.boundary_free,
            "result": self.result,
            # Typed only when set, so that an untyped procedure's versions stay as they were.
            **({"result_type": self.result_type.code} if self.result_type_id else {}),
            "legal_basis": [
                {"number": document.number, "title": document.title}
                for document in sorted(self.legal_basis.all(), key=lambda document: document.number)
            ],
            "fees": [
                {"name": fee.name, "kind": fee.kind, "amount": fee.amount, "note": fee.note}
                for fee in self.fees.all()
            ],
            "documents": [
                {
                    "name": document.name,
                    "form": document.form,
                    "copies": document.copies,
                    "required": document.is_required,
                    "template": document.template.name or None,
                    **({"type": document.document_type.code} if document.document_type_id else {}),
                }
                for document in self.documents.all()
            ],
            "steps": [
                {"order": step.order, "name": step.name, "role": step.role, "share": plain_number(step.share)}
                for step in self.steps.all()
            ],
            "form": [form_field.snapshot() for form_field in self.form_fields.all()],
        }

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()

    def available_on(self, day):
        """ProcedureQuerySet.available, for one loaded procedure on `day`."""
        return self.is_active and self.in_force_on(day)


class StepRole(models.TextChoices):
    RECEIVING_OFFICER = "receiving_officer", _("Receiving officer")
    SPECIALIST = "specialist", _("Specialist")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    AGENCY_LEADER = "agency_leader", _("Agency leader")
    RESULT_DESK = "result_desk", _("Result desk")


class ProcessStep(models.Model):
    """One step of the procedure's ISO process, with the share of the time limit it may use."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=300)
    role = models.CharField(_("responsible role"), max_length=30, choices=StepRole.choices)
    share = models.DecimalField(
        _("share of the time limit"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("In the procedure's time-limit unit."),
    )

    class Meta:
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="step_order_unique_per_procedure"),
            models.CheckConstraint(condition=Q(share__gte=0), name="step_share_not_negative"),
        ]

    def __str__(self):
        return f"{self.order}. {self.name}"


class RequiredDocument(models.Model):
    """A component of the dossier (thành phần hồ sơ)."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        COPY = "copy", _("Copy")
        CERTIFIED_COPY = "certified_copy", _("Certified copy")
        ORIGINAL_OR_COPY = "original_or_copy", _("Original or copy")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=500)
    form = models.CharField(_("form"), max_length=20, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1, validators=[MinValueValidator(1)])
    is_required = models.BooleanField(_("required"), default=True)
    template = models.FileField(
        _("template"), upload_to="procedure-templates/", blank=True, validators=[validate_template_file]
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="required_by",
        help_text=_("When the state issues it: a citizen who holds one in their document store reuses it."),
    )

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="document_order_unique_per_procedure"),
            models.CheckConstraint(condition=Q(copies__gte=1), name="document_copies_at_least_one"),
        ]

    def __str__(self):
        return self.name


class Fee(models.Model):
    """A fee (phí) or charge (lệ phí), in whole VND."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Fee")
        CHARGE = "charge", _("Charge")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.PositiveIntegerField(_("amount (VND)"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("fee or charge")
        verbose_name_plural = _("fees and charges")
        ordering = ["procedure", "order", "id"]

    def __str__(self):
        return self.name


class FormField(models.Model):
    """One field of the procedure's application form (tờ khai), which the citizen fills in online."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short text")
        TEXTAREA = "textarea", _("Long text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        DATE = "date", _("Date")
        EMAIL = "email", _("Email address")
        PHONE = "phone", _("Phone number")
        IDENTITY_NUMBER = "identity_number", _("Citizen identity number (CCCD)")
        CHOICE = "choice", _("One choice from a list")
        MULTIPLE_CHOICE = "multiple_choice", _("Several choices from a list")
        CHECKBOX = "checkbox", _("Checkbox")

    TEXT_KINDS = (Kind.TEXT, Kind.TEXTAREA)
    NUMBER_KINDS = (Kind.INTEGER, Kind.DECIMAL)
    CHOICE_KINDS = (Kind.CHOICE, Kind.MULTIPLE_CHOICE)

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="form_fields")
    order = models.PositiveSmallIntegerField(_("order"), validators=[MinValueValidator(1)])
    name = models.CharField(
        _("name"),
        max_length=50,
        validators=[form_field_name_validator],
        help_text=_("The key the answer is stored under, e.g. ngay_sinh; keep it once dossiers use it."),
    )
    label = models.CharField(_("label"), max_length=300, help_text=_("What the citizen reads."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=True)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("One choice per line; only for the two list kinds.")
    )
    min_length = models.PositiveIntegerField(_("minimum length"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    min_value = models.DecimalField(
        _("minimum value"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum value"), max_digits=18, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("application form field")
        verbose_name_plural = _("application form fields")
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "order"], name="form_field_order_unique_per_procedure",
                violation_error_message=_("Another field of this form already has this order."),
            ),
            models.UniqueConstraint(
                fields=["procedure", "name"], name="form_field_name_unique_per_procedure",
                violation_error_message=_("Another field of this form already has this name."),
            ),
            models.CheckConstraint(condition=Q(order__gte=1), name="form_field_order_positive"),
            models.CheckConstraint(
                condition=Q(name__regex=r"^[a-z][a-z0-9_]*$"), name="form_field_name_slug",
                violation_error_message=form_field_name_validator.message,
            ),
            models.CheckConstraint(
                condition=(Q(kind__in=["choice", "multiple_choice"]) & ~Q(choices=""))
                | (~Q(kind__in=["choice", "multiple_choice"]) & Q(choices="")),
                name="form_field_choices_match_kind",
                violation_error_message=_("A list field has choices; no other kind of field has them."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["text", "textarea"])
                | Q(min_length__isnull=True, max_length__isnull=True),
                name="form_field_length_limits_for_text",
                violation_error_message=_("Only a text field has length limits."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["integer", "decimal"])
                | Q(min_value__isnull=True, max_value__isnull=True),
                name="form_field_value_limits_for_numbers",
                violation_error_message=_("Only a number field has value limits."),
            ),
            models.CheckConstraint(
                condition=Q(min_length__isnull=True) | Q(max_length__isnull=True)
                | Q(min_length__lte=F("max_length")),
                name="form_field_length_limits_ordered",
                violation_error_message=_("The minimum length is above the maximum length."),
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="form_field_value_limits_ordered",
                violation_error_message=_("The minimum value is above the maximum value."),
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.label}"

    @property
    def choice_list(self):
        """The choices as the citizen sees them, one per non-empty line."""
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self):
        super().clean()
        errors = {}
        choices = self.choice_list
        if self.kind in self.CHOICE_KINDS:
            if not choices:
                errors["choices"] = _("List the choices, one per line.")
            elif len(set(choices)) != len(choices):
                errors["choices"] = _("Each choice may appear only once.")
        elif self.choices.strip():
            errors["choices"] = _("Only a list field has choices; leave this empty.")
        if self.kind not in self.TEXT_KINDS:
            for name in ("min_length", "max_length"):
                if getattr(self, name) is not None:
                    errors[name] = _("Only a text field has length limits.")
        elif None not in (self.min_length, self.max_length) and self.min_length > self.max_length:
            errors["max_length"] = _("The maximum length is below the minimum length.")
        if self.kind not in self.NUMBER_KINDS:
            for name in ("min_value", "max_value"):
                if getattr(self, name) is not None:
                    errors[name] = _("Only a number field has value limits.")
        else:
            if self.kind == self.Kind.INTEGER:
                for name in ("min_value", "max_value"):
                    value = getattr(self, name)
                    if isinstance(value, Decimal) and value != value.to_integral_value():
                        errors[name] = _("A whole-number field needs a whole-number limit.")
            if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
                errors.setdefault("max_value", _("The maximum value is below the minimum value."))
        if errors:
            raise ValidationError(errors)
        # Stored tidy, so that an editor's stray blank line does not publish a new version.
        self.choices = "\n".join(choices)

    def snapshot(self):
        """The field as a filed dossier keeps it: JSON-safe, limits as plain numbers."""
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "required": self.required,
            "help_text": self.help_text,
            "choices": self.choice_list,
            "min_length": self.min_length,
            "max_length": self.max_length,
            "min_value": plain_number(self.min_value) if self.min_value is not None else None,
            "max_value": plain_number(self.max_value) if self.max_value is not None else None,
        }


class ProcedureVersion(models.Model):
    """A frozen copy of a procedure; a dossier is filed under one and keeps it whatever the catalogue does later."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_number_unique"),
        ]

    def __str__(self):
        return f"{self.procedure.code} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("A published procedure version is frozen.")
        super().save(*args, **kwargs)
