from django.contrib import admin

from .models import AuditEntry, CalendarException, Dossier, StaffMembership


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "day"


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency"]
    list_filter = ["role", "agency__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]


class AuditEntryInline(admin.TabularInline):
    model = AuditEntry
    fields = ["at", "action", "actor", "actor_role", "actor_agency", "from_state", "to_state", "step_order", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only until the staff single window is built: dossiers change through their transitions only."""

    list_display = ["code", "procedure", "applicant_name", "state", "receiving_agency", "due_at"]
    list_filter = ["state", "channel"]
    search_fields = ["code", "applicant_name", "applicant_identity_number", "applicant_phone"]
    list_select_related = ["procedure", "receiving_agency"]
    inlines = [AuditEntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
