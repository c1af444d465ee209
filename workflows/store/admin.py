from django.contrib import admin

from onestop.admin_pages import ServiceKeptAdmin

from .models import StoreAccess, StoreItem


@admin.register(StoreItem)
class StoreItemAdmin(ServiceKeptAdmin):
    """The store changes through its services; the admin shows it to the province's administrators."""

    list_display = ["name", "number", "owner_name", "owner_identity_number", "origin", "verified", "valid_until"]
    list_filter = ["origin", "verified", "document_type"]
    search_fields = ["=owner_identity_number", "=number"]
    list_select_related = ["document_type"]
    exclude = ["file"]


@admin.register(StoreAccess)
class StoreAccessAdmin(ServiceKeptAdmin):
    list_display = ["at", "officer", "item", "dossier", "purpose"]
    list_filter = ["purpose"]
    list_select_related = ["officer", "item", "dossier"]
