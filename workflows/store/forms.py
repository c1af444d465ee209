from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import DocumentType


class OwnScanForm(forms.Form):
    """A citizen's own scan of a paper they hold, for their document store."""

    document_type = forms.ModelChoiceField(label=_("Document type"), queryset=DocumentType.objects.all())
    number = forms.CharField(label=_("Number"), max_length=60, required=False)
    issuer = forms.CharField(label=_("Issued by"), max_length=300, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_("Leave empty if it never expires."))
    file = forms.FileField(label=_("Scan (PDF, JPEG or PNG, at most 10 MB)"))

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if issued_on and issued_on > timezone.localdate():
            raise forms.ValidationError(_("The date of issue cannot be in the future."))
        return issued_on

    def clean(self):
        cleaned_data = super().clean()
        issued_on, valid_until = cleaned_data.get("issued_on"), cleaned_data.get("valid_until")
        if issued_on and valid_until and valid_until < issued_on:
            self.add_error("valid_until", _("The end of validity is before the date of issue."))
        return cleaned_data
