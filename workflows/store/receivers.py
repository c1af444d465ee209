"""The store hears of approvals through the engine's signal inside the approving transaction (not after commit, not
through the outbox): an issued result is then kept, or the approval fails with it, whichever way it was approved
(the window, the API, a test's service call), and the engine imports nothing of the store."""

from django.dispatch import receiver

from workflows.dossiers.events import transition_saved
from workflows.dossiers.models import Dossier

from .services import keep_result


@receiver(transition_saved, sender=Dossier, dispatch_uid="store-keeps-issued-results")
def keep_issued_result(sender, dossier, name, actor, **kwargs):
    if name == "approve":
        keep_result(dossier=dossier, actor=actor)
