"""The national portal's sync: what OneStop tells the portal and what it takes in from it.

Outbound, never lost and never twice, in order per dossier: the outbox relay hands each transition's event to
`enqueue` in the transaction that marks it relayed, which queues one NationalPortalChange for it; `send_changes`
claims a dossier (one worker at a time) and sends its changes oldest first, each until the portal acknowledges it,
and stops at the first failure: a later change is never sent before an earlier one was acknowledged. A failure
that may pass is retried with exponential backoff; a record the portal refuses waits for an administrator.

Inbound, dossiers filed on the portal taken in: workflows.integrations.national_portal.inbound.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workflows.dossiers import transitions
from workflows.dossiers.models import AuditEntry, Dossier, OutboxEvent

from ..models import NationalPortalChange, NationalPortalSync
from . import client, wire
from .client import PortalError

logger = logging.getLogger(__name__)

Status = NationalPortalSync.Status
# At most this many changes of one dossier per task; the rest in the next.
SEND_BATCH = 50
# A change whose dossier still has events waiting for the relay waits this many seconds: they may be earlier.
WAIT_FOR_RELAY = 5
# The payment method of the payment platform (workflows.payments sits above this room: its raw value).
ONLINE_PAYMENT = "online"


def enqueue(events):
    """Queues a change for each transition event (outbox events of kind "webhook") in the caller's transaction,
    once per event, and marks the dossiers' sync as due. Returns the ids of the dossiers to hand to workers now
    (those not waiting for a backoff or an administrator)."""
    changes = _changes(events)
    if not changes:
        return []
    NationalPortalChange.objects.bulk_create(changes, ignore_conflicts=True)
    return _mark_due({change.dossier_id for change in changes})


def held_by_the_portal(events):
    """Records the changes of these transition events as acknowledged when they happened, nothing to send: the
    portal already holds them (dossiers of the past, synced in their day, such as the demo history's)."""
    changes = _changes(events)
    for change in changes:
        change.acknowledged_at = change.occurred_at
    NationalPortalChange.objects.bulk_create(changes, ignore_conflicts=True)
    last = {}
    for change in changes:
        last[change.dossier_id] = max(last.get(change.dossier_id, change.occurred_at), change.occurred_at)
    NationalPortalSync.objects.bulk_create(
        [NationalPortalSync(dossier_id=pk, status=Status.SYNCED, acknowledged_at=at, next_try_at=at, queued_at=at)
         for pk, at in last.items()], ignore_conflicts=True)


def _changes(events):
    return [NationalPortalChange(dossier_id=event.dossier_id, outbox_event_id=event.pk,
                                 action=event.data["action"], state=event.data["state"],
                                 version=event.data.get("version") or 0, occurred_at=event.created_at)
            for event in events if event.event == "webhook" and event.dossier_id
            and wire.status(event.data["state"]) is not None]


def _mark_due(dossier_ids):
    now = timezone.now()
    dossier_ids = sorted(dossier_ids)
    NationalPortalSync.objects.bulk_create([NationalPortalSync(dossier_id=pk) for pk in dossier_ids],
                                           ignore_conflicts=True)
    # Locked until the new changes commit: a sender finishing meanwhile waits, then sees them (_finish).
    list(NationalPortalSync.objects.select_for_update().filter(dossier_id__in=dossier_ids).order_by("dossier_id")
         .values_list("pk", flat=True))
    NationalPortalSync.objects.filter(dossier_id__in=dossier_ids, status=Status.SYNCED).update(
        status=Status.PENDING, next_try_at=now, queued_at=now)
    return list(NationalPortalSync.objects.filter(dossier_id__in=dossier_ids, status=Status.PENDING)
                .values_list("dossier_id", flat=True))


@transaction.atomic
def resend(dossier):
    """Queues the dossier's current state again (the reconciliation): a dossier filed before the sync existed, or
    one whose record the portal refused and someone has since corrected. Returns the change."""
    change = NationalPortalChange.objects.create(dossier=dossier, action="resync", state=dossier.state,
                                                 version=dossier.version, occurred_at=timezone.now())
    _mark_due([dossier.pk])
    retry_now(NationalPortalSync.objects.filter(dossier=dossier))
    return change


def retry_now(syncs):
    """An administrator asks for failing or refused syncs to be tried at once; returns the dossier ids to hand out."""
    now = timezone.now()
    ids = list(syncs.exclude(status=Status.SYNCED).values_list("dossier_id", flat=True))
    NationalPortalSync.objects.filter(dossier_id__in=ids).update(status=Status.PENDING, next_try_at=now,
                                                                 queued_at=now)
    return ids


@dataclass(frozen=True)
class Outcome:
    status: str
    sent: int = 0
    # Seconds until the dossier should be tried again; None when nothing is left to send.
    retry_in: float | None = None


def send_changes(dossier_id):
    """Sends the dossier's changes the portal has not acknowledged, oldest first, unless another worker is sending
    them or they are not due. Stops at the first failure, recording it; returns the Outcome, or None when the
    dossier was not ours to send."""
    sync = _claim(dossier_id)
    if sync is None:
        return None
    sent = 0
    while True:
        change = (NationalPortalChange.objects.filter(dossier_id=dossier_id, acknowledged_at__isnull=True)
                  .order_by("version", "outbox_event_id").first())
        if change is None:
            return _finish(sync, Status.SYNCED, sent)
        if sent >= SEND_BATCH:
            return _finish(sync, Status.PENDING, sent, retry_in=0)
        if OutboxEvent.objects.filter(dossier_id=dossier_id, event="webhook", relayed_at__isnull=True).exists():
            # An earlier change may still sit in the outbox: the relay queues it first.
            return _finish(sync, Status.PENDING, sent, retry_in=WAIT_FOR_RELAY)
        try:
            _send(change, updating=sync.last_acknowledged_id is not None)
        except PortalError as failure:
            return _fail(sync, failure, sent)
        except Exception as failure:  # noqa: BLE001 - a bug in building the record: seen in the admin, retried
            logger.exception("National portal record of dossier %s could not be sent", dossier_id)
            return _fail(sync, PortalError(f"{type(failure).__name__}: {failure}", retryable=True), sent)
        if not _acknowledge(sync, change):
            return None
        sent += 1


def _claim(dossier_id):
    now = timezone.now()
    with transaction.atomic():
        sync = (NationalPortalSync.objects.select_for_update(skip_locked=True)
                .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now), dossier_id=dossier_id,
                        status__in=[Status.PENDING, Status.RETRYING], next_try_at__lte=now)
                .first())
        if sync is None:
            return None
        # No task outlives its hard time limit: a claim that old belongs to a worker that died mid-send.
        sync.sending_until = now + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
        sync.save(update_fields=["sending_until"])
    return sync


def _acknowledge(sync, change):
    now = timezone.now()
    with transaction.atomic():
        NationalPortalChange.objects.filter(pk=change.pk).update(acknowledged_at=now)
        written = NationalPortalSync.objects.filter(pk=sync.pk, sending_until=sync.sending_until).update(
            last_acknowledged=change, acknowledged_at=now, attempts=0, last_error="")
        if not written:
            # Our claim ran out and another worker took the dossier: it sends what is left.
            transaction.set_rollback(True)
            logger.error("National portal sync of dossier %s outlived its claim", sync.dossier_id)
            return False
    sync.last_acknowledged_id = change.pk
    return True


def _finish(sync, status, sent, retry_in=None):
    now = timezone.now()
    with transaction.atomic():
        NationalPortalSync.objects.select_for_update().filter(pk=sync.pk).first()
        if status == Status.SYNCED and NationalPortalChange.objects.filter(
                dossier_id=sync.dossier_id, acknowledged_at__isnull=True).exists():
            # A change the relay committed while this worker was sending: sent next, not left behind.
            status, retry_in = Status.PENDING, 0
        changes = {"sending_until": None, "status": status}
        if retry_in is not None:
            at = now + timedelta(seconds=retry_in)
            changes.update(next_try_at=at, queued_at=at)
        NationalPortalSync.objects.filter(pk=sync.pk, sending_until=sync.sending_until).update(**changes)
    return Outcome(status, sent, retry_in)


def _fail(sync, failure, sent):
    attempts = sync.attempts + 1
    now = timezone.now()
    changes = {"sending_until": None, "attempts": attempts, "last_error": str(failure)[:2000]}
    retry_in = None
    if failure.retryable:
        retry_in = backoff(attempts)
        at = now + timedelta(seconds=retry_in)
        changes.update(status=Status.RETRYING, next_try_at=at, queued_at=at)
    else:
        changes["status"] = Status.REFUSED
    NationalPortalSync.objects.filter(pk=sync.pk, sending_until=sync.sending_until).update(**changes)
    logger.warning("National portal sync of dossier %s failed (attempt %s): %s", sync.dossier_id, attempts, failure)
    return Outcome(changes["status"], sent, retry_in)


def backoff(attempts):
    """Seconds before the next try after `attempts` failures: doubling from the base, up to the maximum."""
    return min(settings.NATIONAL_PORTAL_RETRY_BASE_SECONDS * 2 ** (attempts - 1),
               settings.NATIONAL_PORTAL_RETRY_MAX_SECONDS)


def _send(change, *, updating):
    message = record(change, updating=updating)
    answer = client.send_record(message)
    if not answer.ok and answer.already_exists and not updating:
        # The portal holds it already (an earlier add whose answer was lost): the same record, as an update.
        answer = client.send_record({**message, "isUpdating": True})
    if not answer.ok:
        raise PortalError(answer.message, retryable=not answer.refused)


def record(change, *, updating):
    """The portal's record of one change: the dossier as it is, the status the change reached, and the processing
    history up to that change."""
    dossier = (Dossier.objects.select_related("procedure", "procedure_version", "receiving_agency",
                                              "competent_agency").get(pk=change.dossier_id))
    following = (NationalPortalChange.objects.filter(dossier_id=change.dossier_id)
                 .filter(Q(version__gt=change.version)
                         | Q(version=change.version, outbox_event_id__gt=change.outbox_event_id or 0))
                 .exclude(pk=change.pk).order_by("version", "outbox_event_id").first())
    entries = (AuditEntry.objects.filter(dossier_id=change.dossier_id, action__in=list(transitions.TRANSITIONS))
               .select_related("actor", "actor_agency").order_by("sequence"))
    if following is not None and change.outbox_event_id is not None:
        # Each transition's audit entry is written just after its event, before the next transition's.
        entries = entries.filter(at__lt=following.occurred_at)
    steps = [wire.Step(at=entry.at, actor=_name(entry.actor), role=entry.actor_role,
                       agency=entry.actor_agency.name if entry.actor_agency else "", content=_content(entry),
                       state=entry.to_state) for entry in entries]
    documents = list(dossier.documents.filter(is_current=True).order_by("document_order", "pk"))
    paid_online = dossier.payments.filter(method=ONLINE_PAYMENT).exists()
    return wire.record(dossier, state=change.state, steps=steps, documents=documents, paid_online=paid_online,
                       message_id=f"onestop-{change.pk}", updating=updating)


def _name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _content(entry):
    label = str(transitions.label(entry.action))
    return f"{label}: {entry.note}" if entry.note else label


# Reconciliation -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    dossier: Dossier
    onestop_status: int
    acknowledged_status: int | None
    sync_status: str
    last_error: str


def differences(dossiers=None):
    """The dossiers whose status the portal has not acknowledged: never queued, or whose last acknowledged change
    reached another status than the dossier's own."""
    dossiers = (dossiers if dossiers is not None else Dossier.objects.all()).exclude(state=Dossier.State.DRAFT)
    found = []
    for dossier in (dossiers.select_related("national_sync__last_acknowledged").order_by("pk").iterator(2000)):
        sync = getattr(dossier, "national_sync", None)
        current = wire.status(dossier.state)
        acknowledged = (wire.status(sync.last_acknowledged.state)
                        if sync is not None and sync.last_acknowledged is not None else None)
        if current != acknowledged:
            found.append(Difference(dossier, current, acknowledged, sync.status if sync else "",
                                    sync.last_error if sync else ""))
    return found
