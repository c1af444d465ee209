from django.conf import settings
from django.db import models
from django.utils import timezone
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


class NationalPortalSync(models.Model):
    """Where one dossier's sync with the national public service portal stands (workflows.integrations.
    national_portal): its changes (NationalPortalChange) go out one at a time, in order, each retried with backoff
    until the portal acknowledges it; a later change never overtakes an earlier one."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SYNCED = "synced", _("Synced")
        RETRYING = "retrying", _("Failing, retried later")
        REFUSED = "refused", _("Refused by the portal")

    dossier = models.OneToOneField("workflows.Dossier", on_delete=models.CASCADE, related_name="national_sync")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Failed attempts at the change now waiting; back to 0 once the portal acknowledges it.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_try_at = models.DateTimeField(_("next try"), default=timezone.now)
    # When a task was last handed this dossier: one still due long after was lost with its task (the sweep).
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    # A worker is sending its changes until then at most: nobody else sends them meanwhile.
    sending_until = models.DateTimeField(_("being sent until"), null=True, blank=True)
    last_acknowledged = models.ForeignKey("NationalPortalChange", verbose_name=_("last change acknowledged"),
                                          on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(_("last acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("national portal sync")
        verbose_name_plural = _("national portal syncs")
        indexes = [models.Index(fields=["next_try_at"], condition=models.Q(status__in=["pending", "retrying"]),
                                name="national_sync_due_idx")]

    def __str__(self):
        return str(self.dossier)


class NationalPortalChange(models.Model):
    """One change of a dossier to tell the national portal (its creation or a transition), taken from the outbox
    event the transition wrote, once: sent in the order of the dossier's versions."""

    dossier = models.ForeignKey("workflows.Dossier", on_delete=models.CASCADE, related_name="national_changes")
    # The outbox event it came from: relaying an event twice queues one change. None for a change queued again
    # by the reconciliation (reconcile_national_portal --resend).
    outbox_event_id = models.BigIntegerField(unique=True, null=True, blank=True)
    action = models.CharField(_("action"), max_length=40)
    state = models.CharField(_("state"), max_length=20)
    version = models.PositiveIntegerField(_("version"))
    occurred_at = models.DateTimeField(_("at"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("national portal change")
        verbose_name_plural = _("national portal changes")
        ordering = ["dossier", "version", "outbox_event_id"]
        indexes = [models.Index(fields=["dossier", "version", "outbox_event_id"], name="national_change_order_idx",
                                condition=models.Q(acknowledged_at__isnull=True))]

    def __str__(self):
        return f"{self.action} → {self.state}"
