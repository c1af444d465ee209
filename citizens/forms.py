from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from onestop.forms import error_summary
from onestop.uploads import IMAGES, PDF, validate_upload
from procedures.validators import identity_birth_year, validate_identity_number
from workflows.dossiers.models import Dossier
from workflows.dossiers.services import DOCUMENT_MAX_BYTES


class CitizenSignupForm(forms.Form):
    """What allauth's signup form adds for a citizen: their name and identity number, and email or phone."""

    full_name = forms.CharField(label=_("Full name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    identity_number = forms.CharField(
        # No min_length: the validator's message already says how many digits were typed.
        label=_("Citizen identity number (CCCD)"), max_length=12,
        validators=[validate_identity_number],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "038095001234"}),
        help_text=_("The 12 digits on your citizen identity card."),
    )
    field_order = ["full_name", "identity_number", "email", "phone", "password1", "password2"]

    def clean_identity_number(self):
        number = self.cleaned_data["identity_number"]
        # Registered already: no error, which would tell anyone whose number it is. The signup answers as for a new
        # account and the address given gets a notice instead (citizens.adapter.SignupForm).
        self.identity_taken = get_user_model().objects.filter(identity_number=number).exists()
        return number

    def clean(self):
        cleaned_data = super().clean()
        if "email" in self.fields and not (cleaned_data.get("email") or cleaned_data.get("phone")):
            # Added, not raised: allauth's own checks (the two passwords) run after this and are shown with it.
            self.add_error(None, ValidationError(_("Give an email address or a phone number, or both."),
                                                 code="no_contact"))
        return cleaned_data

    @property
    def error_summary(self):
        # "An email or a phone" belongs to neither field alone: its entry leads to the first of them.
        email = self["email"].id_for_label if "email" in self.fields else ""
        return [{**entry, "anchor": entry["anchor"] or email} for entry in error_summary(self)]

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
        if self.instance.identity_verified_at:
            # As the national identity system confirmed them: changed there, not here.
            for name in ("full_name", "date_of_birth"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Confirmed by the national identity system (VNeID).")

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


DOCUMENT_TYPES = "application/pdf,image/jpeg,image/png"


class SupplyForm(forms.Form):
    """The answer to a supplement request: a file for each item the agency asked for, another file for anything
    else, and a word for the agency. `items` are the request's items, each with the order of the procedure's
    document slot it asks for (None when it is none of them)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    extra_name = forms.CharField(label=_("What it is"), max_length=200, required=False)
    extra_file = forms.FileField(label=_("File"), required=False,
                                 widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}))
    note = forms.CharField(label=_("A word for the agency (optional)"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for number, item in enumerate(items, start=1):
            self.fields[f"item_{number}"] = forms.FileField(
                label=item["name"], required=False,
                widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}))

    def item_fields(self):
        return [(item, self[f"item_{number}"]) for number, item in enumerate(self.items, start=1)]

    def clean(self):
        cleaned_data = super().clean()
        for name, upload in list(cleaned_data.items()):
            if upload and (name == "extra_file" or name.startswith("item_")):
                try:
                    validate_upload(upload, allowed={**PDF, **IMAGES}, max_bytes=DOCUMENT_MAX_BYTES)
                except ValidationError as error:
                    self.add_error(name, error)
        if cleaned_data.get("extra_file") and not cleaned_data.get("extra_name", "").strip():
            self.add_error("extra_name", _("Say what this file is."))
        if cleaned_data.get("extra_name", "").strip() and not cleaned_data.get("extra_file"):
            self.add_error("extra_file", _("Choose the file."))
        return cleaned_data

    def documents(self):
        """What to attach: (document order or None, name, file) for each file chosen."""
        chosen = [(item["order"], item["name"], self.cleaned_data.get(f"item_{number}"))
                  for number, item in enumerate(self.items, start=1)]
        chosen.append((None, self.cleaned_data.get("extra_name", ""), self.cleaned_data.get("extra_file")))
        return [(order, name, upload) for order, name, upload in chosen if upload]
