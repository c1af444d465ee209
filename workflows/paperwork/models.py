import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token():
    return secrets.token_urlsafe(16)


class IssuedDocument(models.Model):
    """A PDF OneStop issued (a slip, a signed result, an electronic copy), as it left OneStop: the public
    verification page (/xac-thuc/) finds it by its hash, by the value of a signature it carries, or by the token
    its QR code holds, and tells for which dossier, by whom and whether it is unchanged."""

    class Kind(models.TextChoices):
        SLIP = "slip", _("slip")
        RESULT = "result", _("signed result")
        COPY = "copy", _("electronic copy of the result")

    token = models.CharField(_("verification token"), max_length=32, unique=True, default=new_token, editable=False)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    # The value of the last signature or seal it carries: finds the document again in a changed copy.
    signature_digest = models.CharField(_("SHA-256 of its signature"), max_length=64, blank=True, db_index=True)
    dossier = models.ForeignKey("workflows.Dossier", verbose_name=_("dossier"), on_delete=models.PROTECT,
                                related_name="issued_documents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    # As printed then: a name changed later does not change what the document said.
    issuer_name = models.CharField(_("issuer's name"), max_length=200, blank=True)
    agency_name = models.CharField(_("agency"), max_length=300, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    signer_name = models.CharField(_("signed or sealed by"), max_length=200, blank=True)
    certificate_fingerprint = models.CharField(_("certificate (SHA-256)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return f"{self.title} — {self.dossier.code}"
