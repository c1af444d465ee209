from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "workflows.api"
    label = "integrator_api"
    verbose_name = _("Integrator API")
