"""Every event the applicant is told of has its message."""

from django.core import checks
from django.template import TemplateDoesNotExist, engines

from workflows.dossiers import transitions
from workflows.dossiers.events import APPLICANT_REMINDERS


@checks.register()
def every_event_has_a_message(app_configs=None, **kwargs):
    told = [*APPLICANT_REMINDERS, *(name for name in transitions.TRANSITIONS if transitions.tells_applicant(name))]
    return [checks.Error(f"The applicant is told of {event} but it has no message.",
                         hint=f"Write notifications/messages/{event}.txt.", id="notifications.E001")
            for event in told if not _exists(f"notifications/messages/{event}.txt")]


def _exists(name):
    try:
        engines["text"].get_template(name)
    except TemplateDoesNotExist:
        return False
    return True
