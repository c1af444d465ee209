"""Who hears of feedback, as things stand when the outbox relays it: the staff who answer for the agency learn of
new feedback, the sender of its answer. The words are the notifications' templates
(notifications/messages/feedback_received.txt, feedback_answered.txt)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows.notifications.messages import register_audience
from workflows.notifications.models import Delivery

from .models import Feedback
from .selectors import ANSWERING_ROLES


def register():
    register_audience("feedback_received", recipients=staff_who_answer, link=window_page,
                      subject=_("New feedback to answer: %(code)s"), label=_("New feedback to answer"))
    register_audience("feedback_answered", recipients=sender, link=sender_page,
                      subject=_("Your feedback %(code)s was answered"), label=_("Feedback answered"))


def staff_who_answer(event):
    """The one-door desk and the leaders of the agency that must answer, while the feedback waits for it."""
    feedback = Feedback.objects.filter(pk=event.data.get("feedback"), status=Feedback.Status.OPEN).first()
    if feedback is None:
        return []
    staff = (get_user_model().objects.filter(is_active=True, staff_memberships__agency_id=feedback.agency_id,
                                             staff_memberships__role__in=ANSWERING_ROLES)
             .exclude(email="").exclude(pk=feedback.author_id or 0).distinct().order_by("pk"))
    return [(Delivery.Channel.EMAIL, user.email, user.language) for user in staff]


def sender(event):
    """The email and phone the sender gave (a signed-in sender's, from their account), in their language."""
    feedback = Feedback.objects.select_related("author").filter(pk=event.data.get("feedback")).first()
    if feedback is None:
        return []
    language = feedback.author.language if feedback.author_id else settings.LANGUAGE_CODE
    return [(channel, address, language)
            for channel, address in ((Delivery.Channel.EMAIL, feedback.email), (Delivery.Channel.SMS, feedback.phone))
            if address]


def window_page(event):
    return reverse("admin:feedback_feedback_change", args=[event.data["feedback"]])


def sender_page(event):
    """A signed-in sender reads the answer among their feedback; anyone else looks it up with its reference."""
    if Feedback.objects.filter(pk=event.data.get("feedback"), author__isnull=False).exists():
        return reverse("feedback:detail", args=[event.data["code"]])
    return f"{reverse('feedback:lookup')}?{urlencode({'ma': event.data['code']})}"
