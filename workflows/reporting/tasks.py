from celery import shared_task

from . import tallies


@shared_task
def refresh_indicators():
    """Recounts the indicator tallies of the last weeks up to yesterday (workflows.reporting.tallies.refresh)."""
    return tallies.refresh()
