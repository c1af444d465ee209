from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Field, Procedure
from .selectors import agencies_settling_procedures


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
