from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.dossiers.services import MAX_OBLIGATION


class DeskPaymentForm(forms.Form):
    """Fees paid at the desk, as the receipt handed to the applicant says."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.IntegerField(label=_("Amount paid (VND)"), min_value=1, max_value=MAX_OBLIGATION)
    reference = forms.CharField(label=_("Receipt number"), max_length=100)
