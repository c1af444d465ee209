from django.conf import settings
from django.core.management.base import BaseCommand

from workflows.api.tasks import purge_idempotency_records
from workflows.notifications.tasks import purge_delivered


class Command(BaseCommand):
    help = (
        "Delete what OneStop keeps only for a while: sent deliveries and relayed outbox events older than "
        "ONESTOP_OUTBOX_RETENTION_DAYS, and the API's stored answers to an Idempotency-Key older than "
        "ONESTOP_IDEMPOTENCY_RETENTION_HOURS (they hold whole dossiers, identity numbers included). Failed and "
        "pending deliveries are kept. The beat does the same every day; safe to run at any time."
    )

    def handle(self, *args, **options):
        deliveries, events = purge_delivered()
        records = purge_idempotency_records()
        self.stdout.write(self.style.SUCCESS(
            f"Deleted {deliveries} sent deliveries and {events} relayed outbox events older than "
            f"{settings.ONESTOP_OUTBOX_RETENTION_DAYS} days, and {records} idempotency records older than "
            f"{settings.ONESTOP_IDEMPOTENCY_RETENTION_HOURS} hours."))
