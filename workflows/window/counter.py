"""The counter: a receiving officer files a walk-in applicant's dossier at their desk, for any procedure of any
agency in the province, and takes the decision on it at once (receipt, a supplement request or a refusal)."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onestop.http import client_ip
from procedures.forms import (
    DATE_INPUT_FORMATS,
    IdentityNumberField,
    PhoneNumberField,
    account_fields,
    application_form,
    form_data_for_storage,
)
from procedures.models import Procedure
from procedures.selectors import communes, search_procedures
from workflows.dossiers import services, transitions, web
from workflows.dossiers.models import Dossier
from workflows.dossiers.staff import StaffRole, agencies_where

from .models import CounterFiling

TEMPLATE = "admin/workflows/dossier/file_walk_in.html"


def applicant_fields(definition):
    """The application form's own field for each of the applicant's details (name, identity_number,
    date_of_birth, phone, email, address): the first that asks for it (`account_fields`); the officer types each
    once, at the top."""
    return {("name" if attribute == "full_name" else attribute): names[0]
            for attribute, names in account_fields(definition).items()}


class ProcedureChoiceForm(forms.Form):
    """The procedure the applicant came for: picked from the list (grouped by level and field) or found by words of
    its name or its code, which also works with JavaScript off."""

    q = forms.CharField(label=gettext_lazy("Find by name or code"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off",
                                                      "id": "procedure-filter"}))
    procedure = forms.ChoiceField(label=gettext_lazy("Procedure (any agency in the province)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="%s", **kwargs)
        available = (Procedure.objects.available().select_related("field").order_by("level", "field__name", "name")
                     .only("code", "name", "level", "field__name"))
        groups = {}
        for procedure in available:
            group = f"{procedure.get_level_display()} · {procedure.field.name}"
            groups.setdefault(group, []).append((procedure.code, f"{procedure.code} {procedure.name}"))
        self.fields["procedure"].choices = [("", "—"), *groups.items()]
        self.chosen = None

    def clean(self):
        cleaned_data = super().clean()
        code, words = cleaned_data.get("procedure"), cleaned_data.get("q", "").strip()
        if "procedure" in self.errors:
            return cleaned_data
        if code:
            self.chosen = Procedure.objects.available().filter(code=code).first()
        elif words:
            matches = list(search_procedures(query=words)[:2])
            if len(matches) == 1:
                self.chosen = matches[0]
            elif matches:
                self.add_error("procedure", _("Several procedures match “%(words)s”: choose one from the list.")
                               % {"words": words})
            else:
                self.add_error("q", _("No procedure available today matches “%(words)s”.") % {"words": words})
        else:
            self.add_error("procedure", _("Choose the procedure from the list, or type words of its name."))
        return cleaned_data


class WalkInForm(forms.Form):
    """What the receiving officer records at the counter for a walk-in applicant, besides the application form.
    The application form's own fields for the applicant (see `applicant_fields`) are asked here instead."""

    DECISIONS = [("receive", gettext_lazy("Complete and valid: receive it")),
                 ("request_documents", gettext_lazy("Incomplete: ask for what is missing")),
                 ("refuse", gettext_lazy("Not eligible or not ours: refuse it"))]

    # Filing the same form twice files one dossier (see `file_once`).
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    applicant_identity_number = IdentityNumberField(label=gettext_lazy("Identity number"), max_length=20,
                                                    widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    applicant_name = forms.CharField(label=gettext_lazy("Applicant's full name"), max_length=200)
    applicant_date_of_birth = forms.DateField(
        label=gettext_lazy("Applicant's date of birth"), required=False, input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    applicant_phone = PhoneNumberField(label=gettext_lazy("Phone"), max_length=20, required=False)
    applicant_email = forms.EmailField(label=gettext_lazy("Email"), required=False, max_length=254)
    applicant_address = forms.CharField(label=gettext_lazy("Address"), max_length=300, required=False)
    commune = forms.ModelChoiceField(label=gettext_lazy("Commune or ward that settles it"), queryset=None,
                                     required=False)
    paper_documents = forms.TypedMultipleChoiceField(label=gettext_lazy("Paper documents received"), coerce=int,
                                                     required=False, widget=forms.CheckboxSelectMultiple)
    result_delivery = forms.ChoiceField(label=gettext_lazy("Result delivered"), choices=Dossier.ResultDelivery.choices)
    delivery_address = forms.CharField(label=gettext_lazy("Postal address for the result"), max_length=300,
                                       required=False)
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=DECISIONS, widget=forms.RadioSelect,
                                 initial="receive")
    reason = forms.CharField(label=gettext_lazy("Reason, or exactly what is missing"), required=False,
                             max_length=services.TEXT_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, snapshot, **kwargs):
        super().__init__(*args, **kwargs)
        definition = snapshot.get("form", [])
        specs = {spec["name"]: spec for spec in definition}
        # detail -> the application form's field for it, which this form's applicant_<detail> answers
        self.shared = {detail: specs[name] for detail, name in applicant_fields(definition).items()}
        self.application_definition = [spec for spec in definition
                                       if spec["name"] not in {spec["name"] for spec in self.shared.values()}]
        if "date_of_birth" not in self.shared:
            del self.fields["applicant_date_of_birth"]
        self.fields["paper_documents"].choices = [
            (order, document["name"]) for order, document in enumerate(snapshot["documents"], start=1)]
        if snapshot["level"] == "commune":
            self.fields["commune"].required = True
            self.fields["commune"].queryset = communes()
        else:
            del self.fields["commune"]

    def clean(self):
        cleaned_data = super().clean()
        decision = cleaned_data.get("decision")
        needs_reason = decision and any(ask.required for ask in transitions.get(decision).asks)
        if needs_reason and not cleaned_data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason in writing."))
        if cleaned_data.get("result_delivery") == Dossier.ResultDelivery.POST and not cleaned_data.get(
            "delivery_address", ""
        ).strip():
            self.add_error("delivery_address", _("Give the address the result should be posted to."))
        if decision == "receive":
            # What the application form requires it still requires when asked here; an incomplete or refused
            # dossier is recorded as it came, as with the rest of the application form.
            for detail, spec in self.shared.items():
                field = f"applicant_{detail}"
                if spec.get("required", True) and field not in self.errors and not cleaned_data.get(field):
                    self.add_error(field, _("The application form asks for this: “%(label)s”.")
                                   % {"label": spec["label"]})
        return cleaned_data

    @property
    def applicant(self):
        """The applicant's details as the dossier keeps them."""
        return {detail: self.cleaned_data.get(f"applicant_{detail}") or ""
                for detail in ("name", "identity_number", "phone", "email", "address")}

    def shared_answers(self):
        """The application form's answers that were typed in the applicant's section."""
        answers = {}
        for detail, spec in self.shared.items():
            value = self.cleaned_data.get(f"applicant_{detail}")
            answers[spec["name"]] = value.isoformat() if hasattr(value, "isoformat") else (value or None)
        return answers

    @property
    def applicant_section(self):
        return [self[name] for name in self.fields if name.startswith("applicant_") or name == "commune"]

    @property
    def decision_section(self):
        return [self[name] for name in ("result_delivery", "delivery_address", "decision", "reason")]


def applicant_on_record(identity_number):
    """What the province knows of the person with this identity number: their account's name, date of birth,
    phone, email and address, the gaps filled from their latest dossier; None for someone never seen."""
    details = dict.fromkeys(("name", "date_of_birth", "phone", "email", "address"), "")
    # iexact: the dossiers' identity number index is on UPPER(), for the queue's search.
    latest = (Dossier.objects.filter(applicant_identity_number__iexact=identity_number)
              .select_related("procedure_version").order_by("-created_at", "-id").first())
    account = get_user_model().objects.filter(identity_number=identity_number, is_active=True).first()
    if latest is None and account is None:
        return None
    if account is not None:
        details.update(name=account.get_full_name() or "", phone=account.phone or "", email=account.email or "",
                       address=getattr(account, "address", "") or "",
                       date_of_birth=account.date_of_birth.isoformat() if account.date_of_birth else "")
    if latest is not None:
        shared = applicant_fields(latest.procedure_version.snapshot.get("form", []))
        on_dossier = {"name": latest.applicant_name, "phone": latest.applicant_phone,
                      "email": latest.applicant_email, "address": latest.applicant_address,
                      "date_of_birth": latest.form_data.get(shared.get("date_of_birth", ""), "") or ""}
        details.update({key: value for key, value in on_dossier.items() if value and not details[key]})
    return details


def file_once(*, token, acting_user, filing):
    """Files a dossier with `filing()` once per counter form: posting the same form (its `token`) again returns the
    dossier the first post filed, with True for "filed before". A post that failed filed nothing, so the form can
    be corrected and posted again. A form without a token (not rendered by the window) files every time."""
    with transaction.atomic():
        if token is None:
            return filing(), False
        try:
            # A second post of the same form waits here until the first commits, then finds its record.
            with transaction.atomic():
                record = CounterFiling.objects.create(token=token, filed_by=acting_user)
        except IntegrityError:
            return CounterFiling.objects.select_related("dossier").get(token=token).dossier, True
        record.dossier = filing()
        record.save(update_fields=["dossier"])
        return record.dossier, False


def _may_file(user):
    return bool(agencies_where(user, StaffRole.RECEIVING_OFFICER))


def file_walk_in_view(request, *, model_admin):
    """The counter form: choose the procedure, find or type the applicant, fill the application form, check the
    papers and decide."""
    if not _may_file(request.user):
        raise PermissionDenied
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta,
               "title": _("File a walk-in dossier"), "lookup_url": reverse("admin:workflows_dossier_applicant")}
    asked = "procedure" in request.GET or "q" in request.GET
    chooser = ProcedureChoiceForm(request.GET if asked else None)
    procedure = chooser.chosen if asked and chooser.is_valid() else None
    context.update(chooser=chooser, procedure=procedure)
    if procedure is None:
        return TemplateResponse(request, TEMPLATE, context)
    if request.method == "GET" and (set(request.GET) != {"procedure"} or request.GET["procedure"] != procedure.code):
        # Found by words: the form posts back to the procedure's own address, the list closed.
        return redirect(f"{request.path}?{urlencode({'procedure': procedure.code})}")
    snapshot = procedure.current_version.snapshot
    if request.method == "POST" and "find_applicant" in request.POST:
        form, application, context["lookup"] = _found_applicant(request, snapshot)
    elif request.method == "POST":
        form = WalkInForm(request.POST, snapshot=snapshot)
        application = application_form(form.application_definition, data=request.POST, prefix="form")
        if form.is_valid():
            if form.cleaned_data["decision"] != "receive":
                for field in application.fields.values():
                    field.required = False  # an incomplete or refused dossier is recorded as it came
            if application.is_valid():
                dossier = _file_walk_in(request, procedure, form, application)
                if dossier is not None:
                    return redirect("admin:workflows_dossier_change", dossier.pk)
    else:
        form = WalkInForm(initial={"token": uuid.uuid4()}, snapshot=snapshot)
        application = application_form(form.application_definition, prefix="form")
    context.update(form=form, application=application, documents=list(enumerate(snapshot["documents"], 1)))
    return TemplateResponse(request, TEMPLATE, context)


def _found_applicant(request, snapshot):
    """The counter form as typed so far, without errors, with the applicant's details on record filled in: what
    the "Find" button gives without JavaScript."""
    typed = WalkInForm(snapshot=snapshot)
    initial = {name: field.widget.value_from_datadict(request.POST, {}, typed.add_prefix(name))
               for name, field in typed.fields.items()}
    initial["token"] = initial.get("token") or uuid.uuid4()
    number_field = typed.fields["applicant_identity_number"]
    try:
        number = number_field.clean(initial.get("applicant_identity_number"))
    except ValidationError as error:
        lookup = {"found": False, "detail": " ".join(error.messages)}
    else:
        details = applicant_on_record(number)
        if details is None:
            lookup = {"found": False, "detail": _("No one with this identity number has filed before: type their "
                                                  "details.")}
        else:
            initial.update({f"applicant_{key}": value for key, value in details.items() if value})
            lookup = {"found": True, "detail": _("Found: their details on record are filled in; check them with "
                                                 "the applicant.")}
    form = WalkInForm(initial=initial, snapshot=snapshot)
    application = application_form(form.application_definition, prefix="form")
    application.initial = {name: field.widget.value_from_datadict(request.POST, {}, application.add_prefix(name))
                           for name, field in application.fields.items()}
    return form, application, lookup


def _file_walk_in(request, procedure, form, application):
    uploads = web.document_uploads(request, procedure.current_version.snapshot)
    address = client_ip(request)

    def filing():
        dossier = services.file_dossier(
            procedure=procedure, acting_user=request.user, applicant=form.applicant,
            form_data={**form_data_for_storage(application), **form.shared_answers()},
            commune=form.cleaned_data.get("commune"), result_delivery=form.cleaned_data["result_delivery"],
            delivery_address=form.cleaned_data["delivery_address"],
            paper_documents=form.cleaned_data["paper_documents"], uploads=uploads, client_ip=address)
        return _decide(form, dossier, request.user, address)

    try:
        # Filing and the decision stand or fall together: a refused receipt leaves no half-filed dossier.
        dossier, filed_before = file_once(token=form.cleaned_data["token"], acting_user=request.user,
                                          filing=filing)
    except services.DossierError as error:
        messages.error(request, str(error))
        return None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    if filed_before:
        messages.warning(request, _("This form was filed already, as %(code)s: it was not filed again.")
                         % {"code": dossier.code})
    else:
        messages.success(request, _("Filed: %(code)s, %(state)s.") % {"code": dossier.code,
                                                                        "state": dossier.get_state_display()})
    return dossier


def _decide(form, dossier, acting_user, address):
    """The decision the officer chose on the dossier just filed: receipt, a supplement request or a refusal, with
    the reason written on the form."""
    transition = transitions.get(form.cleaned_data["decision"])
    answers = {ask.keyword: form.cleaned_data["reason"] for ask in transition.asks}
    return transitions.service(transition.name)(dossier=dossier, acting_user=acting_user, client_ip=address,
                                                **answers)


@require_POST
def applicant_lookup_view(request):
    """The applicant's details on record for an identity number, as JSON, for the counter form's "Find" button.
    Open to receiving officers only; POST, so identity numbers stay out of addresses and access logs."""
    if not _may_file(request.user):
        return JsonResponse({"detail": _("Only receiving officers may look applicants up.")}, status=403)
    try:
        number = IdentityNumberField().clean(request.POST.get("identity_number", ""))
    except ValidationError as error:
        return JsonResponse({"detail": " ".join(error.messages)}, status=400)
    details = applicant_on_record(number)
    if details is None:
        return JsonResponse({"detail": _("No one with this identity number has filed before: type their "
                                         "details.")}, status=404)
    return JsonResponse({"applicant": details,
                         "detail": _("Found: their details on record are filled in; check them with the "
                                     "applicant.")})
