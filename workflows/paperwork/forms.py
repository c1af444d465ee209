"""The choice of a tracking book to download: which desk, which days, which format."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency

from . import book


class BookForm(forms.Form):
    """A desk this person may open the book of (book.desks_for), and days of one year: one volume."""

    desk = forms.ModelChoiceField(label=_("Receiving desk"), queryset=Agency.objects.none())
    first = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    file_format = forms.ChoiceField(label=_("Format"), choices=[("pdf", "PDF"), ("xlsx", "XLSX (Excel)")],
                                    initial="pdf")

    def __init__(self, data=None, *, user):
        today = timezone.localdate()
        super().__init__(data, initial={"first": today.replace(day=1), "last": today})
        self.fields["desk"].queryset = book.desks_for(user)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last and last < first:
            raise forms.ValidationError(_("The period ends before it starts."), code="period_reversed")
        if first and last and first.year != last.year:
            raise forms.ValidationError(_("Choose days of one year: each year is a volume of the book."),
                                        code="period_spans_years")
        return cleaned

    def register(self):
        return book.register(desk=self.cleaned_data["desk"], first=self.cleaned_data["first"],
                             last=self.cleaned_data["last"])


class VerificationForm(forms.Form):
    """A PDF anyone holds, to check against what OneStop issued."""

    document = forms.FileField(label=_("Document (PDF)"), help_text=_("The PDF file you received, as it is."))
