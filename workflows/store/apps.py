from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoreConfig(AppConfig):
    name = "workflows.store"
    label = "store"
    verbose_name = _("Citizens' document store")

    def ready(self):
        from . import receivers  # noqa: F401 - keeps approved results in the store
