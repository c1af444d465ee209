from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from procedures.validators import identity_birth_year, validate_identity_number
from workflows.dossiers.models import Dossier


class CitizenSignupForm(forms.Form):
    """What allauth's signup form adds for a citizen: their name and identity number, and email or phone."""

    full_name = forms.CharField(label=_("Full name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    identity_number = forms.CharField(
        label=_("Citizen identity number (CCCD)"), min_length=12, max_length=12,
        validators=[validate_identity_number],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "038095001234"}),
        help_text=_("The 12 digits on your citizen identity card."),
    )
    field_order = ["full_name", "identity_number", "email", "phone", "password1", "password2"]

    def clean_identity_number(self):
        number = self.cleaned_data["identity_number"]
        if get_user_model().objects.filter(identity_number=number).exists():
            raise ValidationError(
                _("An account with this identity number exists already: sign in, or reset your password."),
                code="identity_taken",
            )
        return number

    def clean(self):
        cleaned_data = super().clean()
        if "email" in self.fields and not (cleaned_data.get("email") or cleaned_data.get("phone")):
            raise ValidationError(_("Give an email address or a phone number, or both."), code="no_contact")
        return cleaned_data

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.identity_number = self.cleaned_data["identity_number"]
        user.save(update_fields=["full_name", "identity_number"])


class ProfileForm(forms.ModelForm):
    """The details a citizen keeps up to date themselves; email and phone change through their own verified
    pages, and the identity number only at a desk."""

    class Meta:
        model = get_user_model()
        fields = ["full_name", "date_of_birth", "address", "language"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        number = self.instance.identity_number
        if born and number and born.year != identity_birth_year(number):
            raise ValidationError(
                _("Your identity number says you were born in %(year)s."),
                params={"year": identity_birth_year(number)}, code="birth_year_mismatch",
            )
        return born


class StartFilingForm(forms.Form):
    """Before a commune-level dossier starts: the commune or ward that settles it."""

    commune = forms.ModelChoiceField(label=_("Commune or ward that settles it"), queryset=None)

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        self.fields["commune"].empty_label = _("Choose…")


class DeliveryForm(forms.Form):
    """How the result reaches the applicant and, before submission, which desk receives the dossier."""

    result_delivery = forms.ChoiceField(label=_("How do you want to receive the result?"),
                                        choices=Dossier.ResultDelivery.choices, widget=forms.RadioSelect)
    delivery_address = forms.CharField(label=_("Postal address for the result"), max_length=300, required=False,
                                       widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    receiving_agency = forms.ModelChoiceField(label=_("File with"), queryset=None, required=False,
                                              help_text=_("Any desk in the province receives this procedure."))

    def __init__(self, *args, desks=None, **kwargs):
        super().__init__(*args, **kwargs)
        if desks is None:
            del self.fields["receiving_agency"]
        else:
            self.fields["receiving_agency"].queryset = desks
            self.fields["receiving_agency"].empty_label = _("Choose a desk…")

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("result_delivery") == Dossier.ResultDelivery.POST and not cleaned_data.get(
            "delivery_address", ""
        ).strip():
            self.add_error("delivery_address", _("Give the address the result should be posted to."))
        return cleaned_data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why do you withdraw this dossier?"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("How were you served?"), coerce=int, widget=forms.RadioSelect,
                                   choices=[(score, str(score)) for score in range(5, 0, -1)],
                                   help_text=_("5 is very satisfied, 1 very dissatisfied."))
    comment = forms.CharField(label=_("Comment (optional)"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class LookupForm(forms.Form):
    code = forms.CharField(label=_("Dossier code"), max_length=40,
                           widget=forms.TextInput(attrs={"placeholder": "000.00.01.H56-261124-0001",
                                                         "autocapitalize": "characters"}))
    verifier = forms.CharField(
        label=_("Applicant's phone number, or the last 4 digits of their identity number"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
