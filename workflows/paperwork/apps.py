from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaperworkConfig(AppConfig):
    name = "workflows.paperwork"
    label = "paperwork"
    verbose_name = _("Slips")
