"""What the applicant is told about their dossier: in their portal inbox, by email and by SMS.

The message is recorded with the change (same transaction, so it is never lost nor sent for a change that rolled
back) and composed when read, so each reader sees it in their own language.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import Notification, OutboxEvent

logger = logging.getLogger(__name__)

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
    """When `event` is one the applicant hears about: a message in their inbox if they have an account, and an
    outbox event for email and SMS, both in the transaction of the change; the relay runs once it commits."""
    if event not in APPLICANT_MESSAGES:
        return
    now = timezone.now()
    data = {"code": dossier.code, "reason": note,
            "appointment": dossier.appointment_at.isoformat() if dossier.appointment_at else None}
    if dossier.applicant_id is not None:
        Notification.objects.create(recipient_id=dossier.applicant_id, dossier=dossier, event=event,
                                    created_at=now, data=data)
    if dossier.applicant_email or dossier.applicant_phone:
        OutboxEvent.objects.create(dossier=dossier, event=event, created_at=now, data=data)
        transaction.on_commit(_start_relay)


def _start_relay():
    """Hands the relay to a worker; if the broker is down, the beat's periodic relay catches up."""
    from .tasks import relay_outbox

    try:
        relay_outbox.delay()
    except Exception:  # noqa: BLE001 - the officer's action has succeeded; the event waits in the outbox
        logger.warning("Broker unavailable: outbox events wait for the periodic relay", exc_info=True)


def message(notification):
    """The notification's (or outbox event's) text in the active language."""
    data = notification.data
    appointment = data.get("appointment")
    return APPLICANT_MESSAGES[notification.event] % {
        "code": data.get("code") or "",
        "appointment": date_format(timezone.localtime(parse_datetime(appointment)), "d/m/Y H:i")
        if appointment else "",
        "reason": data.get("reason") or "",
    }
