from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.dossiers.models import Dossier, OutboxEvent
from workflows.integrations.models import WebhookSubscription


class Delivery(models.Model):
    """One message of an outbox event to one recipient on one channel; sent at most once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=500)
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When a task was last handed this delivery: one still pending long after was lost with its task, and the
    # sweeper (tasks.sweep_deliveries) hands it out again.
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    # A worker is sending it until then at most: nobody else may send it meanwhile (tasks.claim).
    sending_until = models.DateTimeField(_("being sent until"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "channel", "recipient"],
                                               name="one_delivery_per_recipient")]
        indexes = [models.Index(fields=["status"], condition=~models.Q(status="sent"), name="delivery_open_idx"),
                   models.Index(fields=["queued_at"], condition=models.Q(status="pending"),
                                name="delivery_pending_idx"),
                   models.Index(fields=["sent_at"], condition=models.Q(status="sent"), name="delivery_sent_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient}"


class Notification(models.Model):
    """A message in a person's portal inbox about one of their dossiers, written in the same transaction as the
    change it reports. Its text is composed when read (workflows.notifications.messages), in the reader's language."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(_("event"), max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("sent"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread_idx"),
        ]

    def __str__(self):
        return f"{self.event} {self.dossier_id}"
