import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.uploads import private_storage
from workflows.dossiers.models import Dossier


class Payment(models.Model):
    """Fees and charges paid for a dossier: online through the payment platform, or at the desk."""

    class Method(models.TextChoices):
        ONLINE = "online", _("Online, through the payment platform")
        DESK = "desk", _("At the desk")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    amount = models.PositiveIntegerField(_("amount (VND)"))
    method = models.CharField(_("paid"), max_length=10, choices=Method.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True,
                                 help_text=_("The payment platform's transaction or the desk's receipt number."))
    paid_at = models.DateTimeField(_("paid at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["dossier", "paid_at"]
        constraints = [
            models.UniqueConstraint(fields=["method", "reference"], condition=~models.Q(reference=""),
                                    name="payment_reference_once"),
        ]

    def __str__(self):
        return f"{self.dossier} {self.amount} VND"


def _receipt_path(payment_request, filename):
    return f"receipts/{payment_request.dossier_id}/{uuid.uuid4().hex}.pdf"


class PaymentRequest(models.Model):
    """A citizen's payment through the national payment platform, from the moment OneStop sends them there until
    the platform says it is final: paid (then recorded as a Payment), failed, abandoned, or refused and flagged for
    staff (the platform reported a payment OneStop cannot record: another amount, or nothing due any more)."""

    class Purpose(models.TextChoices):
        FILING = "filing", _("Fees due at filing")
        OBLIGATION = "obligation", _("Financial obligation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the payment platform")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        ABANDONED = "abandoned", _("Abandoned or expired")
        MISMATCH = "mismatch", _("Refused: flagged for staff")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payment_requests")
    amount = models.PositiveIntegerField(_("amount (VND)"))
    purpose = models.CharField(_("pays for"), max_length=12, choices=Purpose.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    transaction_id = models.CharField(_("platform transaction"), max_length=64, blank=True)
    payment_url = models.URLField(_("payment page"), max_length=500, blank=True)
    bank_code = models.CharField(_("bank or wallet"), max_length=20, blank=True)
    reported_amount = models.PositiveBigIntegerField(_("amount the platform reported (VND)"), null=True, blank=True)
    problem = models.CharField(_("problem"), max_length=300, blank=True)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="online_request")
    receipt = models.FileField(_("electronic receipt"), storage=private_storage, upload_to=_receipt_path,
                               max_length=200, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    settled_at = models.DateTimeField(_("final at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("last asked the platform at"), null=True, blank=True)

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], condition=models.Q(status="pending"),
                                    name="payment_request_one_pending"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_request_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_request_queue")]

    def __str__(self):
        return self.reference

    @property
    def is_final(self):
        return self.status != self.Status.PENDING
