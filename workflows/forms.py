from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.forms import IdentityNumberField, PhoneNumberField
from procedures.models import AdministrativeUnit, Agency, Field, Procedure
from procedures.selectors import communes

from .indicators import Period
from .models import Dossier


class WalkInForm(forms.Form):
    """What the receiving officer records at the counter for a walk-in applicant, besides the application form."""

    DECISIONS = [("receive", _("Complete and valid: receive it")),
                 ("request_documents", _("Incomplete: ask for what is missing")),
                 ("refuse", _("Not eligible or not ours: refuse it"))]

    applicant_name = forms.CharField(label=_("Applicant's full name"), max_length=200)
    applicant_identity_number = IdentityNumberField(label=_("Identity number"), max_length=20)
    applicant_phone = PhoneNumberField(label=_("Phone"), max_length=20, required=False)
    applicant_email = forms.EmailField(label=_("Email"), required=False)
    applicant_address = forms.CharField(label=_("Address"), max_length=300, required=False)
    commune = forms.ModelChoiceField(label=_("Commune or ward that settles it"), queryset=None, required=False)
    paper_documents = forms.TypedMultipleChoiceField(label=_("Paper documents received"), coerce=int,
                                                     required=False, widget=forms.CheckboxSelectMultiple)
    result_delivery = forms.ChoiceField(label=_("Result delivered"), choices=Dossier.ResultDelivery.choices)
    delivery_address = forms.CharField(label=_("Postal address for the result"), max_length=300, required=False)
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect,
                                 initial="receive")
    reason = forms.CharField(label=_("Reason, or exactly what is missing"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))

    def __init__(self, *args, snapshot, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paper_documents"].choices = [
            (order, document["name"]) for order, document in enumerate(snapshot["documents"], start=1)]
        if snapshot["level"] == "commune":
            self.fields["commune"].required = True
            self.fields["commune"].queryset = communes()
        else:
            del self.fields["commune"]

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("decision") in ("request_documents", "refuse") and not cleaned_data.get(
            "reason", ""
        ).strip():
            self.add_error("reason", _("Give the reason in writing."))
        if cleaned_data.get("result_delivery") == Dossier.ResultDelivery.POST and not cleaned_data.get(
            "delivery_address", ""
        ).strip():
            self.add_error("delivery_address", _("Give the address the result should be posted to."))
        return cleaned_data

    @property
    def applicant(self):
        return {key.removeprefix("applicant_"): value or "" for key, value in self.cleaned_data.items()
                if key.startswith("applicant_")}


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
                  "three years apart."), code="bad_period")
        return data

    @property
    def scope(self):
        return {name: self.cleaned_data[name] for name in ("agency", "commune", "field", "procedure")
                if self.cleaned_data.get(name)}


class DeskPaymentForm(forms.Form):
    """Fees paid at the desk, as the receipt handed to the applicant says."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.IntegerField(label=_("Amount paid (VND)"), min_value=1, max_value=2_000_000_000)
    reference = forms.CharField(label=_("Receipt number"), max_length=100)
