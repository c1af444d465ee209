from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaperworkConfig(AppConfig):
    name = "workflows.paperwork"
    label = "paperwork"
    verbose_name = _("Slips")

    def ready(self):
        from workflows.dossiers.events import transition_saved
        from workflows.dossiers.models import Dossier

        from . import checks  # noqa: F401 - registers the signature settings' deploy checks
        from .issuing import on_transition

        transition_saved.connect(on_transition, sender=Dossier, dispatch_uid="paperwork-register-result")
