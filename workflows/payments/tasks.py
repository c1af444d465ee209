"""Online payments the platform has not settled yet, asked about by beat until final (queue "timers")."""

from celery import shared_task

from . import online


@shared_task(acks_late=True)
def reconcile_online_payments():
    return online.reconcile()
