from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "workflows.feedback"
    label = "feedback"
    verbose_name = _("Feedback and recommendations")

    def ready(self):
        from . import audiences

        # The notifications room may not import this one: it learns here who hears of feedback.
        audiences.register()
