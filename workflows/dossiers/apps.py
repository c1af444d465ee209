from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "workflows.dossiers"
    # The label the dossier engine had when workflows/ was one app: its tables, admin addresses, permissions and
    # migration history keep it.
    label = "workflows"
    verbose_name = _("Dossiers")

    def ready(self):
        from . import checks  # noqa: F401 - registers the registry's system checks
