"""The citizen's document store (kho quản lý dữ liệu điện tử của tổ chức, cá nhân, Circular 01/2023/TT-VPCP): the
results OneStop issued to a person and the documents an officer verified for them, kept so that no one asks for
them again, and the citizen's own scans, unverified until an officer checks one."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onestop.uploads import private_storage
from procedures.models import DocumentType
from workflows.dossiers.models import Dossier, DossierDocument


def _item_path(item, filename):
    return f"store/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


class StoreItemQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))


class StoreItem(models.Model):
    class Origin(models.TextChoices):
        ISSUED = "issued", _("Result issued by OneStop")
        VERIFIED_AT_RECEIPT = "verified_at_receipt", _("Verified at receipt")
        OWN_SCAN = "own_scan", _("Citizen's own scan")

    # The citizen's account when they have one; the identity number in every case, so that a counter filing's
    # result can be found again when its applicant opens an account (matched only once that identity is proven).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="store_items")
    owner_name = models.CharField(_("owner's name"), max_length=200)
    owner_identity_number = models.CharField(_("owner's identity number"), max_length=12, blank=True)
    document_type = models.ForeignKey(DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="store_items")
    name = models.CharField(_("name"), max_length=500)
    number = models.CharField(_("number"), max_length=60, blank=True)
    issuer = models.CharField(_("issued by"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    file = models.FileField(_("file"), storage=private_storage, upload_to=_item_path, max_length=200)
    original_filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    origin_dossier = models.ForeignKey(Dossier, verbose_name=_("origin dossier"), on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="store_items")
    # The dossier document it was verified from, so that verifying the same document twice keeps one item.
    origin_document = models.OneToOneField(DossierDocument, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="store_item")
    verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    objects = StoreItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("document store item")
        verbose_name_plural = _("document store items")
        ordering = ["-added_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "document_type"], name="store_item_owner_type_idx"),
            models.Index(fields=["owner_identity_number"], name="store_item_identity_idx"),
            models.Index(fields=["valid_until"], name="store_item_expiry_idx",
                         condition=Q(valid_until__isnull=False)),
        ]
        constraints = [
            # One item per result: approving twice cannot happen, keeping it twice must not either.
            models.UniqueConstraint(fields=["origin_dossier"], condition=Q(origin="issued"),
                                    name="store_one_item_per_result"),
            models.CheckConstraint(condition=Q(verified=False) | Q(verified_by__isnull=False),
                                   name="store_verified_item_names_who"),
        ]

    def __str__(self):
        return f"{self.name} {self.number}".strip()

    def expired_on(self, day):
        return self.valid_until is not None and self.valid_until < day

    @property
    def expired(self):
        return self.expired_on(timezone.localdate())


class StoreAccess(models.Model):
    """An officer opened an item of a citizen's store: who, which item, for which dossier, why, when."""

    class Purpose(models.TextChoices):
        RECEIPT = "receipt", _("Checking the dossier at receipt")
        PROCESSING = "processing", _("Settling the dossier")

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(StoreItem, on_delete=models.PROTECT, related_name="accesses")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("officer's read of a store item")
        verbose_name_plural = _("officers' reads of store items")
        ordering = ["-at"]
        indexes = [models.Index(fields=["item", "-at"], name="store_access_item_idx")]
