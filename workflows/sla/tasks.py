"""The SLA timers and the leaders' digest, run by Celery beat on the queue "timers"."""

from celery import shared_task

from . import digest, timers


@shared_task(acks_late=True)
def run_sla_timers():
    """Due soon, overdue, reminders and lapsed supplement requests, as of now."""
    return timers.run()


@shared_task(acks_late=True)
def send_daily_digest():
    return digest.send_daily_digest()
