"""How the window shows a dossier's clock: the SLA colour and the working time left lead each row."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from procedures.formatting import local_moment, localized_number
from workflows.dossiers.states import CLOCK_STATES


def sla_badge(dossier):
    """The dossier's clock as a coloured badge: working hours left, late by, or stopped; a dash when no clock
    runs (before receipt, after the decision)."""
    if dossier.state not in CLOCK_STATES or dossier.due_at is None:
        return mark_safe('<span class="sla sla-none">—</span>')
    reading = dossier.clock()
    if reading.status == "paused":
        text = _("Clock stopped")
    elif reading.working_minutes_left < 0:
        text = _("%(hours)s h late") % {"hours": localized_number(reading.late_hours)}
    else:
        text = _("%(hours)s h left") % {"hours": localized_number(reading.hours_left)}
    return format_html('<span class="sla sla-{}" title="{}">{}</span>', reading.status,
                       local_moment(reading.due_at), text)
