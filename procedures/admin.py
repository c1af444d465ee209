from django import forms
from django.contrib import admin
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .models import (
    AdministrativeUnit,
    Agency,
    DocumentType,
    Fee,
    Field,
    FormField,
    LegalDocument,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
)
from .services import publish_procedure_version
from .validators import validate_step_shares


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "effective_from", "effective_to"]
    list_filter = ["kind", "parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["predecessors"]
    list_select_related = ["parent"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit", "receives_dossiers"]
    list_filter = ["kind", "receives_dossiers"]
    search_fields = ["code", "name", "unit__name"]
    autocomplete_fields = ["unit", "parent"]
    filter_horizontal = ["predecessors"]
    list_select_related = ["unit"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "unit", "parent", "receives_dossiers"]}),
        (_("Contact"), {"fields": ["address", "phone", "email"]}),
        (_("History"), {"fields": ["effective_from", "effective_to", "predecessors"]}),
    ]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(LegalDocument)
class LegalDocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "issuer", "issued_on"]
    search_fields = ["number", "title"]
    list_filter = ["issuer"]


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "issuer_kind", "validity_months"]
    list_filter = ["issuer_kind"]
    search_fields = ["code", "name"]


class ProcessStepFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        validate_step_shares(time_limit=self.instance.time_limit, shares=[form.cleaned_data["share"] for form in kept])


class ProcessStepInline(admin.TabularInline):
    model = ProcessStep
    formset = ProcessStepFormSet
    extra = 0
    min_num = 1
    fields = ["order", "name", "role", "share"]


# Long names and notes wrap in a small box, so a row of the documents or fees fits the page at 1,280 px.
WRAPPED = {models.CharField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 30})}}
NUMBER = forms.NumberInput(attrs={"style": "width: 4em"})


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ["order", "name", "document_type", "form", "copies", "is_required", "template", "note"]
    formfield_overrides = {**WRAPPED, models.PositiveSmallIntegerField: {"widget": NUMBER}}


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0
    fields = ["order", "name", "kind", "amount", "note"]
    formfield_overrides = {**WRAPPED, models.PositiveSmallIntegerField: {"widget": NUMBER}}


class FormFieldInline(admin.StackedInline):
    model = FormField
    extra = 0
    ordering = ["order"]
    verbose_name = _("application form field")
    verbose_name_plural = _("application form: the fields the citizen fills in online")
    fields = [
        ("order", "name", "kind", "required"),
        "label",
        "help_text",
        "choices",
        ("min_length", "max_length"),
        ("min_value", "max_value"),
    ]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}}


class ProcedureVersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    fields = ["number", "created_at", "created_by"]
    readonly_fields = fields
    can_delete = False
    ordering = ["-number"]
    verbose_name_plural = _("published versions (dossiers keep the version they were filed under)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "level", "time_limit_display", "online_level", "is_active"]
    list_filter = ["is_active", "level", "online_level", "boundary_free", "field", "competent_agency"]
    search_fields = ["code", "name", "field__name"]
    autocomplete_fields = ["field", "competent_agency"]
    filter_horizontal = ["legal_basis"]
    list_select_related = ["field"]
    inlines = [ProcessStepInline, RequiredDocumentInline, FeeInline, FormFieldInline, ProcedureVersionInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "field", "result", "result_type", "legal_basis", "sets"]}),
        (_("Competence"), {"fields": ["level", "competent_agency", "competent_agency_kind", "boundary_free"]}),
        (_("Time limit"), {"fields": ["time_limit", "time_limit_unit", "intake_cutoff"]}),
        (_("Availability"), {"fields": ["online_level", "minimum_assurance_level", "is_active", "effective_from",
                                        "effective_to"]}),
        (_("Publication"), {"fields": ["announcement_decision", "announced_on", "published_on",
                                       "publication_gaps_display"]}),
    ]
    readonly_fields = ["publication_gaps_display"]

    @admin.display(description=_("missing for a complete publication"))
    def publication_gaps_display(self, procedure):
        if procedure.pk is None:  # being added: no documents, steps or fees to read yet
            return "—"
        return ", ".join(procedure.publication_gaps) or "—"

    @admin.display(description=_("time limit"), ordering="time_limit")
    def time_limit_display(self, procedure):
        return procedure.time_limit_display

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Published after every inline is saved, the form fields included, so the version holds all of them.
        # The step formset has already refused shares that do not add up, so publishing cannot fail here.
        publish_procedure_version(procedure=form.instance, acting_user=request.user)
