"""The filters of the dossiers' list."""

from datetime import UTC

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

from procedures.models import Agency
from workflows.dossiers import selectors
from workflows.dossiers.models import Dossier


class UtcDateTimeField(IsoDateTimeField):
    """Any ISO 8601 offset Python reads, even one PostgreSQL refuses (beyond ±15:59), as UTC; a time that falls
    outside the calendar in UTC (0001-01-01T00:00+14:00) is a field error."""

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return value.astimezone(UTC) if value else value
        except OverflowError:
            raise ValidationError(_("This time is out of range."), code="out_of_range") from None


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class DossierFilter(filters.FilterSet):
    # The dossier's own column: no join, so no duplicates for a DISTINCT to remove.
    state = filters.MultipleChoiceFilter(choices=Dossier.State.choices, distinct=False)
    procedure = filters.CharFilter(field_name="procedure__code")
    agency = filters.CharFilter(method="in_agency", help_text="An agency's code: received, settled or returned "
                                                               "there.")
    submitted_after = UtcDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = UtcDateTimeFilter(field_name="submitted_at", lookup_expr="lt")
    sla = filters.ChoiceFilter(method="in_sla", choices=[("on_time", "on time"), ("due_soon", "due soon"),
                                                         ("overdue", "overdue"), ("paused", "paused")])

    class Meta:
        model = Dossier
        fields = ["state", "procedure", "channel"]

    def in_agency(self, queryset, name, value):
        # The agency's id first: the dossier's agency columns are indexed, a join on the code is not.
        agency = Agency.objects.filter(code=value).values_list("pk", flat=True).first()
        return queryset.filter(Q(receiving_agency=agency) | Q(competent_agency=agency) | Q(result_desk=agency))

    def in_sla(self, queryset, name, value):
        return queryset.filter(selectors.sla_condition(value))
