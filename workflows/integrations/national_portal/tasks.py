"""The national portal's sync as Celery tasks: sending a dossier's changes (retried with backoff), the sweep that
hands out again dossiers whose task was lost, and the periodic pull of dossiers filed on the portal. Thin: the
rules live in services."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import NationalPortalSync
from . import inbound, services
from .client import PortalError

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


def enqueue(events):
    """Called by the outbox relay in its transaction with the events it relays: queues their changes and hands the
    dossiers to workers once the relay commits."""
    ids = services.enqueue(events)
    if ids:
        transaction.on_commit(lambda: hand_out(ids))


def hand_out(dossier_ids, countdown=None):
    """Queues a task per dossier. A publish that fails leaves the dossier due, for the sweep."""
    for dossier_id in dossier_ids:
        try:
            sync_dossier.apply_async((dossier_id,), countdown=countdown)
        except Exception:  # noqa: BLE001 - the sync is due in the database; the sweep hands it out again
            logger.warning("Broker unavailable: national portal sync of %s dossiers waits for the sweep",
                           len(dossier_ids), exc_info=True)
            return


@shared_task(acks_late=True)
def sync_dossier(dossier_id):
    """Sends the dossier's changes the portal has not acknowledged; after a failure that may pass, queues itself
    again after the backoff. A redelivered or duplicate task finds the dossier claimed or not due, and sends
    nothing."""
    outcome = services.send_changes(dossier_id)
    if outcome is not None and outcome.retry_in is not None:
        hand_out([dossier_id], countdown=outcome.retry_in)
    return outcome.status if outcome else "not due"


@shared_task(acks_late=True)
def sweep_national_sync():
    """Hands out again the dossiers whose sync is due and whose task should have run
    NATIONAL_PORTAL_SWEEP_AFTER_SECONDS ago (a broker restarted without persistence, a publish that failed), and
    that no worker is sending. Returns how many."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.NATIONAL_PORTAL_SWEEP_AFTER_SECONDS)
    with transaction.atomic():
        ids = list(NationalPortalSync.objects.select_for_update(skip_locked=True)
                   .filter(status__in=[NationalPortalSync.Status.PENDING, NationalPortalSync.Status.RETRYING],
                           next_try_at__lte=now, queued_at__lte=stale)
                   .order_by("next_try_at").values_list("dossier_id", flat=True)[:SWEEP_BATCH])
        NationalPortalSync.objects.filter(dossier_id__in=ids).update(queued_at=now)
        transaction.on_commit(lambda: hand_out(ids))
    if ids:
        logger.warning("Handed out again the national portal sync of %s dossiers", len(ids))
    return len(ids)


@shared_task(acks_late=True)
def pull_national_dossiers():
    """Takes in the dossiers filed on the national portal for the province's procedures. Returns how many."""
    try:
        pulled = inbound.pull()
    except PortalError as failure:
        logger.warning("National portal unreachable for the pull: %s", failure)
        return 0
    return len(pulled.taken)
