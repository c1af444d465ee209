"""The API's housekeeping, on the queue "timers"."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import IdempotencyRecord

PURGE_BATCH = 2000


@shared_task(acks_late=True)
def purge_idempotency_records():
    """Deletes the stored answers to Idempotency-Keys older than ONESTOP_IDEMPOTENCY_RETENTION_HOURS: each holds
    a whole dossier, identity numbers included, and a client retries within minutes, not days. A key used again
    after that files anew. Returns how many were deleted."""
    cutoff = timezone.now() - timedelta(hours=settings.ONESTOP_IDEMPOTENCY_RETENTION_HOURS)
    deleted = 0
    while True:
        batch = list(IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)
                     [:PURGE_BATCH])
        if not batch:
            return deleted
        IdempotencyRecord.objects.filter(pk__in=batch).delete()
        deleted += len(batch)
