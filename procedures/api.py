"""The catalogue over the API, read-only: administrative units, agencies, fields and the procedures citizens may
file today, with their documents, steps, fees, application form and legal basis."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from onestop.api import HasScope, StrictPageSize

from .models import (
    AdministrativeUnit,
    Agency,
    Fee,
    Field,
    FormField,
    LegalDocument,
    Procedure,
    ProcessStep,
    RequiredDocument,
)
from .search import ranked_by_name
from .selectors import expected_appointment, search_procedures

CATALOGUE_SCOPES = {"list": "catalogue:read", "retrieve": "catalogue:read", "appointment": "catalogue:read"}


class CataloguePage(StrictPageSize, CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "code"

    def get_ordering(self, request, queryset, view):
        # A search (?q=) lists the best matches first, as the portal does.
        if "similarity" in queryset.query.annotations:
            return ("-similarity", "code")
        return super().get_ordering(request, queryset, view)


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "nullable": True,
                      "example": "15:00"})
class ClockTimeField(serializers.TimeField):
    """A time of day as the province writes it (15:00). Not OpenAPI's `time` format, which is RFC 3339's full-time
    with seconds and an offset: a validator holding the answer to the schema would refuse every value."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AdministrativeUnit
        fields = ["code", "name", "kind", "parent", "effective_from", "effective_to"]


class AgencySerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Agency
        fields = ["code", "name", "kind", "unit", "parent", "receives_dossiers", "address", "phone", "email",
                  "effective_from", "effective_to"]


class FieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["code", "name"]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequiredDocument
        fields = ["order", "name", "form", "copies", "is_required", "note"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessStep
        fields = ["order", "name", "role", "share"]


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ["order", "name", "kind", "amount", "note"]


class FormFieldSerializer(serializers.ModelSerializer):
    choices = serializers.SerializerMethodField()

    class Meta:
        model = FormField
        fields = ["order", "name", "label", "kind", "required", "help_text", "choices", "min_length", "max_length",
                  "min_value", "max_value"]

    def get_choices(self, field) -> list[str]:
        return [line.strip() for line in field.choices.splitlines() if line.strip()]


class LegalDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalDocument
        fields = ["number", "title", "issuer", "issued_on"]


class ProcedureSerializer(serializers.ModelSerializer):
    field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    competent_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Procedure
        fields = ["code", "name", "field", "level", "competent_agency", "competent_agency_kind", "time_limit",
                  "time_limit_unit", "online_level", "boundary_free", "result"]


class ProcedureDetailSerializer(ProcedureSerializer):
    documents = DocumentSerializer(many=True, read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    fees = FeeSerializer(many=True, read_only=True)
    form_fields = FormFieldSerializer(many=True, read_only=True)
    legal_basis = LegalDocumentSerializer(many=True, read_only=True)
    intake_cutoff = ClockTimeField(allow_null=True, read_only=True, help_text=(
        "Same-working-day procedures only: received after this time, the result is due the next working day "
        "(15:00 when empty)."))

    class Meta(ProcedureSerializer.Meta):
        fields = [*ProcedureSerializer.Meta.fields, "intake_cutoff", "documents", "steps", "fees", "form_fields",
                  "legal_basis"]


class AppointmentQuery(serializers.Serializer):
    received_at = serializers.DateTimeField(
        required=False, help_text="When the dossier would be received (ISO 8601; without an offset, the province's "
                                  "local time). Now when left out.")


class AppointmentSerializer(serializers.Serializer):
    procedure = serializers.CharField(source="procedure.code")
    time_limit = serializers.DecimalField(source="procedure.time_limit", max_digits=6, decimal_places=2)
    time_limit_unit = serializers.ChoiceField(source="procedure.time_limit_unit", choices=Procedure.TimeUnit.choices)
    intake_cutoff = ClockTimeField(source="procedure.same_day_cutoff", allow_null=True)
    received_at = serializers.DateTimeField()
    appointment = serializers.DateTimeField(help_text="When the result would be due: the working calendar's answer "
                                                      "for this time limit, holidays and announced days off counted.")
    working_minutes = serializers.IntegerField(help_text="Working minutes from receipt to the appointment.")


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [HasScope]
    scopes = CATALOGUE_SCOPES
    pagination_class = CataloguePage
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"


@extend_schema_view(list=extend_schema(summary="Administrative units in force today"),
                    retrieve=extend_schema(summary="One administrative unit"))
class UnitViewSet(CatalogueViewSet):
    serializer_class = UnitSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        return AdministrativeUnit.objects.effective_today().select_related("parent")


class StrictBooleanField(forms.NullBooleanField):
    """true or false, as JSON writes them and the schema says; anything else is a field error, where Django's
    field would quietly drop the filter and list everything."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise ValidationError(_("Give true or false."), code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # The raw text: django-filter's BooleanWidget reads anything unknown as "not given".
        super().__init__(*args, **{**kwargs, "widget": forms.TextInput})


class AgencyFilter(filters.FilterSet):
    unit = filters.CharFilter(field_name="unit__code")
    receives_dossiers = StrictBooleanFilter()

    class Meta:
        model = Agency
        fields = ["kind", "unit", "receives_dossiers"]


@extend_schema_view(list=extend_schema(summary="Agencies in force today"),
                    retrieve=extend_schema(summary="One agency"))
class AgencyViewSet(CatalogueViewSet):
    serializer_class = AgencySerializer
    filterset_class = AgencyFilter

    def get_queryset(self):
        return Agency.objects.effective_today().select_related("unit", "parent")


@extend_schema_view(list=extend_schema(summary="Fields of procedures"), retrieve=extend_schema(summary="One field"))
class FieldViewSet(CatalogueViewSet):
    serializer_class = FieldSerializer
    queryset = Field.objects.all()


class ProcedureFilter(filters.FilterSet):
    field = filters.CharFilter(field_name="field__code")
    agency = filters.CharFilter(field_name="competent_agency__code")
    q = filters.CharFilter(method="search", label="Words of the name or code, accents optional")

    class Meta:
        model = Procedure
        fields = ["level", "online_level", "field", "agency"]

    def search(self, queryset, name, value):
        return ranked_by_name(queryset.filter(pk__in=search_procedures(query=value).values("pk")), value)


@extend_schema_view(list=extend_schema(summary="Procedures that may be filed today"),
                    retrieve=extend_schema(summary="One procedure with its documents, steps, fees, form and legal "
                                                   "basis"))
class ProcedureViewSet(CatalogueViewSet):
    filterset_class = ProcedureFilter

    def get_serializer_class(self):
        return ProcedureDetailSerializer if self.action == "retrieve" else ProcedureSerializer

    @extend_schema(summary="When a dossier of this procedure received then would be settled",
                   parameters=[OpenApiParameter("received_at", OpenApiTypes.DATETIME,
                                                description=AppointmentQuery().fields["received_at"].help_text)],
                   responses=AppointmentSerializer)
    @action(detail=True, url_path="appointment", filter_backends=[], pagination_class=None)
    def appointment(self, request, code=None):
        query = AppointmentQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        procedure = self.get_object()
        try:
            answer = expected_appointment(procedure, query.validated_data.get("received_at"))
        except ValueError as error:
            raise serializers.ValidationError({"received_at": [str(error)]}) from None
        return Response(AppointmentSerializer({"procedure": procedure, **answer}).data)

    def get_queryset(self):
        procedures = Procedure.objects.available().select_related("field", "competent_agency")
        if self.action == "retrieve":
            procedures = procedures.prefetch_related(
                "documents", "steps", "fees", "legal_basis",
                Prefetch("form_fields", queryset=FormField.objects.order_by("order")),
            )
        return procedures
