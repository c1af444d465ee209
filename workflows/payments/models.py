from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
