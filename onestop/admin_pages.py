"""Admin pages that show records kept by services: staff read them there and act through the services' own
forms, never by editing rows."""

from django.contrib import admin


class ServiceKeptAdmin(admin.ModelAdmin):
    """Read-only for everyone the page is open to; `has_module_permission` says who that is."""

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
