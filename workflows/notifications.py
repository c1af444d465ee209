"""What the applicant is told about their dossier, in their portal inbox.

The message is recorded with the change (same transaction, so it is never lost nor sent for a change that rolled
back) and composed when read, so each reader sees it in their own language.
"""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import Notification

# The events an applicant hears about, and what they are told.
APPLICANT_MESSAGES = {
    "receive": _("Dossier %(code)s was received. Its result is due on %(appointment)s."),
    "refuse": _("Dossier %(code)s was not received: %(reason)s"),
    "request_documents": _("Dossier %(code)s needs completing before it can be received: %(reason)s"),
    "request_supplement": _("Dossier %(code)s needs a supplement; the clock stops until you send it: %(reason)s"),
    "apologise": _("We apologise: dossier %(code)s will be late. The new appointment is %(appointment)s. "
                   "%(reason)s"),
    "approve": _("The result of dossier %(code)s is ready."),
    "refuse_result": _("Dossier %(code)s was settled: not eligible. %(reason)s"),
    "return_result": _("The result of dossier %(code)s was returned to you."),
}


def record(dossier, event, *, note=""):
    """Puts a message in the applicant's inbox when `event` is one they hear about and they have an account."""
    if event not in APPLICANT_MESSAGES or dossier.applicant_id is None:
        return None
    appointment = dossier.appointment_at.isoformat() if dossier.appointment_at else None
    return Notification.objects.create(recipient_id=dossier.applicant_id, dossier=dossier, event=event,
                                       created_at=timezone.now(),
                                       data={"code": dossier.code, "appointment": appointment, "reason": note})


def message(notification):
    """The notification's text in the active language."""
    data = notification.data
    appointment = data.get("appointment")
    return APPLICANT_MESSAGES[notification.event] % {
        "code": data.get("code") or "",
        "appointment": date_format(timezone.localtime(parse_datetime(appointment)), "d/m/Y H:i")
        if appointment else "",
        "reason": data.get("reason") or "",
    }
