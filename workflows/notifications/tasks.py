"""The outbox relay, the deliveries it creates, the sweeper that hands out again those whose task was lost, and the
purge of what was sent, on the queue "notifications" (the purge on "timers"). Thin and idempotent: who is told
what lives in workflows.notifications.messages, what integrators receive in workflows.integrations.webhooks.

Never twice: a worker claims a delivery (`claim`) before sending it and sends it with no transaction open, so a
redelivered, retried or swept task finds it sent or being sent and sends nothing."""

import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from onestop.sms import SmsDeliveryError, send_sms
from workflows.dossiers.models import OutboxEvent
from workflows.integrations import webhooks
from workflows.integrations.national_portal import tasks as national_portal
from workflows.integrations.webhooks import WebhookError

from . import messages
from .models import Delivery

logger = logging.getLogger(__name__)

# Set while a relay waits in the queue: a burst of changes then queues one relay, not one each. The relay clears
# it before it reads the outbox, so an event committed after that read queues the next relay.
RELAY_QUEUED_KEY = "notifications:relay-queued"
RELAY_BATCH = 500
MAX_ATTEMPTS = 5


DELIVERY_BATCH = 50
# A delivery put off because its gateway was down a moment ago waits this many seconds.
RETRY_SOON = 30
SWEEP_BATCH = 500
PURGE_BATCH = 2000


@shared_task(acks_late=True)
def relay_outbox():
    """Turns committed outbox events into one delivery per recipient and channel, and hands them to workers in
    batches. Concurrent relays skip each other's rows, so no event is relayed twice."""
    cache.delete(RELAY_QUEUED_KEY)
    while True:
        with transaction.atomic():
            events = list(OutboxEvent.objects.select_for_update(skip_locked=True, of=("self",))
                          .filter(relayed_at__isnull=True)
                          .select_related("dossier__applicant", "dossier__procedure_version")
                          .order_by("created_at")[:RELAY_BATCH])
            subscriptions = webhooks.active_subscriptions() if any(event.event == "webhook" for event in events) else []
            deliveries = [
                Delivery(event=event, channel=channel, recipient=address, language=language)
                for event in events if event.event != "webhook"
                for channel, address, language in messages.recipients(event)
            ] + [
                Delivery(event=event, channel=Delivery.Channel.WEBHOOK, recipient=subscription.url,
                         subscription=subscription)
                for event in events if event.event == "webhook"
                for subscription in webhooks.subscribers(event, subscriptions)
            ]
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            # The national portal's status sync queues its own changes, in order per dossier.
            national_portal.enqueue(events)
            OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(relayed_at=timezone.now())
            ids = list(Delivery.objects.filter(event__in=events, status=Delivery.Status.PENDING)
                       .values_list("pk", flat=True))
            transaction.on_commit(lambda ids=ids: hand_out(ids))
        if len(events) < RELAY_BATCH:
            return


def hand_out(delivery_ids):
    """Queues the deliveries for workers in batches. A publish that fails leaves the rest pending, for the
    sweeper to hand out again: the change and its deliveries have committed."""
    for start in range(0, len(delivery_ids), DELIVERY_BATCH):
        try:
            deliver_many.delay(delivery_ids[start:start + DELIVERY_BATCH])
        except Exception:  # noqa: BLE001 - the deliveries wait, pending, for the sweeper
            logger.warning("Broker unavailable: %s deliveries wait for the sweeper", len(delivery_ids) - start,
                           exc_info=True)
            return


@shared_task(acks_late=True)
def deliver_many(delivery_ids):
    """Sends a batch of deliveries, one after the other; one that fails is retried on its own. Once a gateway
    (the SMS gateway, the mail server, a webhook's endpoint) has timed out or refused the connection, the batch
    stops trying it and queues its remaining deliveries for later, as it does all the rest once half its time
    limit is spent: one hung gateway costs a batch one timeout, not one per message."""
    started = time.monotonic()
    budget = settings.CELERY_TASK_SOFT_TIME_LIMIT / 2
    # The gateway each goes through: a webhook its endpoint, an e-mail or SMS its channel.
    rows = Delivery.objects.filter(pk__in=delivery_ids).values_list("pk", "channel", "recipient")
    gateways = {pk: recipient if channel == Delivery.Channel.WEBHOOK and recipient else channel
                for pk, channel, recipient in rows}
    down = set()
    for delivery_id in delivery_ids:
        gateway = gateways.get(delivery_id)
        if gateway in down or time.monotonic() - started > budget:
            _retry_later(delivery_id, RETRY_SOON)
            continue
        outcome = attempt(delivery_id)
        if outcome.gateway_down:
            down.add(gateway)
        if outcome.status == Delivery.Status.PENDING:
            _retry_later(delivery_id, 2 ** outcome.attempts)


def _retry_later(delivery_id, countdown):
    try:
        deliver.apply_async((delivery_id,), countdown=countdown)
    except Exception:  # noqa: BLE001 - the delivery stays pending, for the sweeper
        logger.warning("Broker unavailable: delivery %s waits for the sweeper", delivery_id, exc_info=True)


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS)
def deliver(self, delivery_id):
    """Sends one delivery unless it was sent already or another worker is sending it: a redelivered or swept
    task sends nothing twice. Failures retry with exponential backoff; the last one, or one the gateway refuses
    for good, leaves the delivery failed."""
    outcome = attempt(delivery_id)
    if outcome.status == Delivery.Status.PENDING:
        raise self.retry(countdown=2 ** outcome.attempts)
    return outcome.status


@shared_task(acks_late=True)
def sweep_deliveries():
    """Hands out again the deliveries still pending ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS after a worker was last
    handed them, and that no worker is sending: their task was lost (a broker restarted without persistence, a
    publish that failed mid-batch). Each is marked handed out in the transaction that picks it, skipping rows
    another sweeper holds, so two sweepers never hand out one delivery; the claim in `attempt` keeps the
    original task, should it still turn up, from sending it a second time. Returns how many it handed out."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS)
    swept = 0
    while True:
        with transaction.atomic():
            ids = list(Delivery.objects.select_for_update(skip_locked=True)
                       .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now),
                               status=Delivery.Status.PENDING, queued_at__lt=stale)
                       .order_by("queued_at").values_list("pk", flat=True)[:SWEEP_BATCH])
            Delivery.objects.filter(pk__in=ids).update(queued_at=now)
            transaction.on_commit(lambda ids=ids: hand_out(ids))
        swept += len(ids)
        if len(ids) < SWEEP_BATCH:
            if swept:
                logger.warning("Handed out again %s deliveries whose task was lost", swept)
            return swept


@shared_task(acks_late=True)
def purge_delivered():
    """Deletes sent deliveries, and relayed outbox events left with no delivery, older than
    ONESTOP_OUTBOX_RETENTION_DAYS: they hold names, addresses and dossier codes nobody needs once told. Failed
    and pending deliveries stay, for an administrator to send again. Returns (deliveries, events) deleted."""
    cutoff = timezone.now() - timedelta(days=settings.ONESTOP_OUTBOX_RETENTION_DAYS)
    deliveries = _purge(Delivery.objects.filter(status=Delivery.Status.SENT, sent_at__lt=cutoff))
    events = _purge(OutboxEvent.objects.filter(relayed_at__lt=cutoff)
                    .exclude(Exists(Delivery.objects.filter(event=OuterRef("pk")))))
    return deliveries, events


def _purge(queryset):
    """Deletes in short batches, so the purge never holds many rows locked at once."""
    deleted = 0
    while True:
        batch = list(queryset.values_list("pk", flat=True)[:PURGE_BATCH])
        if not batch:
            return deleted
        queryset.model.objects.filter(pk__in=batch).delete()
        deleted += len(batch)


@dataclass(frozen=True)
class Outcome:
    status: str
    attempts: int = 0
    # The gateway timed out or refused the connection: others sent through it now would wait as long.
    gateway_down: bool = False


def attempt(delivery_id):
    """One try at a delivery still pending. The row is claimed in a short transaction (attempts counted, and
    `sending_until` set for as long as a task may live), the message sent with no transaction open and no row
    locked, and the outcome written in another: a slow gateway holds no lock, and nobody else sends the
    delivery meanwhile. Pending after a failure that may pass; failed after a refusal for good or the last
    attempt."""
    delivery = claim(delivery_id)
    if delivery is None:
        return Outcome("already done")
    failure = None
    try:
        _send(delivery)
    except (SmsDeliveryError, WebhookError, OSError) as error:
        failure = error
    return finish(delivery, failure)


def claim(delivery_id):
    """The pending delivery, claimed for this worker; None when it was sent, failed, or another is sending it."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",), skip_locked=True)
                    .select_related("event__dossier", "subscription")
                    .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now),
                            pk=delivery_id, status=Delivery.Status.PENDING)
                    .first())
        if delivery is None:
            return None
        delivery.attempts += 1
        # No task outlives its hard time limit: a claim that old belongs to a worker that died mid-send.
        delivery.sending_until = now + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
        delivery.save(update_fields=["attempts", "sending_until"])
    return delivery


def finish(delivery, failure):
    now = timezone.now()
    changes = {"sending_until": None, "response_status": delivery.response_status}
    if failure is None:
        changes.update(status=Delivery.Status.SENT, sent_at=now, last_error="")
    else:
        changes["last_error"] = str(failure)[:2000] or type(failure).__name__
        if not getattr(failure, "retryable", True) or delivery.attempts >= MAX_ATTEMPTS:
            changes["status"] = Delivery.Status.FAILED
        else:
            # Its retry is queued now.
            changes.update(status=Delivery.Status.PENDING, queued_at=now)
    written = Delivery.objects.filter(pk=delivery.pk, sending_until=delivery.sending_until).update(**changes)
    if not written:
        logger.error("Delivery %s outlived its claim: it may have been sent twice", delivery.pk)
    return Outcome(changes["status"], delivery.attempts, failure is not None and _gateway_down(failure))


def _gateway_down(failure):
    if isinstance(failure, (SmsDeliveryError, WebhookError)):
        # No answer at all, as opposed to an answer refusing this one message.
        return failure.retryable and failure.status is None
    return isinstance(failure, (TimeoutError, ConnectionError, smtplib.SMTPConnectError,
                                smtplib.SMTPServerDisconnected))


def _send(delivery):
    if delivery.channel == Delivery.Channel.WEBHOOK:
        try:
            delivery.response_status = webhooks.send(delivery)
        except WebhookError as failure:
            delivery.response_status = failure.status
            raise
    elif delivery.channel == Delivery.Channel.EMAIL:
        subject, body = messages.email(delivery.event, delivery.language)
        send_mail(subject, body, None, [delivery.recipient])
    else:
        text = messages.message(delivery.event, delivery.language)
        send_sms(delivery.recipient, text, reference=f"onestop-delivery-{delivery.pk}")


def start_relay(**signal):
    """Hands the relay to a worker unless one is queued already; if the broker is down, the beat's periodic
    relay catches up. Connected to the outbox's commits (workflows.dossiers.events.outbox_committed)."""
    if not cache.add(RELAY_QUEUED_KEY, 1, timeout=60):
        return
    try:
        relay_outbox.delay()
    except Exception:  # noqa: BLE001 - the change has committed; the event waits in the outbox
        cache.delete(RELAY_QUEUED_KEY)
        logger.warning("Broker unavailable: outbox events wait for the periodic relay", exc_info=True)
