from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "workflows.sla"
    label = "sla"
    verbose_name = _("Deadlines")

    def ready(self):
        from workflows.worktime.models import CalendarException

        from .tasks import calendar_exception_changed, remember_day_before

        pre_save.connect(remember_day_before, sender=CalendarException, dispatch_uid="retime-day-before")
        post_save.connect(calendar_exception_changed, sender=CalendarException, dispatch_uid="retime-on-save")
        post_delete.connect(calendar_exception_changed, sender=CalendarException, dispatch_uid="retime-on-delete")
