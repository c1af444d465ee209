from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiClient, NationalPortalSync, WebhookSubscription
from .national_portal import services as national_portal
from .national_portal import tasks as national_portal_tasks


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=gettext_lazy("scopes"), choices=ApiClient.Scope.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiClient
        fields = ["application", "scopes", "rate_limit"]

    def clean_rate_limit(self):
        rate = self.cleaned_data["rate_limit"]
        try:
            SimpleRateThrottle.parse_rate(None, rate)
        except (ValueError, KeyError, IndexError):
            raise ValidationError(
                _("Write it as a number of requests per s, min, hour or day, e.g. 600/min.")) from None
        return rate


class WebhookInline(admin.TabularInline):
    model = WebhookSubscription
    extra = 0
    fields = ["url", "secret", "events", "is_active"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """An integrated system: its OAuth2 application (client id and secret, and the service account whose staff
    roles bound what it sees and does), the scopes it may ask for, its rate limit and its webhooks."""

    form = ApiClientForm
    list_display = ["__str__", "client_id", "scopes", "rate_limit"]
    list_select_related = ["application"]
    inlines = [WebhookInline]

    @admin.display(description=gettext_lazy("client id"))
    def client_id(self, client):
        return client.application.client_id


class SyncFailingFilter(admin.SimpleListFilter):
    title = gettext_lazy("failing")
    parameter_name = "failing"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Failing or refused"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=[NationalPortalSync.Status.RETRYING, NationalPortalSync.Status.REFUSED])
        return queryset


@admin.register(NationalPortalSync)
class NationalPortalSyncAdmin(admin.ModelAdmin):
    """Each dossier's sync with the national public service portal: where it stands, its last error, and a
    "retry now" for those failing or refused (after the portal's trouble passed, or the record was corrected)."""

    list_display = ["dossier", "status", "attempts", "short_error", "next_try_at", "acknowledged_at"]
    list_filter = [SyncFailingFilter, "status"]
    list_select_related = ["dossier"]
    search_fields = ["dossier__code", "dossier__national_portal_id"]
    ordering = ["-next_try_at"]
    fields = ["dossier", "status", "attempts", "last_error", "next_try_at", "acknowledged_at", "changes"]
    readonly_fields = fields
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, sync):
        return sync.last_error[:120]

    @admin.display(description=gettext_lazy("changes, in order"))
    def changes(self, sync):
        """Each change queued for the portal, with when it was acknowledged (— while it waits)."""
        rows = sync.dossier.national_changes.order_by("version", "outbox_event_id")
        return format_html("<ol>{}</ol>", format_html_join("", "<li>{} → {} · {} · {}</li>", (
            (change.action, change.state, localize(localtime(change.occurred_at)),
             localize(localtime(change.acknowledged_at)) if change.acknowledged_at else "—") for change in rows)))

    @admin.action(description=gettext_lazy("Retry now"), permissions=["change"])
    def retry_now(self, request, queryset):
        with transaction.atomic():
            ids = national_portal.retry_now(queryset)
            transaction.on_commit(lambda: national_portal_tasks.hand_out(ids))
        self.message_user(request, _("%(count)d dossiers will be sent to the national portal again.")
                          % {"count": len(ids)}, messages.SUCCESS)
