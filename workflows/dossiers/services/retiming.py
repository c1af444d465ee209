"""A day off announced after receipt (or a make-up working day) moves the deadlines of the open dossiers it
touches: each move is audited, and the applicant is told of a moved appointment."""

from datetime import datetime, time

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workflows.worktime.clock import build_calendar

from .. import events, selectors
from ..models import Dossier
from ..states import CLOCK_STATES, State
from .core import audit, lock
from .deadlines import replayed_deadlines, supplement_due

__all__ = ["retime_open_dossiers"]

# Received and not yet decided, or waiting for a supplement before receipt: a deadline a calendar change can move.
RETIMED_STATES = (*CLOCK_STATES, State.INCOMPLETE)


def retime_open_dossiers(day):
    """Re-counts, on today's calendar, every open dossier with a deadline on or after `day`; returns how many
    moved. Safe to run again: an unchanged history gives unchanged deadlines."""
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    touched = (Dossier.objects
               .filter(state__in=RETIMED_STATES)
               .filter(Q(due_at__gte=start) | Q(step_due_at__gte=start) | Q(supplement_due_at__gte=start))
               .order_by("pk").values_list("pk", flat=True))
    # Built afresh: a process's cached calendar may not have heard of the change yet.
    calendar = build_calendar()
    return sum(_retime(pk, calendar) for pk in touched.iterator())


@transaction.atomic
def _retime(pk, calendar):
    dossier = lock(Dossier(pk=pk), expected_version=None)
    if dossier.state not in RETIMED_STATES:
        return 0
    recounted = replayed_deadlines(dossier, calendar) if dossier.received_at else {}
    if dossier.state in Dossier.WAITING_STATES and dossier.supplement_due_at:
        request = selectors.latest_supplement_request(dossier)
        if request:
            recounted["supplement_due_at"] = supplement_due(request.at, calendar)
    moved = {field: (getattr(dossier, field), value) for field, value in recounted.items()
             if getattr(dossier, field) is not None and getattr(dossier, field) != value}
    if not moved:
        return 0
    for field, (_before, after) in moved.items():
        setattr(dossier, field, after)
    # Marks and reminders were for the old deadlines: the timers look at the new ones afresh.
    if "due_at" in moved:
        dossier.sla_mark = Dossier.SlaMark.NONE
        if dossier.appointment_at == moved["due_at"][0]:
            dossier.appointment_at = dossier.due_at
    if "step_due_at" in moved:
        dossier.step_sla_mark = Dossier.SlaMark.NONE
    if "supplement_due_at" in moved:
        dossier.supplement_reminded_at = None
    dossier.version += 1
    dossier.save(update_fields=[*moved, "appointment_at", "sla_mark", "step_sla_mark", "supplement_reminded_at",
                                "version", "updated_at"])
    audit(dossier, None, "retimed", from_state=dossier.state, role="system",
          data={field: {"from": timezone.localtime(before).isoformat(), "to": timezone.localtime(after).isoformat()}
                for field, (before, after) in moved.items()})
    if "due_at" in moved and dossier.appointment_at == dossier.due_at:
        events.publish(dossier, "appointment_moved")
    return 1
