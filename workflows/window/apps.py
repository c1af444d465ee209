from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WindowConfig(AppConfig):
    name = "workflows.window"
    label = "window"
    verbose_name = _("Single window")
