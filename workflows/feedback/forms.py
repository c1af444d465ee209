from django import forms
from django.utils.translation import gettext_lazy as _

from procedures.validators import normalise_phone, validate_phone_number

from .models import Feedback
from .services import ANSWER_MAX_LENGTH, CONTENT_MAX_LENGTH


class PhoneField(forms.CharField):
    """A Vietnamese phone number as people write it (0912 345 678, +84 912 345 678), kept as 0912345678."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel",
                                    "placeholder": "0912 345 678"})
    default_validators = [validate_phone_number]

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_phone(value) if value else value


class FeedbackForm(forms.Form):
    """What a citizen sends: on a dossier found by its code (`ask_dossier`), or on a procedure settled by a
    commune they choose (`agencies`); a sender not signed in also says who they are and how to reach them."""

    code = forms.CharField(label=_("Dossier code"), max_length=40,
                           widget=forms.TextInput(attrs={"placeholder": "000.00.01.H56-261124-0001",
                                                         "autocapitalize": "characters"}))
    verifier = forms.CharField(
        label=_("Applicant's phone number, or the last 4 digits of their identity number"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    agency = forms.ModelChoiceField(label=_("Commune or ward that should answer"), queryset=None)
    kind = forms.ChoiceField(
        label=_("What do you send?"), choices=Feedback.Kind.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose feedback or recommendation.")},
        help_text=_("Feedback: something went wrong (a delay, an officer's attitude, papers asked for that the "
                    "procedure does not require). Recommendation: a proposal to improve a rule or a procedure."))
    content = forms.CharField(label=_("Your feedback or recommendation"), max_length=CONTENT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 6}),
                              error_messages={"required": _("Write your feedback or recommendation.")})
    author_name = forms.CharField(label=_("Full name"), max_length=200,
                                  widget=forms.TextInput(attrs={"autocomplete": "name"}),
                                  error_messages={"required": _("Give your name.")})
    email = forms.EmailField(label=_("Email"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = PhoneField(label=_("Phone"), max_length=20, required=False,
                       help_text=_("An email address or a phone number, or both: the answer is sent there."))

    def __init__(self, *args, signed_in, ask_dossier=False, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_dossier:
            del self.fields["code"], self.fields["verifier"]
        if agencies is None:
            del self.fields["agency"]
        else:
            self.fields["agency"].queryset = agencies
            self.fields["agency"].empty_label = _("Choose…")
        if signed_in:
            del self.fields["author_name"], self.fields["email"], self.fields["phone"]

    def clean(self):
        cleaned_data = super().clean()
        if "email" in self.fields and not (cleaned_data.get("email") or cleaned_data.get("phone")) and not (
            self.has_error("email") or self.has_error("phone")
        ):
            self.add_error("email", _("Give an email address or a phone number, so the agency can answer you."))
        return cleaned_data

    def sender(self):
        """The service's arguments for who sent it."""
        return {name: self.cleaned_data.get(name, "") for name in ("author_name", "email", "phone")}


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Text of the answer"), max_length=ANSWER_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
                             error_messages={"required": _("Write the answer.")})
    publish = forms.BooleanField(
        label=_("List the question and this answer on the public page"), required=False,
        help_text=_("Names, emails, phone numbers, identity numbers and dossier codes are never shown there; "
                    "publish only an answer useful to others."))


class SatisfactionForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Are you satisfied with how your feedback was handled?"), widget=forms.RadioSelect,
        choices=[("yes", _("Satisfied")), ("no", _("Not satisfied"))], coerce=lambda value: value == "yes",
        error_messages={"required": _("Say whether you are satisfied.")})


class FeedbackLookupForm(forms.Form):
    code = forms.CharField(label=_("Feedback reference"), max_length=20,
                           widget=forms.TextInput(attrs={"placeholder": "PA-261124-7K3Q",
                                                         "autocapitalize": "characters"}))
    contact = forms.CharField(label=_("The email or phone number you gave"), max_length=254,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
