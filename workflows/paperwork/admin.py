from django.contrib import admin

from onestop.admin_pages import ServiceKeptAdmin

from .models import IssuedDocument


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ServiceKeptAdmin):
    """The registry of what OneStop issued, read only: it is what the public verification answers from."""

    list_display = ["issued_at", "kind", "title", "dossier", "issuer_name", "signer_name"]
    list_filter = ["kind"]
    search_fields = ["dossier__code", "sha256", "token"]
    list_select_related = ["dossier"]
    readonly_fields = [field.name for field in IssuedDocument._meta.fields]
