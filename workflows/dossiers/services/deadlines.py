"""The deadlines a use case sets or moves, on the working calendar."""

from datetime import time
from decimal import Decimal

from django.conf import settings

from workflows.worktime.clock import working_calendar

from ..models import PausePeriod


def clock_start(calendar, dossier, received_at):
    cutoff = dossier.procedure_version.snapshot["intake_cutoff"]
    return calendar.clock_start(received_at, cutoff=time.fromisoformat(cutoff) if cutoff else None)


def working_minutes_taken(dossier, decided_at):
    """From the start of the clock to the decision, without the time spent waiting for the applicant."""
    calendar = working_calendar()
    waited = sum(calendar.working_minutes_between(pause.started_at, pause.ended_at or decided_at)
                 for pause in dossier.pauses.all())
    return max(calendar.position(decided_at) - clock_start(calendar, dossier, dossier.received_at) - waited, 0)


def resumed_deadlines(dossier, now):
    """The clock starts again with exactly the time it had left, for the whole dossier and for the current step;
    the pause is closed."""
    calendar = working_calendar()
    whole_days = dossier.procedure_version.snapshot["time_limit_unit"] == "days"
    paused_at = dossier.paused_at
    end_pause(dossier, now)
    return {
        "due_at": calendar.resume_deadline(dossier.due_at, paused_at=paused_at, resumed_at=now,
                                           whole_days=whole_days),
        "step_due_at": calendar.resume_deadline(dossier.step_due_at, paused_at=paused_at, resumed_at=now,
                                                whole_days=False) if dossier.step_due_at else None,
    }


def end_pause(dossier, at):
    PausePeriod.objects.filter(dossier=dossier, ended_at__isnull=True).update(ended_at=at)


def supplement_due(asked_at):
    """When a supplement request lapses: the configured number of working days after it was made."""
    calendar = working_calendar()
    days = settings.ONESTOP_SUPPLEMENT_WAIT_WORKING_DAYS
    return calendar.add(asked_at, days * calendar.day_minutes, whole_days=True)


def step_due(dossier, step, start):
    calendar = working_calendar()
    unit = dossier.procedure_version.snapshot["time_limit_unit"]
    return calendar.add(start, calendar.minutes_for(Decimal(step["share"]), unit))
