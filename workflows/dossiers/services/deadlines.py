"""The deadlines a use case sets or moves, on the working calendar."""

from django.conf import settings

from workflows.worktime.calendar import TimeLimit
from workflows.worktime.clock import working_calendar, working_days_after

from ..models import PausePeriod


def time_limit(dossier):
    """The procedure's time limit as it was when the dossier was filed."""
    snapshot = dossier.procedure_version.snapshot
    unit, cutoff = snapshot["time_limit_unit"], snapshot["intake_cutoff"]
    if unit == TimeLimit.DAYS:
        cutoff = None  # filed before limits in days stopped counting the day of receipt: it never counts now
    elif unit == TimeLimit.HOURS and cutoff:
        unit = TimeLimit.SAME_DAY  # filed before same-day procedures had their own unit
    return TimeLimit.of(snapshot["time_limit"], unit, cutoff)


def receipt_deadlines(dossier, received_at):
    """The appointment, and when the first step is due."""
    calendar = working_calendar()
    limit = time_limit(dossier)
    due_at = calendar.due(received_at, limit)
    start = _first_step_start(calendar, limit, received_at)
    return {"due_at": due_at, "first_step_due_at": _step_deadline(calendar, limit, dossier.steps[0], start, due_at)}


def _first_step_start(calendar, limit, received_at):
    """The first step's share counts from when the limit starts counting (or from receipt, for a same-day
    procedure received before its cut-off)."""
    return max(calendar.counting_start(received_at, limit), calendar.position(received_at))


def _step_deadline(calendar, limit, step, start, due_at):
    """A step's share counts to the minute from `start` (a position); it never runs past the appointment."""
    due = calendar.moment(start + calendar.length(limit.share(step["share"])))
    return min(due, due_at) if due_at else due


def working_minutes_taken(dossier, decided_at):
    """From the start of the clock to the decision, without the time spent waiting for the applicant."""
    calendar = working_calendar()
    waited = sum(calendar.working_minutes_between(started_at, ended_at or decided_at) for started_at, ended_at
                 in PausePeriod.objects.filter(dossier_id=dossier.pk).values_list("started_at", "ended_at"))
    counted_from = calendar.counting_start(dossier.received_at, time_limit(dossier))
    return max(calendar.position(decided_at) - counted_from - waited, 0)


def resumed_deadlines(dossier, now):
    """The clock starts again with exactly the time it had left, for the whole dossier and for the current step;
    the pause is closed."""
    calendar = working_calendar()
    limit = time_limit(dossier)
    counted_from = calendar.counting_start(dossier.received_at, limit)
    paused_at = dossier.paused_at
    end_pause(dossier, now)
    return {
        "due_at": calendar.resume(dossier.due_at, paused_at=paused_at, resumed_at=now,
                                  whole_days=limit.in_whole_days, counted_from=counted_from),
        "step_due_at": calendar.resume(dossier.step_due_at, paused_at=paused_at, resumed_at=now,
                                       whole_days=False, counted_from=counted_from) if dossier.step_due_at else None,
    }


def end_pause(dossier, at):
    PausePeriod.objects.filter(dossier=dossier, ended_at__isnull=True).update(ended_at=at)


def supplement_due(asked_at, calendar=None):
    """When a supplement request lapses: the configured number of working days after it was made."""
    return working_days_after(asked_at, settings.ONESTOP_SUPPLEMENT_WAIT_WORKING_DAYS, calendar)


def step_due(dossier, step, start):
    calendar = working_calendar()
    return _step_deadline(calendar, time_limit(dossier), step, calendar.position(start), dossier.due_at)


def replayed_deadlines(dossier, calendar):
    """The deadlines as `calendar` counts them: from receipt, through every pause since, as the use cases set
    them one after another. The same history gives the same answer, so replaying twice moves nothing."""
    limit = time_limit(dossier)
    received_at = dossier.received_at
    counted_from = calendar.counting_start(received_at, limit)
    pauses = [pause for pause in dossier.pauses.all() if pause.ended_at and pause.started_at >= received_at]
    due_at = calendar.due(received_at, limit)
    for pause in pauses:
        due_at = calendar.resume(due_at, paused_at=pause.started_at, resumed_at=pause.ended_at,
                                 whole_days=limit.in_whole_days, counted_from=counted_from)
    deadlines = {"due_at": due_at}
    if dossier.step_due_at and dossier.current_step:
        start = calendar.position(dossier.step_started_at)
        if dossier.current_step["order"] == dossier.steps[0]["order"] and dossier.step_started_at == received_at:
            start = _first_step_start(calendar, limit, received_at)  # as receipt_deadlines() set it
        # Capped at the appointment once the pauses are replayed, not before.
        step_due_at = _step_deadline(calendar, limit, dossier.current_step, start, None)
        for pause in pauses:
            if pause.started_at >= dossier.step_started_at:
                step_due_at = calendar.resume(step_due_at, paused_at=pause.started_at, resumed_at=pause.ended_at,
                                              whole_days=False, counted_from=counted_from)
        deadlines["step_due_at"] = min(step_due_at, due_at)
    return deadlines

