from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Procedure catalogue")

    def ready(self):
        from django.db.backends.signals import connection_created

        from .search import register_sqlite_unaccent

        connection_created.connect(register_sqlite_unaccent)
