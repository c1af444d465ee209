"""Citizens' feedback and recommendations (phản ánh, kiến nghị): sent on a dossier or a procedure, answered by the
agency that must answer within its working days, then judged once by the citizen.

Each service runs in one transaction, locks the feedback it changes, writes its audit entry and publishes what
happened to the outbox (workflows.dossiers.events), which the notifications relay after commit.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.models import Procedure
from procedures.validators import normalise_phone, validate_phone_number
from workflows.dossiers import events
from workflows.dossiers.models import OutboxEvent
from workflows.dossiers.selectors import find_for_lookup
from workflows.dossiers.services.core import audit as audit_dossier
from workflows.dossiers.staff import acting_role
from workflows.notifications.models import Notification
from workflows.worktime.clock import working_days_after

from .models import Feedback, FeedbackAuditEntry
from .selectors import ANSWERING_ROLES, contact_matches

CONTENT_MAX_LENGTH = 5000
ANSWER_MAX_LENGTH = 10000


class FeedbackError(Exception):
    """A refusal the person acting can understand; the message says what to do."""


class NotPermitted(FeedbackError):
    pass


class AlreadyAnswered(FeedbackError):
    def __init__(self, feedback):
        super().__init__(_("This feedback was already answered by %(officer)s at %(at)s: reload it to read the "
                           "answer.") % {"officer": feedback.answered_by or _("a colleague"),
                                         "at": timezone.localtime(feedback.answered_at).strftime("%H:%M %d/%m/%Y")})
        self.feedback = feedback


class AlreadyRated(FeedbackError):
    pass


def answer_due_at(submitted_at):
    """When the answer is due: the closing time of the N-th working day after the day the feedback was sent
    (ONESTOP_FEEDBACK_ANSWER_WORKING_DAYS), on the working calendar, counted as a dossier's limit in days is."""
    return working_days_after(submitted_at, settings.ONESTOP_FEEDBACK_ANSWER_WORKING_DAYS)


@transaction.atomic
def submit_feedback(*, acting_user, kind, content, dossier=None, verifier="", procedure=None, agency=None,
                    author_name="", email="", phone="", client_ip=None):
    """A citizen sends feedback or a recommendation on a dossier or on a procedure; the agency that must answer
    hears of it. On a dossier: its applicant signed in, or anyone with its code and the applicant's phone or last
    4 identity digits (`verifier`), as the public lookup asks; the dossier's competent agency answers, or its
    receiving agency before it was routed. On a procedure: its competent agency, or for a commune-level procedure
    the commune `agency` the citizen chose. Someone not signed in gives a name and an email or a phone.
    Refuses an unproven dossier, a dossier not yet submitted, empty content and a sender who cannot be reached."""
    signed_in = acting_user is not None and acting_user.is_authenticated
    errors = {}
    if kind not in Feedback.Kind.values:
        errors["kind"] = _("Choose feedback or recommendation.")
    content = (content or "").strip()
    if not content:
        errors["content"] = _("Write your feedback or recommendation.")
    elif len(content) > CONTENT_MAX_LENGTH:
        errors["content"] = _("Write at most %(count)s characters.") % {"count": CONTENT_MAX_LENGTH}
    if dossier is not None:
        if not (signed_in and dossier.applicant_id == acting_user.pk) and not _proves(dossier, verifier):
            raise NotPermitted(_("No dossier matches this code and these digits. Check both and try again."))
        if not dossier.code:
            raise FeedbackError(_("This dossier has not been submitted yet."))
        procedure, agency = dossier.procedure, dossier.competent_agency or dossier.receiving_agency
    elif procedure is not None:
        if procedure.level == Procedure.Level.PROVINCE:
            agency = procedure.competent_agency
        elif agency is None or agency.kind != procedure.competent_agency_kind:
            errors["agency"] = _("Choose the commune or ward that should answer.")
    else:
        raise FeedbackError(_("Say which dossier or procedure your feedback is about."))
    if signed_in:
        author_name = acting_user.get_full_name() or acting_user.get_username()
        email, phone = acting_user.email, getattr(acting_user, "phone", None) or ""
    else:
        author_name, email, phone = _contact(author_name, email, phone, errors)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    feedback = Feedback(kind=kind, content=content, dossier=dossier, procedure=procedure, agency=agency,
                        author=acting_user if signed_in else None, author_name=author_name, email=email,
                        phone=phone, submitted_at=now, due_at=answer_due_at(now))
    _save_with_new_code(feedback)
    _audit(feedback, acting_user, "feedback_sent", role="applicant" if dossier is not None else "citizen",
           client_ip=client_ip, data={"kind": kind})
    _publish(feedback, "feedback_received", now)
    return feedback


def _proves(dossier, verifier):
    found = find_for_lookup(code=dossier.code or "", verifier=verifier or "")
    return found is not None and found.pk == dossier.pk


def _contact(name, email, phone, errors):
    """The name and the email or phone of a sender who is not signed in, checked and normalised."""
    name, email, phone = (name or "").strip(), (email or "").strip(), normalise_phone((phone or "").strip())
    if not name:
        errors["author_name"] = _("Give your name.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
    if phone:
        try:
            validate_phone_number(phone)
        except ValidationError as error:
            errors["phone"] = error.messages[0]
    if not email and not phone:
        errors["email"] = _("Give an email address or a phone number, so the agency can answer you.")
    return name[:200], email, phone


def _save_with_new_code(feedback, attempts=5):
    """A short reference the citizen can read out: PA-yyMMdd-XXXX, four letters or digits that cannot be
    mistaken for one another. A rare collision tries another."""
    day = timezone.localtime(feedback.submitted_at).strftime("%y%m%d")
    for attempt in range(attempts):
        feedback.code = f"PA-{day}-{''.join(secrets.choice(CODE_ALPHABET) for _ in range(4))}"
        try:
            with transaction.atomic():
                feedback.save()
            return
        except IntegrityError:
            # Only a taken code is worth another try; any other refusal is a bug to see.
            if attempt == attempts - 1 or not Feedback.objects.filter(code=feedback.code).exists():
                raise


CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@transaction.atomic
def answer_feedback(*, feedback, acting_user, answer, publish=False, client_ip=None):
    """An officer of the agency that must answer (its one-door desk or its leaders) answers the feedback, and
    decides whether the question and its answer are listed on the public page; the citizen is told. Refuses
    anyone else, an empty answer, and feedback a colleague answered meanwhile (AlreadyAnswered)."""
    answer = (answer or "").strip()
    feedback = _lock(feedback)
    role = acting_role(acting_user, feedback.agency_id, ANSWERING_ROLES)
    if not role:
        raise NotPermitted(_("Only the one-door desk or the leaders of %(agency)s answer this feedback.")
                           % {"agency": feedback.agency.name})
    if feedback.status == Feedback.Status.ANSWERED:
        raise AlreadyAnswered(feedback)
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    if len(answer) > ANSWER_MAX_LENGTH:
        raise ValidationError({"answer": _("Write at most %(count)s characters.") % {"count": ANSWER_MAX_LENGTH}})
    now = timezone.now()
    feedback.answer, feedback.answered_at, feedback.answered_by = answer, now, acting_user
    feedback.status, feedback.is_public = Feedback.Status.ANSWERED, bool(publish)
    feedback.save(update_fields=["answer", "answered_at", "answered_by", "status", "is_public"])
    _audit(feedback, acting_user, "feedback_answered", role=role, agency=feedback.agency_id, client_ip=client_ip,
           data={"public": feedback.is_public, "on_time": feedback.answered_on_time})
    if feedback.author_id is not None and feedback.dossier_id is not None:
        # The portal's inbox holds lines about dossiers: feedback on a procedure reaches the sender by email/SMS.
        Notification.objects.create(recipient_id=feedback.author_id, dossier_id=feedback.dossier_id,
                                    event="feedback_answered", created_at=now, data=_event_data(feedback))
    if feedback.email or feedback.phone:
        _publish(feedback, "feedback_answered", now)
    return feedback


@transaction.atomic
def rate_handling(*, feedback, acting_user, satisfied, contact="", client_ip=None):
    """The citizen who sent the feedback says, once, whether they are satisfied with how it was handled: signed
    in as its sender, or with the email or phone written on it (`contact`). Refuses anyone else, feedback not
    answered yet, and a second verdict."""
    feedback = _lock(feedback)
    signed_in = acting_user is not None and acting_user.is_authenticated
    if not ((signed_in and feedback.author_id == acting_user.pk) or contact_matches(feedback, contact)):
        raise NotPermitted(_("Only the person who sent this feedback may judge how it was handled."))
    if feedback.status != Feedback.Status.ANSWERED:
        raise FeedbackError(_("You can say whether you are satisfied once the agency has answered."))
    if feedback.satisfied is not None:
        raise AlreadyRated(_("You have already said whether you are satisfied with this answer."))
    if not isinstance(satisfied, bool):
        raise ValidationError({"satisfied": _("Say whether you are satisfied.")})
    feedback.satisfied, feedback.rated_at = satisfied, timezone.now()
    feedback.save(update_fields=["satisfied", "rated_at"])
    _audit(feedback, acting_user, "feedback_rated", role="applicant" if feedback.dossier_id else "citizen",
           client_ip=client_ip, data={"satisfied": satisfied})
    return feedback


def _lock(feedback):
    # Only what never changes is joined: a row locked after waiting is read anew, the joined rows are not, so
    # the officer who answered meanwhile is read after the lock (AlreadyAnswered names them).
    return (Feedback.objects.select_for_update(of=("self",))
            .select_related("agency", "dossier", "procedure").get(pk=feedback.pk))


def _audit(feedback, user, action, *, role="", agency=None, note="", client_ip=None, data=None):
    """The feedback's own trail, and for feedback on a dossier the dossier's trail too, alike."""
    actor = user if user is not None and user.is_authenticated else None
    data = {"feedback": feedback.code, **(data or {})}
    FeedbackAuditEntry.objects.create(feedback=feedback, at=timezone.now(), actor=actor, actor_role=role,
                                      actor_agency_id=agency, action=action, note=note, data=data,
                                      client_ip=client_ip)
    if feedback.dossier_id is not None:
        dossier = feedback.dossier
        audit_dossier(dossier, actor, action, from_state=dossier.state, note=note, client_ip=client_ip, role=role,
                      agency=agency, data=data)


def _event_data(feedback):
    return {"feedback": feedback.pk, "code": feedback.code, "kind": feedback.kind, "agency": feedback.agency.name,
            "procedure": feedback.procedure.name if feedback.procedure_id else "",
            "due_at": feedback.due_at.isoformat()}


def _publish(feedback, event, now):
    """An outbox row in this transaction; workflows.feedback.audiences tells the relay who it reaches."""
    events.write(OutboxEvent(dossier_id=feedback.dossier_id, event=event, created_at=now,
                             data=_event_data(feedback)))
