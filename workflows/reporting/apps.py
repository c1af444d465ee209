from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "workflows.reporting"
    label = "reporting"
    verbose_name = _("Service indicators")

    def ready(self):
        # Scraped at /metrics/: outbox lag, deliveries, overdue dossiers, timer run times.
        from prometheus_client import REGISTRY

        from .operations import OperationsCollector

        REGISTRY.register(OperationsCollector())
