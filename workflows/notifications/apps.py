from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "workflows.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from workflows.dossiers import events

        from . import checks, inbox, tasks  # noqa: F401 - checks registers the messages' system check

        events.applicant_told.connect(inbox.record, dispatch_uid="inbox-record")
        events.outbox_committed.connect(tasks.start_relay, dispatch_uid="start-relay")
