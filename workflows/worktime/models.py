from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarException(models.Model):
    """A day the government announced differently from the holiday rules: an extra day off, or a working day
    (a make-up Saturday, or a cancelled day off)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("reason"), max_length=200, help_text=_("e.g. the decision that announced it"))

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.get_kind_display()}: {self.name}"
