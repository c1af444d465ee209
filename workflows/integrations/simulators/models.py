from django.db import models
from django.utils.translation import gettext_lazy as _


class NationalIdKey(models.Model):
    """The national sign-in simulator's RSA signing key (workflows.integrations.simulators.national_id), made once
    and kept so that ID tokens it signed stay verifiable across restarts."""

    kid = models.CharField(max_length=64, unique=True)
    private_key_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("national sign-in simulator key")


class SimulatedPayment(models.Model):
    """A transaction at the payment platform's simulator (workflows.integrations.simulators.payment_platform)."""

    class Status(models.TextChoices):
        PAID = "00", _("Paid")
        PENDING = "01", _("Pending")
        FAILED = "02", _("Failed")
        CANCELLED = "03", _("Cancelled")

    transaction_id = models.CharField(max_length=32, unique=True)
    partner_code = models.CharField(max_length=50)
    reference = models.CharField(max_length=100)
    amount = models.PositiveBigIntegerField()
    order_info = models.CharField(max_length=500, blank=True)
    dossier_code = models.CharField(max_length=50, blank=True)
    return_url = models.URLField(max_length=500)
    notify_url = models.URLField(max_length=500)
    status = models.CharField(max_length=2, choices=Status.choices, default=Status.PENDING)
    # Paid by the citizen, the bank's confirmation still to come (and no callback for it).
    held = models.BooleanField(default=False)
    bank_code = models.CharField(max_length=20, blank=True)
    receipt_number = models.CharField(max_length=50, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What the partner answered each callback, for the demo and for tests.
    callback_log = models.TextField(blank=True)

    class Meta:
        verbose_name = _("payment platform simulator transaction")
        constraints = [models.UniqueConstraint(fields=["partner_code", "reference"],
                                               name="simulated_payment_reference_once")]


class PortalSwitch(models.Model):
    """How the national portal's simulator (workflows.integrations.simulators.national_portal) answers: normally,
    down (HTTP 503, as in an outage), busy (an error code that passes) or refusing every record; one row."""

    class Mode(models.TextChoices):
        UP = "up", _("Answering normally")
        DOWN = "down", _("Down (HTTP 503)")
        BUSY = "busy", _("Busy: answering an error that passes")
        REFUSING = "refusing", _("Refusing every record as invalid")

    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.UP)

    class Meta:
        verbose_name = _("national portal simulator switch")


class PortalDossier(models.Model):
    """A dossier the national portal's simulator holds, as the province sent it."""

    code = models.CharField(max_length=64, unique=True)
    portal_id = models.CharField(max_length=64, blank=True)
    procedure_code = models.CharField(max_length=40)
    applicant = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    record = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("national portal simulator dossier")


class PortalMessage(models.Model):
    """Every record the simulator received, in order, with the status it carried."""

    dossier = models.ForeignKey(PortalDossier, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(max_length=100, unique=True)
    updating = models.BooleanField()
    status = models.PositiveSmallIntegerField()
    history_length = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("national portal simulator message")
        ordering = ["pk"]


class OfferedDossier(models.Model):
    """A dossier filed on the simulated national portal for one of the province's procedures, offered for the
    province to take in; `taken_at` once a status for it came back."""

    portal_id = models.CharField(max_length=64, unique=True)
    procedure_code = models.CharField(max_length=40)
    province_code = models.CharField(max_length=10, blank=True)
    desk_code = models.CharField(max_length=40, blank=True)
    applicant = models.JSONField(default=dict)
    form_data = models.JSONField(default=dict, blank=True)
    sign_in_level = models.PositiveSmallIntegerField(default=2)
    created_at = models.DateTimeField(auto_now_add=True)
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("national portal simulator offered dossier")


class OfferedDocument(models.Model):
    dossier = models.ForeignKey(OfferedDossier, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=500)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
