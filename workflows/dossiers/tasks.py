from celery import shared_task

from . import housekeeping


@shared_task
def sweep_orphan_files():
    """Removes uploaded files that no dossier refers to (workflows.dossiers.housekeeping)."""
    return len(housekeeping.sweep_orphan_files())
