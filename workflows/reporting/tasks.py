from celery import shared_task

from . import indicators


@shared_task
def refresh_indicators():
    """Recounts the indicator tallies of the last weeks up to yesterday (workflows.reporting.indicators.refresh)."""
    return indicators.refresh()
