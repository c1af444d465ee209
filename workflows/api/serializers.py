"""The API's request and response bodies: thin shapes over the dossier engine; the services decide."""

import base64
import binascii
from datetime import UTC
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from onestop.uploads import IMAGES, PDF, validate_upload
from procedures.forms import application_form, form_data_for_storage
from procedures.models import AdministrativeUnit, Agency, Procedure
from procedures.selectors import current_version
from procedures.validators import validate_identity_number, validate_phone_number
from workflows.dossiers import services, transitions
from workflows.dossiers.models import AuditEntry, Dossier
from workflows.payments.models import Payment
from workflows.reporting.figures import INDICATORS
from workflows.reporting.scores import State as ScoreState


class DossierSerializer(serializers.ModelSerializer):
    procedure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    procedure_name = serializers.CharField(source="procedure.name", read_only=True)
    receiving_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    competent_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    result_desk = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    commune = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    national_status = serializers.CharField(read_only=True, allow_null=True)
    current_step = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(choices=Dossier.Outcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Dossier
        fields = ["code", "version", "state", "national_status", "channel", "procedure", "procedure_name",
                  "applicant_name", "receiving_agency", "competent_agency", "result_desk", "commune",
                  "current_step", "submitted_at", "received_at", "due_at", "appointment_at", "result_at",
                  "returned_at", "closed_at", "paused_at", "outcome", "reason", "result_delivery", "fees_due",
                  "fees_paid"]
        read_only_fields = fields

    def get_current_step(self, dossier) -> dict | None:
        step = dossier.current_step
        if step is None:
            return None
        return {"order": step["order"], "name": step["name"], "role": step["role"],
                "due_at": dossier.step_due_at.isoformat() if dossier.step_due_at else None}


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["amount", "method", "reference", "paid_at"]
        read_only_fields = fields


class DossierDetailSerializer(DossierSerializer):
    form_data = serializers.JSONField(read_only=True)
    applicant_identity_number = serializers.CharField(read_only=True)
    applicant_phone = serializers.CharField(read_only=True)
    applicant_email = serializers.CharField(read_only=True)
    applicant_address = serializers.CharField(read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta(DossierSerializer.Meta):
        fields = [*DossierSerializer.Meta.fields, "applicant_identity_number", "applicant_phone", "applicant_email",
                  "applicant_address", "delivery_address", "form_data", "payments"]
        read_only_fields = fields


class RecordedPaymentSerializer(PaymentSerializer):
    dossier = serializers.CharField(source="dossier.code", read_only=True)
    fees_due = serializers.IntegerField(source="dossier.fees_due", read_only=True)
    fees_paid = serializers.IntegerField(source="dossier.fees_paid", read_only=True,
                                         help_text="What the dossier has paid in all, this payment included.")

    class Meta(PaymentSerializer.Meta):
        fields = ["dossier", *PaymentSerializer.Meta.fields, "fees_due", "fees_paid"]
        read_only_fields = fields


class ApplicantSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    identity_number = serializers.CharField(max_length=12, validators=[validate_identity_number])
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                  validators=[validate_phone_number])
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)


@extend_schema_field(OpenApiTypes.BYTE)
class Base64Field(serializers.CharField):
    """Base64 (RFC 4648, padded): OpenAPI's `byte` format."""


class Base64FileSerializer(serializers.Serializer):
    """A file inside the JSON body: its name and its content, base64-encoded."""

    filename = serializers.CharField(max_length=200)
    content = Base64Field()

    def validate_content(self, value):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("Not valid base64.")) from None


def as_file(data):
    """A validated Base64FileSerializer's data as a file the services accept."""
    return ContentFile(data["content"], name=data["filename"])


class DocumentUploadSerializer(Base64FileSerializer):
    order = serializers.IntegerField(min_value=1, max_value=1000,
                                     help_text="The required document's order in the procedure.")
    content = Base64Field(help_text="The file, base64-encoded: a PDF, JPEG or PNG of at most 10 MB.")

    def validate_content(self, value):
        """Checked here as well as in the service, so a bad file is reported against its own document."""
        content = super().validate_content(value)
        try:
            validate_upload(ContentFile(content), allowed={**PDF, **IMAGES}, max_bytes=services.DOCUMENT_MAX_BYTES)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return content


class AttachedDocumentSerializer(DocumentUploadSerializer):
    """A file for one of the procedure's documents (`order`) or, answering a supplement request, for something
    else the agency asked for (`name`)."""

    order = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True,
                                     help_text="The required document's order in the procedure.")
    name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                 help_text="Without an order: what the document is, as the request names it.")

    def validate(self, data):
        if data.get("order") is None and not data["name"].strip():
            raise serializers.ValidationError({"order": [_("Give the document's order, or its name.")]})
        return data



class FilingSerializer(serializers.Serializer):
    procedure = serializers.SlugRelatedField(slug_field="code", queryset=Procedure.objects.available())
    commune = serializers.SlugRelatedField(slug_field="code", required=False, allow_null=True,
                                           queryset=AdministrativeUnit.objects.all(),
                                           help_text="For a commune-level procedure: the commune that settles it.")
    receiving_agency = serializers.SlugRelatedField(
        slug_field="code", queryset=Agency.objects.filter(receives_dossiers=True),
        help_text="The desk that receives it (any desk in the province for most procedures).")
    applicant = ApplicantSerializer(required=False, help_text="Whom it is filed for; a citizen filing for "
                                                              "themselves leaves it out.")
    form = serializers.DictField(required=False, default=dict, help_text="The application form's answers, by field "
                                                                          "name.")
    result_delivery = serializers.ChoiceField(choices=Dossier.ResultDelivery.choices, required=False)
    delivery_address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    documents = DocumentUploadSerializer(many=True, required=False, default=list)

    def validate(self, data):
        version = current_version(data["procedure"])
        asked = range(1, len(version.snapshot["documents"]) + 1) if version else range(0)
        # Keyed by the document's index, as DRF reports the documents' other errors.
        unknown = {index: {"order": [_("This procedure asks for no such document.")]}
                   for index, document in enumerate(data["documents"]) if document["order"] not in asked}
        if unknown:
            raise serializers.ValidationError({"documents": unknown})
        definition = version.snapshot.get("form", []) if version else []
        form = application_form(definition, data=_form_answers(definition, data["form"]))
        if not form.is_valid():
            errors = {name: list(messages) for name, messages in form.errors.items()}
            raise serializers.ValidationError({"form": errors})
        data["form"] = form_data_for_storage(form)
        return data


def _form_answers(definition, answers):
    """The answers as the application form reads a posted form: a number (or true/false outside a checkbox) as its
    text, a list only for several choices; an object, or a list where one answer goes, is a field error rather
    than a crash in the form."""
    several = {spec["name"] for spec in definition if spec["kind"] == "multiple_choice"}
    wrong = {name: [_("Give one answer as text, a number or true/false.")] for name, value in answers.items()
             if isinstance(value, dict) or (isinstance(value, list) and name not in several)}
    wrong |= {name: [_("Give the choices as a list of texts.")] for name, value in answers.items()
              if name in several and value is not None and not (
                  isinstance(value, list) and all(isinstance(choice, str) for choice in value))}
    if wrong:
        raise serializers.ValidationError({"form": wrong})
    checkboxes = {spec["name"] for spec in definition if spec["kind"] == "checkbox"}
    return {name: str(value) if isinstance(value, int | float) and name not in checkboxes else value
            for name, value in answers.items()}


class ActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=(
        "The version the caller last read; a stale one is refused with 409. Or send If-Match with the ETag."))


class RecordPaymentSerializer(ActionSerializer):
    amount = serializers.IntegerField(min_value=1, max_value=2_000_000_000, help_text="Whole đồng (VND).")
    method = serializers.ChoiceField(choices=Payment.Method.choices,
                                     help_text="online: through the payment platform; desk: at the desk.")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="", help_text=(
        "The payment platform's transaction (required online) or the desk's receipt number. The same method and "
        "reference again with the same amount returns the first payment and records nothing."))
    paid_at = serializers.DateTimeField(required=False, help_text="When it was paid; now if left out.")

    def validate_paid_at(self, value):
        # Any offset Python reads, even one PostgreSQL refuses (beyond ±15:59), is kept in UTC.
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise serializers.ValidationError(_("This time is out of range.")) from None


class ResultFileSerializer(Base64FileSerializer):
    content = Base64Field(help_text="The signed result, a PDF of at most 20 MB, base64-encoded.")


class AnswerSerializer(ActionSerializer):
    answer = serializers.CharField(max_length=services.TEXT_MAX_LENGTH, help_text="The consulted agency's opinion.")


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor_role = serializers.CharField()

    class Meta:
        model = AuditEntry
        fields = ["at", "action", "from_state", "to_state", "step_order", "actor_role", "note"]


class LookupSerializer(serializers.Serializer):
    code = serializers.CharField()
    state = serializers.CharField()
    national_status = serializers.CharField(allow_null=True)
    procedure_name = serializers.CharField(source="procedure.name")
    appointment_at = serializers.DateTimeField(allow_null=True)


def _assignee(username):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise serializers.ValidationError({"assignee": [_("No active colleague has this username.")]})
    return user


# How the API asks for each thing the transition registry asks, and turns the answer into the service's argument.
FIELDS = {
    "note": lambda ask: serializers.CharField(required=False, allow_blank=True, default="",
                                              max_length=services.TEXT_MAX_LENGTH),
    "reason": lambda ask: serializers.CharField(help_text=ask.help, max_length=services.TEXT_MAX_LENGTH),
    "question": lambda ask: serializers.CharField(max_length=services.TEXT_MAX_LENGTH),
    "assignee": lambda ask: serializers.CharField(required=ask.required, help_text=ask.help),
    "new_appointment": lambda ask: serializers.DateTimeField(),
    "amount": lambda ask: serializers.IntegerField(min_value=1, max_value=services.MAX_OBLIGATION,
                                                   help_text=ask.help),
    "result": lambda ask: ResultFileSerializer(required=False, help_text=ask.help),
    "agencies": lambda ask: serializers.SlugRelatedField(slug_field="code", many=True, queryset=Agency.objects.all(),
                                                         help_text=ask.help),
    "days": lambda ask: serializers.DecimalField(max_digits=4, decimal_places=1, min_value=Decimal("0.5"),
                                                 max_value=Decimal(60), help_text=ask.help),
}
CONVERT = {"assignee": _assignee, "result": lambda data: as_file(data) if data else None}


# Text a transition's service takes less of than TEXT_MAX_LENGTH, as the portal's form does.
TEXT_LIMITS = {"withdraw": {"reason": services.WITHDRAWAL_REASON_MAX_LENGTH}}


def action_serializer(transition):
    """The request body of a transition's endpoint: the version read, and what the registry asks."""
    fields = {ask.field: FIELDS[ask.field](ask) for ask in transition.asks}
    for field, limit in TEXT_LIMITS.get(transition.name, {}).items():
        fields[field] = serializers.CharField(help_text=fields[field].help_text, max_length=limit)
    name = "".join(part.title() for part in transition.name.split("_"))
    return type(f"{name}Serializer", (ActionSerializer,), fields)


def service_arguments(transition, data):
    return {ask.keyword: CONVERT.get(ask.field, lambda value: value)(data.get(ask.field))
            for ask in transition.asks}


ACTIONS = {transition.name: transition for transition in transitions.in_api()}


class ScoreLineSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="rule.indicator", help_text=gettext_lazy(
        "The indicator's key in `figures`."))
    rate = serializers.FloatField(allow_null=True)
    points = serializers.FloatField(allow_null=True, help_text=gettext_lazy(
        "Null when it earns no points here: not measured yet, or nothing to count."))
    maximum = serializers.IntegerField(source="rule.points")
    full_at = serializers.FloatField(source="rule.full_at", help_text=gettext_lazy(
        "The rate from which it earns all its points; below it, points in proportion to the rate."))
    state = serializers.ChoiceField(choices=ScoreState.choices)


class GroupScoreSerializer(serializers.Serializer):
    key = serializers.CharField(source="group.key")
    label = serializers.CharField(source="group.label")
    points = serializers.FloatField()
    out_of = serializers.IntegerField(help_text=gettext_lazy("The points of its indicators measured here."))
    maximum = serializers.IntegerField(source="group.points")
    indicators = ScoreLineSerializer(many=True, source="lines")


class ScorecardSerializer(serializers.Serializer):
    total = serializers.FloatField(help_text=gettext_lazy("Decision 766 points earned."))
    out_of = serializers.IntegerField(help_text=gettext_lazy(
        "The points of the indicators measured here: the total is out of these, not out of 100."))
    maximum = serializers.IntegerField()
    groups = GroupScoreSerializer(many=True)


class IndicatorRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text=gettext_lazy(
        "The group: an agency's, commune's, field's or procedure's code, a month (2026-10) or a day; null for the "
        "whole scope."))
    label = serializers.CharField()
    figures = inline_serializer("IndicatorFigures", {
        indicator.key: (serializers.IntegerField(help_text=indicator.definition) if indicator.kind == "count"
                        else serializers.FloatField(allow_null=True, help_text=indicator.definition))
        for indicator in INDICATORS
    })
    scores = ScorecardSerializer(help_text=gettext_lazy("Decision 766 points, by group and indicator."))


class IndicatorReportSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    by = serializers.CharField(allow_null=True)
    rows = IndicatorRowSerializer(many=True)
