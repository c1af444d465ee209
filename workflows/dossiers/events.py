"""What happened to a dossier, published to whoever must hear of it.

A service publishes inside its transaction: the outbox rows (workflows.dossiers.models.OutboxEvent) are written
with the change, so nothing is announced for a change that rolled back and nothing is lost when the broker is down.
Who reads them lives above the dossier engine and hears through the signals below: the notifications write the
applicant's inbox line in the same transaction (`applicant_told`) and start their relay once the rows have
committed (`outbox_committed`). This module sends nothing itself and imports no Celery task.

Every state change publishes its event: a dossier whose state machine took a transition can only be saved
through `save_transition`, which writes the transition's outbox rows in the same transaction; a plain save()
after a transition is refused (`UnpublishedTransition`), so a new service cannot forget its event.
"""

from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import Signal, receiver
from django.utils import timezone
from django_fsm.signals import post_transition

from . import transitions
from .models import Dossier, OutboxEvent
from .states import NATIONAL_STATUS, State

# Sent inside the transaction for every event the applicant is told of: dossier, event, data, at.
applicant_told = Signal()
# Sent once a transaction that wrote outbox rows has committed (never on rollback).
outbox_committed = Signal()
# Sent after the transaction that changed a dossier commits (never on rollback): dossier_id, action, state.
dossier_changed = Signal()
# Sent inside the transaction for each transition a dossier took, once saved: dossier, name, actor. What must
# change with it, or not at all (the applicant's document store keeping an approved result), listens here.
transition_saved = Signal()

# Told to the applicant besides the transitions the registry marks: the timers' reminder before a supplement
# request lapses, and an appointment moved by a day off announced after receipt.
APPLICANT_REMINDERS = ("supplement_reminder", "appointment_moved")


class UnpublishedTransition(RuntimeError):
    """A dossier's transition was about to be saved without its event: save it with save_transition()."""


# The transitions taken on an instance since it was last saved through save_transition, in order.
_TAKEN = "_transitions_taken"


@receiver(post_transition, sender=Dossier, dispatch_uid="dossier-transition-taken")
def _note_transition(sender, instance, name, **kwargs):
    instance.__dict__.setdefault(_TAKEN, []).append(name)


@receiver(pre_save, sender=Dossier, dispatch_uid="dossier-transition-published")
def _refuse_unpublished(sender, instance, **kwargs):
    if instance.__dict__.get(_TAKEN):
        raise UnpublishedTransition(f"Dossier {instance.pk}: {', '.join(instance.__dict__[_TAKEN])} saved without "
                                    "its event; save it with workflows.dossiers.events.save_transition().")


def save_transition(dossier, *, update_fields=None, note="", actor=None, queue_before=None):
    """The one way to save a dossier whose state machine moved: saves it and publishes each transition taken
    (its applicant's message, the next queue's, the integrators' webhook), in the caller's transaction.
    `queue_before` is where the dossier waited before the change (queue_position)."""
    taken = dossier.__dict__.pop(_TAKEN, [])
    dossier.save(update_fields=update_fields)
    for name in taken:
        transition_saved.send(sender=Dossier, dossier=dossier, name=name, actor=actor)
        publish(dossier, name, note=note, actor=actor, queue_before=queue_before, transition=True)
        queue_before = queue_position(dossier)
    return taken


def tells_applicant(event):
    return event in APPLICANT_REMINDERS or transitions.tells_applicant(event)


def publish(dossier, event, *, note="", actor=None, queue_before=None, transition=False):
    """Called by every transition in its transaction: tells the applicant when `event` concerns them, and the
    people who must act next when the dossier entered a queue (`queue_before` is where it stood before); a
    `transition` is also announced to integrators' webhooks. The outbox rows are written in one statement."""
    now = timezone.now()
    events = []
    if tells_applicant(event):
        data = {"code": dossier.code, "reason": note,
                "appointment": dossier.appointment_at.isoformat() if dossier.appointment_at else None,
                "supplement_due_at": dossier.supplement_due_at.isoformat() if dossier.supplement_due_at else None}
        applicant_told.send(sender=OutboxEvent, dossier=dossier, event=event, data=data, at=now)
        if dossier.applicant_email or dossier.applicant_phone:
            events.append(OutboxEvent(dossier=dossier, event=event, created_at=now, data=data))
    position = queue_position(dossier)
    if position is not None and position != queue_before:
        events.append(OutboxEvent(dossier=dossier, event="queued", created_at=now,
                                  data={"code": dossier.code, "position": position,
                                        "step_name": (dossier.current_step or {}).get("name", ""),
                                        "actor": actor.pk if actor is not None and actor.pk else None}))
    if transition:
        events.append(webhook_event(dossier, event, now))
    write(*events)


def webhook_event(dossier, action, now):
    """The event every transition writes for integrators; the relay finds who subscribes to it. The national
    portal's status sync always does, so it is written without asking."""
    return OutboxEvent(dossier=dossier, event="webhook", created_at=now, data={
        "action": action, "code": dossier.code, "state": dossier.state, "version": dossier.version,
        "national_status": NATIONAL_STATUS[dossier.state]})


def queue_position(dossier):
    """Whose queue the dossier waits in: (state, step, assignee), or None when it waits for nobody on staff."""
    if dossier.state == State.SUBMITTED:
        return [dossier.state, None, None]
    # A withdrawal request waits with whoever works the current step.
    if dossier.state in (State.RECEIVED, State.PROCESSING, State.RESULT_READY, State.WITHDRAWAL_REQUESTED) and (
        dossier.current_step_order is not None
    ):
        return [dossier.state, dossier.current_step_order, dossier.assignee_id]
    return None


def write(*events):
    """Saves outbox rows in the current transaction; their readers hear once it commits."""
    if events:
        OutboxEvent.objects.bulk_create(events)
        announce()


def announce():
    """Tells the outbox's readers, once the current transaction commits, that it holds new rows (for rows
    written by other means, such as the timers' set-based statements)."""
    transaction.on_commit(lambda: outbox_committed.send(sender=OutboxEvent))


def dossier_changed_on_commit(dossier, action):
    transaction.on_commit(
        lambda: dossier_changed.send(sender=type(dossier), dossier_id=dossier.pk, action=action, state=dossier.state)
    )
