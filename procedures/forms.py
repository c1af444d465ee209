import datetime
import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .formatting import localized_number, plain_number
from .models import Field, FormField, Procedure
from .selectors import agencies_settling_procedures
from .validators import normalise_phone, validate_identity_number, validate_phone_number


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a procedure"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. khai sinh, giấy phép xây dựng")}),
    )
    field = forms.ModelChoiceField(label=_("Field"), queryset=Field.objects.all(), required=False)
    level = forms.ChoiceField(
        label=_("Settled at"), choices=[("", _("All levels")), *Procedure.Level.choices], required=False
    )
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies_settling_procedures()
        self.fields["field"].empty_label = _("All fields")
        self.fields["agency"].empty_label = _("All agencies")


# Caps that hold even when the catalogue sets none, so that a form cannot carry megabytes into a dossier.
DEFAULT_MAX_LENGTH = {FormField.Kind.TEXT: 500, FormField.Kind.TEXTAREA: 5000}
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # what <input type="date"> sends, and how people write dates


class IdentityNumberField(forms.CharField):
    """A citizen identity number; spaces typed between groups of digits are dropped."""

    default_validators = [validate_identity_number]

    def to_python(self, value):
        return re.sub(r"\s", "", super().to_python(value))


class PhoneNumberField(forms.CharField):
    """A Vietnamese phone number, stored as 10 digits whatever way it was typed (+84, spaces, dots)."""

    default_validators = [validate_phone_number]

    def to_python(self, value):
        return normalise_phone(super().to_python(value))


def _number(value, kind):
    if value in (None, ""):
        return None
    return int(Decimal(value)) if kind == FormField.Kind.INTEGER else Decimal(value)


def _form_field(spec):
    """The Django form field for one entry of a snapshot's "form" list."""
    kind = spec["kind"]
    options = {"label": spec["label"], "required": spec.get("required", True)}
    options["help_text"] = spec.get("help_text", "")
    if kind in (FormField.Kind.TEXT, FormField.Kind.TEXTAREA):
        widget = forms.Textarea(attrs={"rows": 4}) if kind == FormField.Kind.TEXTAREA else forms.TextInput
        return forms.CharField(
            widget=widget,
            min_length=spec.get("min_length"),
            max_length=spec.get("max_length") or DEFAULT_MAX_LENGTH[kind],
            **options,
        )
    if kind == FormField.Kind.INTEGER:
        return forms.IntegerField(
            min_value=_number(spec.get("min_value"), kind),
            max_value=_number(spec.get("max_value"), kind),
            **options,
        )
    if kind == FormField.Kind.DECIMAL:
        return forms.DecimalField(
            min_value=_number(spec.get("min_value"), kind),
            max_value=_number(spec.get("max_value"), kind),
            widget=forms.NumberInput(attrs={"step": "any"}),
            **options,
        )
    if kind == FormField.Kind.DATE:
        return forms.DateField(
            input_formats=DATE_INPUT_FORMATS,
            # The browser's date picker needs ISO dates whatever the page's language.
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            error_messages={"invalid": _("Enter a real date, e.g. 25/12/2020.")},
            **options,
        )
    if kind == FormField.Kind.EMAIL:
        return forms.EmailField(**options)
    if kind == FormField.Kind.PHONE:
        widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"})
        return PhoneNumberField(max_length=20, widget=widget, **options)
    if kind == FormField.Kind.IDENTITY_NUMBER:
        widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        return IdentityNumberField(max_length=20, widget=widget, **options)
    if kind in (FormField.Kind.CHOICE, FormField.Kind.MULTIPLE_CHOICE):
        choices = [(choice, choice) for choice in spec.get("choices", [])]
        if kind == FormField.Kind.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **options)
        # A blank first entry even when an answer is required, so nobody files the first choice by default.
        blank = _("— choose —") if options["required"] else _("— none —")
        return forms.ChoiceField(choices=[("", blank), *choices], **options)
    if kind == FormField.Kind.CHECKBOX:
        return forms.BooleanField(**options)
    raise ValueError(f"unknown form field kind {kind!r}")


class ApplicationForm(forms.Form):
    """A procedure's application form, built from the "form" list of a version's snapshot."""

    def __init__(self, definition, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = list(definition)
        for spec in self.definition:
            self.fields[spec["name"]] = _form_field(spec)


def application_form(definition, *, data=None, initial=None, prefix=None):
    """The form a citizen fills for a procedure version: bound when `data` is given, unbound otherwise.

    `definition` is the "form" list of `ProcedureVersion.snapshot`, so a dossier is always checked against the
    form it was filed with; `initial` takes typed values, see `initial_from_storage`.
    """
    return ApplicationForm(definition, data=data, initial=initial, prefix=prefix)


def form_data_for_storage(form):
    """A valid form's answers as JSON-safe values for `Dossier.form_data`.

    Dates become ISO strings, decimals plain strings ("12.5"), multiple choices lists; texts, whole numbers,
    checkboxes and empty answers (None) stay as they are.
    """
    stored = {}
    for name, value in form.cleaned_data.items():
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = plain_number(value)
        elif isinstance(value, (list, tuple)):
            value = list(value)
        stored[name] = value
    return stored


def initial_from_storage(definition, form_data):
    """The inverse of `form_data_for_storage`: stored answers as `initial` for the form of `definition`.

    Used when a citizen comes back to a draft. Answers to fields the definition lacks, and stored values that
    no longer parse, are left out, so the citizen simply fills them again.
    """
    initial = {}
    for spec in definition:
        name, kind = spec["name"], spec["kind"]
        if form_data.get(name) is None:
            continue
        value = form_data[name]
        try:
            if kind == FormField.Kind.DATE:
                value = datetime.date.fromisoformat(value)
            elif kind == FormField.Kind.DECIMAL:
                value = Decimal(value)
        except (TypeError, ValueError, ArithmeticError):
            continue
        initial[name] = value
    return initial


# The account detail each conventional field name of the catalogue's forms asks for (seeds/data/thanh_hoa.yaml):
# the requester's own ("nguoi_yeu_cau_*"), or the applicant's where the form is about them.
ACCOUNT_FIELDS = {
    "full_name": ("nguoi_yeu_cau_ho_ten", "ho_ten", "chu_ho_ho_ten", "chu_dau_tu"),
    "identity_number": ("nguoi_yeu_cau_so_dinh_danh", "so_dinh_danh", "chu_ho_so_dinh_danh"),
    "date_of_birth": ("ngay_sinh", "chu_ho_ngay_sinh"),
    "phone": ("nguoi_yeu_cau_dien_thoai", "dien_thoai"),
    "email": ("nguoi_yeu_cau_email", "email"),
    "address": ("nguoi_yeu_cau_noi_cu_tru", "noi_cu_tru", "noi_thuong_tru", "dia_chi_lien_he",
                "chu_ho_dia_chi_lien_lac"),
}
REQUESTER_PREFIX = "nguoi_yeu_cau_"


def account_fields(definition):
    """The application form's fields that ask for the applicant's own details: {account attribute: [field names,
    in ACCOUNT_FIELDS' order]}.

    A form that names a requester ("nguoi_yeu_cau_*") is about someone else (a child to register, a deceased
    person): there only the requester's fields are the applicant's, never the subject's name or date of birth.
    """
    names = {spec["name"] for spec in definition}
    about_someone_else = any(name.startswith(REQUESTER_PREFIX) for name in names)
    fields = {}
    for attribute, candidates in ACCOUNT_FIELDS.items():
        found = [name for name in candidates
                 if name in names and (name.startswith(REQUESTER_PREFIX) or not about_someone_else)]
        if found:
            fields[attribute] = found
    return fields


def initial_from_account(definition, account):
    """The answers a citizen's account gives a new draft: name, identity number, date of birth, phone, email and
    address, in every field that asks for them (`account_fields`)."""
    initial = {}
    for attribute, names in account_fields(definition).items():
        value = getattr(account, attribute, None)
        if value:
            initial.update(dict.fromkeys(names, value))
    return initial


def readable_answers(definition, form_data):
    """The stored answers as a reader wants them, in the form's order: [{"name", "kind", "label", "value"}], the
    value a string ("" when not answered). Dates read 20/11/2026, numbers with a decimal comma in Vietnamese, a
    ticked checkbox "Yes"; a required checkbox is a declaration, so its label is the answer ("I declare that …")."""
    answers = []
    for spec in definition:
        name, kind, label = spec["name"], spec["kind"], spec["label"]
        value = form_data.get(name)
        if kind == FormField.Kind.CHECKBOX and spec.get("required", True):
            label, value = _("Declaration"), spec["label"] if value else _("Not declared")
        elif kind == FormField.Kind.CHECKBOX:
            value = _("Yes") if value else _("No")
        elif value in (None, "", []):
            value = ""
        elif kind == FormField.Kind.DATE:
            try:
                value = datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
            except (TypeError, ValueError):
                pass  # an answer stored before the form changed: shown as it was typed
        elif kind in FormField.NUMBER_KINDS:
            try:
                value = localized_number(value)
            except ArithmeticError:
                pass
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        answers.append({"name": name, "kind": kind, "label": label, "value": str(value)})
    return answers
