from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "workflows.worktime"
    label = "worktime"
    verbose_name = _("Working calendar")

    def ready(self):
        from .clock import calendar_changed
        from .models import CalendarException

        post_save.connect(calendar_changed, sender=CalendarException, dispatch_uid="calendar-changed-save")
        post_delete.connect(calendar_changed, sender=CalendarException, dispatch_uid="calendar-changed-delete")
