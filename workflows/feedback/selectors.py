"""What people may see of feedback: staff the feedback their agencies and roles must answer, citizens their own,
anyone the answered feedback an officer published, without personal data."""

import re

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency
from procedures.validators import normalise_phone
from workflows.dossiers.selectors import Queue, due_soon_before, is_province_admin
from workflows.dossiers.staff import LEADER_ROLES, StaffRole, agencies_where, holds_role

from .models import Feedback

# Feedback is handled by the one-door desk and the leaders of the agency that must answer: they read and answer
# it; the specialists and the result desk do not.
ANSWERING_ROLES = (StaffRole.RECEIVING_OFFICER, *LEADER_ROLES)


def visible_feedback(user):
    """The feedback this staff member may read: what their agencies must answer, where they hold an answering
    role; all of it for a province administrator."""
    feedback = Feedback.objects.select_related("procedure", "agency", "dossier")
    if is_province_admin(user):
        return feedback
    agencies = agencies_where(user, *ANSWERING_ROLES)
    return feedback.filter(agency__in=agencies) if agencies else feedback.none()


def may_read_feedback(user):
    return user.is_active and (is_province_admin(user) or bool(agencies_where(user, *ANSWERING_ROLES)))


def may_answer(user, feedback):
    """Only the agency that must answer speaks for it: a province administrator reads, and does not answer."""
    return holds_role(user, feedback.agency_id, *ANSWERING_ROLES)


def queues(now):
    """The window's feedback queues: what waits for an answer, due soon, overdue, and what was answered."""
    due_soon = due_soon_before(now)
    return [
        Queue("open", _("To answer"), Q(status=Feedback.Status.OPEN)),
        Queue("due_soon", _("Due soon"), Q(status=Feedback.Status.OPEN, due_at__gte=now, due_at__lte=due_soon)),
        Queue("overdue", _("Overdue"), Q(status=Feedback.Status.OPEN, due_at__lt=now)),
        Queue("answered", _("Answered"), Q(status=Feedback.Status.ANSWERED)),
    ]


def deadline_status(feedback, now, due_soon):
    """on_time, due_soon or overdue for open feedback; answered_on_time or answered_late once answered."""
    if feedback.status == Feedback.Status.ANSWERED:
        return "answered_on_time" if feedback.answered_on_time else "answered_late"
    if feedback.due_at < now:
        return "overdue"
    return "due_soon" if feedback.due_at <= due_soon else "on_time"


# The citizen's side


def own_feedback(user):
    """The feedback a signed-in citizen sent, newest first."""
    return Feedback.objects.filter(author=user).select_related("procedure", "agency", "dossier")


def feedback_on_dossier(user, dossier):
    return own_feedback(user).filter(dossier=dossier)


def find_by_contact(*, code, contact):
    """The feedback whose reference is `code` and whose sender gave `contact` (the email or the phone number
    written on it); None otherwise, whichever of the two is wrong."""
    contact = (contact or "").strip()
    if not code or not contact:
        return None
    feedback = (Feedback.objects.select_related("procedure", "agency", "dossier")
                .filter(code=code.strip().upper()).first())
    return feedback if feedback is not None and contact_matches(feedback, contact) else None


def contact_matches(feedback, contact):
    contact = (contact or "").strip()
    if not contact:
        return False
    if "@" in contact:
        return bool(feedback.email) and feedback.email.casefold() == contact.casefold()
    return bool(feedback.phone) and normalise_phone(feedback.phone) == normalise_phone(contact)


def agencies_answering(procedure):
    """For a commune-level procedure, the commune agencies of the kind that settles it, one of which the citizen
    chooses; None when the procedure names its competent agency."""
    if procedure.competent_agency_id:
        return None
    return (Agency.objects.effective_today().filter(kind=procedure.competent_agency_kind)
            .select_related("unit").order_by("name"))


# The public page


def public_feedback():
    """Answered feedback its officer published, newest answer first, with nothing that names the sender."""
    return (Feedback.objects.public().select_related("procedure", "agency")
            .only("id", "kind", "content", "answer", "submitted_at", "answered_at", "author_name",
                  "procedure__name", "procedure__code", "agency__name")
            .order_by("-answered_at", "-id"))


# What may identify someone in a text written for the public: emails, Vietnamese phone numbers (0 or +84 and 9
# more digits, spaced or dotted), 12-digit identity numbers and 9-digit old identity cards, and dossier codes.
PERSONAL_DATA = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w.])[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z]\d{2}-\d{6}-\d{4}(?!\d)"
    r"|(?<!\d)(?:\+84|0)(?:[ .-]?\d){9}(?!\d)"
    r"|(?<!\d)\d{12}(?!\d)|(?<!\d)\d{9}(?!\d)",
    flags=re.IGNORECASE,
)
HIDDEN = "***"


def without_personal_data(text, *names):
    """`text` with the sender's name and anything that looks like an email, a phone, an identity number or a
    dossier code masked: the officer who publishes checks, and this catches what they miss."""
    text = PERSONAL_DATA.sub(HIDDEN, text or "")
    for name in names:
        if name and len(name.strip()) > 2:
            text = re.sub(re.escape(name.strip()), HIDDEN, text, flags=re.IGNORECASE)
    return text
