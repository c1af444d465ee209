"""Who is told what about a dossier: applicants in their portal inbox, by email and by SMS; staff by email.

Every message is recorded with the change it reports, in the same transaction (an outbox event: never lost, never
sent for a change that rolled back). After commit a relay (workflows.tasks) turns each event into deliveries, one
per recipient and channel. The texts are templates (workflows/messages/<event>.txt), rendered in each recipient's
language when sent, or when read in the inbox.
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from . import webhooks
from .models import Delivery, Dossier, Notification, OutboxEvent
from .permissions import LEADER_ROLES

logger = logging.getLogger(__name__)

# What the applicant hears about: the transitions that change what they must do or can expect, and the timers'
# reminder before a supplement request lapses.
APPLICANT_EVENTS = ("receive", "refuse", "request_documents", "request_supplement", "apologise", "approve",
                    "refuse_result", "return_result", "supplement_reminder", "lapse", "notify_obligation",
                    "obligation_paid", "accept_withdrawal", "decline_withdrawal")

# What staff hear about, and the subject line of the email.
STAFF_SUBJECTS = {
    "queued": _("New in your queue: %(code)s"),
    "step_due_soon": _("Step due soon: %(code)s"),
    "step_overdue": _("Step overdue: %(code)s"),
    "escalation": _("Escalation: %(code)s is late at step %(step_name)s"),
    "dossier_due_soon": _("Dossier %(code)s nears its appointment: prepare an apology if it will be late"),
    "dossier_overdue": _("Dossier %(code)s is overdue: apologise and set a new appointment"),
    "digest": _("Your daily summary for %(day)s"),
}


# What the administrator's list of deliveries calls the events that are not transitions.
EVENT_LABELS = {
    "supplement_reminder": _("Reminder: supplement pending"),
    "queued": _("New in a queue"),
    "step_due_soon": _("Step due soon"),
    "step_overdue": _("Step overdue"),
    "escalation": _("Escalation to the leaders"),
    "dossier_due_soon": _("Appointment near: apology may be needed"),
    "dossier_overdue": _("Overdue: apology needed"),
    "digest": _("Daily digest"),
}


def record(dossier, event, *, note="", actor=None, queue_before=None, transition=False):
    """Called by every transition in its transaction: tells the applicant when `event` concerns them, and the
    people who must act next when the dossier entered a queue (`queue_before` is where it stood before); a
    `transition` is also announced to integrators' webhooks. The outbox events are written in one statement."""
    now = timezone.now()
    events = []
    if event in APPLICANT_EVENTS:
        data = {"code": dossier.code, "reason": note,
                "appointment": dossier.appointment_at.isoformat() if dossier.appointment_at else None,
                "supplement_due_at": dossier.supplement_due_at.isoformat() if dossier.supplement_due_at else None}
        if dossier.applicant_id is not None:
            Notification.objects.create(recipient_id=dossier.applicant_id, dossier=dossier, event=event,
                                        created_at=now, data=data)
        if dossier.applicant_email or dossier.applicant_phone:
            events.append(OutboxEvent(dossier=dossier, event=event, created_at=now, data=data))
    position = queue_position(dossier)
    if position is not None and position != queue_before:
        events.append(OutboxEvent(dossier=dossier, event="queued", created_at=now,
                                  data={"code": dossier.code, "position": position,
                                        "step_name": (dossier.current_step or {}).get("name", ""),
                                        "actor": actor.pk if actor is not None and actor.pk else None}))
    if transition:
        events.append(webhooks.outbox_event(dossier, event, now))
    write_outbox(*events)


def queue_position(dossier):
    """Whose queue the dossier waits in: (state, step, assignee), or None when it waits for nobody on staff."""
    if dossier.state == Dossier.State.SUBMITTED:
        return [dossier.state, None, None]
    # A withdrawal request waits with whoever works the current step.
    if dossier.state in (Dossier.State.RECEIVED, Dossier.State.PROCESSING, Dossier.State.RESULT_READY,
                         Dossier.State.WITHDRAWAL_REQUESTED) and (
        dossier.current_step_order is not None
    ):
        return [dossier.state, dossier.current_step_order, dossier.assignee_id]
    return None


def write_outbox(*events):
    """Saves outbox events in the current transaction; the relay starts once it commits."""
    if events:
        OutboxEvent.objects.bulk_create(events)
        transaction.on_commit(start_relay)


# Set while a relay waits in the queue: a burst of changes then queues one relay, not one each. The relay clears
# it before it reads the outbox, so an event committed after that read queues the next relay.
RELAY_QUEUED_KEY = "workflows:relay-queued"


def start_relay():
    """Hands the relay to a worker unless one is queued already; if the broker is down, the beat's periodic
    relay catches up."""
    from .tasks import relay_outbox

    if not cache.add(RELAY_QUEUED_KEY, 1, timeout=60):
        return
    try:
        relay_outbox.delay()
    except Exception:  # noqa: BLE001 - the change has committed; the event waits in the outbox
        cache.delete(RELAY_QUEUED_KEY)
        logger.warning("Broker unavailable: outbox events wait for the periodic relay", exc_info=True)


# Who receives an event

def recipients(event):
    """(channel, address, language) for everyone `event` is for, as things stand when it is relayed."""
    if event.event in APPLICANT_EVENTS:
        dossier = event.dossier
        language = dossier.applicant.language if dossier.applicant_id else settings.LANGUAGE_CODE
        return [(channel, address, language)
                for channel, address in ((Delivery.Channel.EMAIL, dossier.applicant_email),
                                         (Delivery.Channel.SMS, dossier.applicant_phone)) if address]
    return [(Delivery.Channel.EMAIL, user.email, user.language) for user in _staff_recipients(event)]


def _staff_recipients(event):
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if event.recipient_id is not None:
        return users.filter(pk=event.recipient_id)
    dossier = event.dossier
    if not _still_relevant(dossier, event):
        return users.none()
    if event.event == "escalation":
        return _holding(users, dossier.step_agency_id(dossier.current_step), LEADER_ROLES)
    if event.event in ("dossier_due_soon", "dossier_overdue"):
        return _holding(users, dossier.competent_agency_id, LEADER_ROLES)
    if dossier.assignee_id is not None:
        people = users.filter(pk=dossier.assignee_id)
    elif dossier.state == Dossier.State.SUBMITTED:
        people = _holding(users, dossier.receiving_agency_id, ["receiving_officer"])
    else:
        step = dossier.current_step
        people = _holding(users, dossier.step_agency_id(step), [step["role"]])
    return people.exclude(pk=event.data.get("actor") or 0)


def _still_relevant(dossier, event):
    """A reminder about a step the dossier has left, or an apology already made, is no longer sent."""
    if event.event == "queued":
        return queue_position(dossier) == event.data.get("position")
    if event.event in ("dossier_due_soon", "dossier_overdue"):
        return dossier.state in Dossier.RUNNING_STATES and not dossier.apology_count
    return dossier.state in Dossier.RUNNING_STATES and dossier.current_step_order == event.data.get("step")


def _holding(users, agency_id, roles):
    return users.filter(staff_memberships__agency_id=agency_id, staff_memberships__role__in=roles).distinct()


# What they read

def message(notification, language=None):
    """The short text of a notification or outbox event (the inbox line, the SMS) in `language`, or the active
    one."""
    with translation.override(language or translation.get_language()):
        return _render(f"workflows/messages/{notification.event}.txt", _context(notification)).strip()


def email(event, language):
    """(subject, body) of the email for an outbox event, in `language`."""
    with translation.override(language):
        context = _context(event)
        text = _render(f"workflows/messages/{event.event}.txt", context).strip()
        if event.event in APPLICANT_EVENTS:
            subject = _("Dossier %(code)s") % context
            # The public lookup works for everyone, with or without an account.
            link = f"{reverse('citizens:lookup')}?{urlencode({'code': context['code']})}"
        else:
            subject = STAFF_SUBJECTS[event.event] % context
            link = (reverse("admin:workflows_dossier_change", args=[event.dossier_id]) if event.dossier_id
                    else reverse("admin:workflows_dossier_changelist"))
        body = _render("workflows/messages/email.txt",
                       {**context, "message": text, "link": settings.ONESTOP_SITE_URL.rstrip("/") + link})
        return f"[OneStop] {subject}", body


def _context(notification):
    context = {"code": "", "reason": "", "step_name": "", "day": ""}
    for key, value in notification.data.items():
        moment = parse_datetime(value) if isinstance(value, str) and key.endswith(("appointment", "_at")) else None
        context[key] = timezone.localtime(moment) if moment else value
    if notification.data.get("step") and isinstance(notification, OutboxEvent):
        context["step_name"] = (notification.dossier.step(notification.data["step"]) or {}).get("name", "")
    return context


def _render(template_name, context):
    # Plain text: the "text" template engine does not escape for HTML.
    return engines["text"].get_template(template_name).render(context)
