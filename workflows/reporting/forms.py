from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import AdministrativeUnit, Agency, Field, Procedure

from .indicators import Period


class IndicatorQuery(forms.Form):
    """Which indicators to show: a period ("2026", "2026-Q4", "2026-10", or from/to dates) and a scope."""

    period = forms.CharField(label=_("Period"), required=False, max_length=10,
                             help_text=_("A year (2026), a quarter (2026-Q4) or a month (2026-10)."))
    first = forms.DateField(label=_("From date"), required=False)
    last = forms.DateField(label=_("To date"), required=False)
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.all(), required=False,
                                    to_field_name="code")
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=AdministrativeUnit.objects.all(), required=False,
                                     to_field_name="code")
    field = forms.ModelChoiceField(label=_("Field"), queryset=Field.objects.all(), required=False,
                                   to_field_name="code")
    procedure = forms.ModelChoiceField(label=_("Procedure"), queryset=Procedure.objects.all(), required=False,
                                       to_field_name="code")

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        try:
            if first or last:
                data["period"] = Period.parse("", first=first and first.isoformat(), last=last and last.isoformat())
            else:
                data["period"] = Period.parse(data.get("period") or str(timezone.localdate().year))
        except ValueError:
            raise forms.ValidationError(
                _("Give a year (2026), a quarter (2026-Q4), a month (2026-10), or both dates in order, at most "
                  "three years apart."), code="bad_period") from None
        return data

    @property
    def scope(self):
        return {name: self.cleaned_data[name] for name in ("agency", "commune", "field", "procedure")
                if self.cleaned_data.get(name)}
