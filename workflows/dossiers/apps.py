from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "workflows.dossiers"
    # The label the dossier engine had when workflows/ was one app: its tables, admin addresses, permissions and
    # migration history keep it.
    label = "workflows"
    verbose_name = _("Dossiers")

    def ready(self):
        from . import checks  # noqa: F401 - registers the registry's system checks
        from .database_roles import grant_after_migrate

        post_migrate.connect(grant_after_migrate, sender=self)
