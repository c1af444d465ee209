from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiClient, WebhookSubscription


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
