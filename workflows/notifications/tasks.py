"""The outbox relay and the deliveries it creates, on the queue "notifications". Thin and idempotent: who is told
what lives in workflows.notifications.messages, what integrators receive in workflows.integrations.webhooks."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from onestop.sms import SmsDeliveryError, send_sms
from workflows.dossiers.models import OutboxEvent
from workflows.integrations import webhooks
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
            OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(relayed_at=timezone.now())
            ids = list(Delivery.objects.filter(event__in=events, status=Delivery.Status.PENDING)
                       .values_list("pk", flat=True))
            transaction.on_commit(lambda ids=ids: [deliver_many.delay(ids[start:start + DELIVERY_BATCH])
                                                   for start in range(0, len(ids), DELIVERY_BATCH)])
        if len(events) < RELAY_BATCH:
            return


@shared_task(acks_late=True)
def deliver_many(delivery_ids):
    """Sends a batch of deliveries, one after the other; one that fails is retried on its own."""
    for delivery_id in delivery_ids:
        status, attempts = attempt(delivery_id)
        if status == Delivery.Status.PENDING:
            deliver.apply_async((delivery_id,), countdown=2 ** attempts)


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS)
def deliver(self, delivery_id):
    """Sends one delivery unless it was sent already: a redelivered task sends nothing twice. Failures retry
    with exponential backoff; the last one, or one the gateway refuses for good, leaves the delivery failed."""
    status, attempts = attempt(delivery_id)
    if status == Delivery.Status.PENDING:
        raise self.retry(countdown=2 ** attempts)
    return status


def attempt(delivery_id):
    """One try at a delivery still pending, under its row lock: (its status after, attempts so far). Pending
    after a failure that may pass; failed after a refusal for good or the last attempt."""
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("event", "subscription")
                    .filter(pk=delivery_id, status=Delivery.Status.PENDING).first())
        if delivery is None:
            return "already done", 0
        delivery.attempts += 1
        try:
            _send(delivery)
        except (SmsDeliveryError, WebhookError, OSError) as failure:
            delivery.last_error = str(failure)[:2000]
            if not getattr(failure, "retryable", True) or delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = Delivery.Status.FAILED
        else:
            delivery.status, delivery.sent_at = Delivery.Status.SENT, timezone.now()
        delivery.save(update_fields=["attempts", "last_error", "status", "sent_at", "response_status"])
    return delivery.status, delivery.attempts


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
