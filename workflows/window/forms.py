from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from procedures.forms import IdentityNumberField, PhoneNumberField
from procedures.models import Agency
from procedures.selectors import communes
from workflows.dossiers import selectors, services, transitions
from workflows.dossiers.models import Dossier


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
        decision = cleaned_data.get("decision")
        needs_reason = decision and any(ask.required for ask in transitions.get(decision).asks)
        if needs_reason and not cleaned_data.get("reason", "").strip():
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


    def decide(self, dossier, acting_user, address):
        """Takes the decision the officer chose on the dossier just filed: receipt, a supplement request or a
        refusal, with the reason written on the form."""
        transition = transitions.get(self.cleaned_data["decision"])
        answers = {ask.keyword: self.cleaned_data["reason"] for ask in transition.asks}
        return transitions.service(transition.name)(dossier=dossier, acting_user=acting_user, client_ip=address,
                                                    **answers)


# The window's field for each thing the registry asks: one text box takes a note, a reason or a question.
TEXT = "reason"
WINDOW_FIELDS = {"note": TEXT, "reason": TEXT, "question": TEXT, "result": "result_file"}


class TransitionForm(forms.Form):
    """What a person types when taking a transition; the fields shown are those the registry asks for."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason, or what is missing"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))
    assignee = forms.ModelChoiceField(label=_("To"), queryset=None, required=False)
    new_appointment = forms.DateTimeField(label=_("New appointment"), required=False,
                                          widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                          input_formats=["%Y-%m-%dT%H:%M"])
    agencies = forms.ModelMultipleChoiceField(label=_("Agencies to consult"), required=False,
                                              queryset=Agency.objects.effective_today().order_by("name"))
    days = forms.IntegerField(label=_("Working days to answer"), min_value=1, max_value=30, required=False)
    result_file = forms.FileField(label=_("Result document (PDF)"), required=False)
    amount = forms.IntegerField(label=_("Amount to pay (VND)"), min_value=1, max_value=services.MAX_OBLIGATION,
                                required=False)

    def __init__(self, *args, name, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        # A name no transition has (a hand-edited address) gets a form that refuses to be taken.
        self.transition = transitions.TRANSITIONS.get(name)
        self.dossier = dossier
        asks = self.transition.asks if self.transition else ()
        asked = {WINDOW_FIELDS.get(ask.field, ask.field): ask for ask in asks}
        for field in [field for field in self.fields if field not in {"expected_version", *asked}]:
            del self.fields[field]
        for field, ask in asked.items():
            # Text is checked by the service, which says what is missing in its own words.
            self.fields[field].required = ask.required and field != TEXT
        if "assignee" in self.fields:
            handover = self.transition.handover
            step = dossier.next_step if handover and handover.goes_to == "next" else dossier.current_step
            self.fields["assignee"].queryset = (selectors.colleagues_for_step(dossier, step) if step
                                                else get_user_model().objects.none())

    def take(self, acting_user, address):
        """Calls the service behind the transition with what the person typed."""
        if self.transition is None or not self.transition.by_hand or not self.transition.in_window:
            raise services.NotPermitted(_("This cannot be done from the single window."))
        data = self.cleaned_data
        answers = {ask.keyword: data.get(WINDOW_FIELDS.get(ask.field, ask.field)) for ask in self.transition.asks}
        return transitions.service(self.transition.name)(
            dossier=self.dossier, acting_user=acting_user, expected_version=data["expected_version"],
            client_ip=address, **answers)

