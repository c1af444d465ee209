from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    """An integrated system (the national portal, another provincial system, a payment platform, a mobile app)
    calling the REST API with OAuth2 client credentials. It acts as the application's service account: that
    account's staff roles say which agencies' dossiers it may read and act on, and its scopes what it may do."""

    class Scope(models.TextChoices):
        CATALOGUE_READ = "catalogue:read", _("Read the catalogue")
        DOSSIERS_READ = "dossiers:read", _("Read dossiers")
        DOSSIERS_FILE = "dossiers:file", _("File dossiers for citizens")
        DOSSIERS_ACT = "dossiers:act", _("Act on dossiers")
        WEBHOOKS = "webhooks", _("Receive webhooks")
        PAYMENTS_RECORD = "payments:record", _("Record payments from the payment platform")

    application = models.OneToOneField(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE,
                                       related_name="api_client")
    scopes = models.JSONField(_("scopes"), default=list, help_text=_("What this client may ask a token for."))
    rate_limit = models.CharField(_("rate limit"), max_length=20, default="600/min",
                                  help_text=_("Requests per second, minute, hour or day, e.g. 600/min."))

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self):
        return self.application.name


class WebhookSubscription(models.Model):
    """An API client's endpoint told of dossier events it may see, each delivery signed with the secret."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    # Kept readable: every delivery is signed with it (HMAC-SHA256).
    secret = models.CharField(_("signing secret"), max_length=100)
    events = models.JSONField(_("events"), default=list, blank=True,
                              help_text=_("The dossier actions to send, e.g. receive, approve; empty for all."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return self.url

    def wants(self, action):
        return not self.events or action in self.events
