from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency
from workflows.dossiers import selectors, services, transitions

# The window's field for each thing the registry asks: one text box takes a note, a reason or a question.
TEXT = "reason"
WINDOW_FIELDS = {"note": TEXT, "reason": TEXT, "question": TEXT, "result": "result_file"}
# What the text box is called, by the service's keyword it reaches.
TEXT_LABELS = {"note": _("Note (optional)"), "reason": _("Reason"), "missing": _("What is missing, exactly"),
               "question": _("Question to the agencies")}


class TransitionForm(forms.Form):
    """What a person types when taking a transition; the fields shown are those the registry asks for. Each
    transition's form has ids of its own, so that a label never points into another form on the same page."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=services.TEXT_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))
    assignee = forms.ModelChoiceField(label=_("To"), queryset=None, required=False)
    new_appointment = forms.DateTimeField(label=_("New appointment"), required=False,
                                          widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                          input_formats=["%Y-%m-%dT%H:%M"])
    agencies = forms.ModelMultipleChoiceField(label=_("Agencies to consult"), required=False,
                                              queryset=Agency.objects.effective_today().order_by("name"))
    days = forms.IntegerField(label=_("Working days to answer"), min_value=1, max_value=30, required=False)
    result_file = forms.FileField(label=_("Result document (PDF)"), required=False,
                                  widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))
    amount = forms.IntegerField(label=_("Amount to pay (VND)"), min_value=1, max_value=services.MAX_OBLIGATION,
                                required=False)
    confirmed = forms.BooleanField(label=_("I confirm: the applicant is told at once and this cannot be undone."),
                                   required=True)

    def __init__(self, *args, name, dossier, **kwargs):
        super().__init__(*args, auto_id=f"id_{name}_%s", **kwargs)
        # A name no transition has (a hand-edited address) gets a form that refuses to be taken.
        self.transition = transitions.TRANSITIONS.get(name)
        self.dossier = dossier
        asks = self.transition.asks if self.transition else ()
        asked = {WINDOW_FIELDS.get(ask.field, ask.field): ask for ask in asks}
        kept = {"expected_version", *asked, *(["confirmed"] if self.transition and self.transition.confirm else [])}
        for field in [field for field in self.fields if field not in kept]:
            del self.fields[field]
        for field, ask in asked.items():
            # Text is checked by the service, which says what is missing in its own words.
            self.fields[field].required = ask.required and field != TEXT
            if field == TEXT:
                self.fields[field].label = TEXT_LABELS.get(ask.keyword, self.fields[field].label)
        if "assignee" in self.fields:
            handover = self.transition.handover
            step = dossier.next_step if handover and handover.goes_to == "next" else dossier.current_step
            self.fields["assignee"].queryset = (selectors.colleagues_for_step(dossier, step) if step
                                                else get_user_model().objects.none())

    @property
    def folds_note(self):
        """The text box takes an optional note only: the window folds it away, so that the rest stands out."""
        return self.transition is not None and TEXT in self.fields and any(
            ask.keyword == "note" for ask in self.transition.asks)

    def take(self, acting_user, address):
        """Calls the service behind the transition with what the person typed."""
        if self.transition is None or not self.transition.by_hand or not self.transition.in_window:
            raise services.NotPermitted(_("This cannot be done from the single window."))
        data = self.cleaned_data
        answers = {ask.keyword: data.get(WINDOW_FIELDS.get(ask.field, ask.field)) for ask in self.transition.asks}
        return transitions.service(self.transition.name)(
            dossier=self.dossier, acting_user=acting_user, expected_version=data["expected_version"],
            client_ip=address, **answers)


class VerifyDocumentForm(forms.Form):
    """What the receiving officer reads on the original when verifying a document (all optional)."""

    number = forms.CharField(label=_("Number"), max_length=60, required=False)
    issuer = forms.CharField(label=_("Issued by"), max_length=300, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
