from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.dossiers.models import Dossier


class CounterFiling(models.Model):
    """The one-time token of a counter form that filed a dossier: the same form posted again (a double click, a
    reload, the back button) shows the dossier it filed instead of filing a second one. Kept here, not on the
    dossier, as the API keeps its idempotency keys: the token is the window's business."""

    token = models.UUIDField(_("form token"), unique=True)
    # Empty only inside the filing transaction, which sets it before committing.
    dossier = models.OneToOneField(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, null=True,
                                   related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("counter filing")
        verbose_name_plural = _("counter filings")

    def __str__(self):
        return str(self.token)
