"""Who is told what about a dossier, and in which words: applicants in their portal inbox, by email and by SMS;
staff by email.

The dossier engine publishes each event in the transaction of the change (workflows.dossiers.events); after commit
the relay (workflows.notifications.tasks) turns it into deliveries, one per recipient and channel, as this module
says. The texts are templates (notifications/messages/<event>.txt), rendered in each recipient's language when
sent, or when read in the inbox.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from workflows.dossiers.events import queue_position, tells_applicant
from workflows.dossiers.models import OutboxEvent
from workflows.dossiers.staff import LEADER_ROLES
from workflows.dossiers.states import RUNNING_STATES, State

from .models import Delivery

logger = logging.getLogger(__name__)

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


# The warnings to the competent agency's leaders about the dossier's own deadline.
DOSSIER_DEADLINE_EVENTS = ("dossier_due_soon", "dossier_overdue")


# What the administrator's list of deliveries calls the events that are not transitions.
EVENT_LABELS = {
    "supplement_reminder": _("Reminder: supplement pending"),
    "appointment_moved": _("Appointment moved by a day off"),
    "queued": _("New in a queue"),
    "step_due_soon": _("Step due soon"),
    "step_overdue": _("Step overdue"),
    "escalation": _("Escalation to the leaders"),
    "dossier_due_soon": _("Appointment near: apology may be needed"),
    "dossier_overdue": _("Overdue: apology needed"),
    "digest": _("Daily digest"),
}


# Events of the rooms above this one (workflows.feedback), which this room may not import: each registers at
# start-up who hears it, its email's subject and where the email links to. Its words are here, as every event's.

@dataclass(frozen=True)
class Audience:
    recipients: Callable  # outbox event -> [(channel, address, language)]
    subject: str  # formatted with the event's data
    link: Callable  # outbox event -> the path the email links to


AUDIENCES = {}


def register_audience(event, *, recipients, subject, link, label):
    AUDIENCES[event] = Audience(recipients, subject, link)
    EVENT_LABELS[event] = label


# Who receives an event

def recipients(event):
    """(channel, address, language) for everyone `event` is for, as things stand when it is relayed."""
    if event.event in AUDIENCES:
        return list(AUDIENCES[event.event].recipients(event))
    if tells_applicant(event.event):
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
    if event.event in DOSSIER_DEADLINE_EVENTS:
        return _holding(users, dossier.competent_agency_id, LEADER_ROLES)
    if dossier.assignee_id is not None:
        people = users.filter(pk=dossier.assignee_id)
    elif dossier.state == State.SUBMITTED:
        people = _holding(users, dossier.receiving_agency_id, ["receiving_officer"])
    else:
        step = dossier.current_step
        people = _holding(users, dossier.step_agency_id(step), [step["role"]])
    return people.exclude(pk=event.data.get("actor") or 0)


def _still_relevant(dossier, event):
    """A reminder about a step the dossier has left, or an apology already made, is no longer sent."""
    if event.event == "queued":
        return queue_position(dossier) == event.data.get("position")
    if event.event in DOSSIER_DEADLINE_EVENTS:
        return dossier.state in RUNNING_STATES and not dossier.apology_count
    return dossier.state in RUNNING_STATES and dossier.current_step_order == event.data.get("step")


def _holding(users, agency_id, roles):
    return users.filter(staff_memberships__agency_id=agency_id, staff_memberships__role__in=roles).distinct()


# What they read

def message(notification, language=None):
    """The short text of a notification or outbox event (the inbox line, the SMS) in `language`, or the active
    one."""
    with translation.override(language or translation.get_language()):
        return _render(f"notifications/messages/{notification.event}.txt", _context(notification)).strip()


def email(event, language):
    """(subject, body) of the email for an outbox event, in `language`."""
    with translation.override(language):
        context = _context(event)
        text = _render(f"notifications/messages/{event.event}.txt", context).strip()
        if event.event in AUDIENCES:
            audience = AUDIENCES[event.event]
            subject, link = audience.subject % context, audience.link(event)
        elif tells_applicant(event.event):
            subject = _("Dossier %(code)s") % context
            # The public lookup works for everyone, with or without an account.
            link = f"{reverse('citizens:lookup')}?{urlencode({'code': context['code']})}"
        else:
            subject = STAFF_SUBJECTS[event.event] % context
            link = (reverse("admin:workflows_dossier_change", args=[event.dossier_id]) if event.dossier_id
                    else reverse("admin:workflows_dossier_changelist"))
        body = _render("notifications/messages/email.txt",
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
