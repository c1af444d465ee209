"""The SLA timers, the leaders' digest and re-timing after a calendar change, run by Celery on the queue
"timers"."""

import logging
from datetime import date

from celery import shared_task
from django.db import transaction

from workflows.dossiers.services import retime_open_dossiers

from . import digest, timers

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_sla_timers():
    """Due soon, overdue, reminders and lapsed supplement requests, as of now."""
    return timers.run()


@shared_task(acks_late=True)
def send_daily_digest():
    return digest.send_daily_digest()


@shared_task(acks_late=True)
def retime_dossiers(day):
    return retime_open_dossiers(date.fromisoformat(day))


def remember_day_before(sender, instance, **kwargs):
    """An exception moved to another day touches both days."""
    instance.day_before = sender.objects.filter(pk=instance.pk).values_list("day", flat=True).first()


def calendar_exception_changed(sender, instance, **kwargs):
    """Once the change has committed, the open dossiers it touches are re-timed by a worker; with the broker down,
    here and now, since nothing else would."""
    day = min(day for day in (getattr(instance, "day_before", None), instance.day) if day)

    def start():
        try:
            retime_dossiers.delay(day.isoformat())
        except Exception:  # noqa: BLE001 - the exception has committed: re-time now rather than never
            logger.warning("Broker unavailable: re-timing the open dossiers in this process", exc_info=True)
            retime_open_dossiers(day)

    transaction.on_commit(start)
