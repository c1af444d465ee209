"""The catalogue's side of the indicators: procedures published on time and complete, and procedures offered fully
online. Counted from the procedures themselves whenever a report is asked for: the catalogue is small, holds its
own dates, and has no history to tally (completeness is judged on the catalogue as it is now)."""

from collections import defaultdict
from datetime import datetime, time

from django.utils import timezone

from workflows.worktime.clock import working_calendar, working_days_after

# Decree 63/2010/NĐ-CP as amended, and Circular 02/2017/TT-VPCP: a procedure is published on the national database
# and at the desks within 5 working days of the decision announcing it. A province that counts otherwise changes it
# here.
PUBLICATION_WORKING_DAYS = 5
COUNTS = ("publication_due", "published_on_time", "in_force", "published_complete", "offered_full_online")


def publication_deadline(announced_on):
    """The last day to publish a procedure announced on `announced_on`; None outside the calendar's years."""
    calendar = working_calendar()
    try:
        due = working_days_after(datetime.combine(announced_on, time(12), tzinfo=calendar.timezone),
                                 PUBLICATION_WORKING_DAYS, calendar)
    except ValueError:
        return None
    return timezone.localdate(due)


def count_catalogue(by, period, scope, time_spans=(), *, today=None):
    """The catalogue's counts for each group of `by` within `scope`: {key: counts}. An announcement counts in the
    group of its date; what is in force, complete and offered fully online is read on the group's last day (today
    at the latest). A report by month or day gives each group's key with its first and last day in `time_spans`."""
    today = today or timezone.localdate()
    spans_of = _spans(by, period, scope, time_spans)
    counted = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for procedure in scope.procedures().prefetch_related("documents", "steps", "fees", "legal_basis"):
        complete = not procedure.publication_gaps
        for key, first, last in spans_of(procedure):
            counts = counted[key]
            if procedure.announced_on and first <= procedure.announced_on <= last:
                due, on_time = _publication(procedure, today)
                counts["publication_due"] += due
                counts["published_on_time"] += on_time
            end = min(last, today)
            if procedure.available_on(end):
                counts["in_force"] += 1
                published = procedure.published_on is not None and procedure.published_on <= end
                counts["published_complete"] += published and complete
                counts["offered_full_online"] += procedure.online_level == procedure.OnlineLevel.FULL
    return counted


def _publication(procedure, today):
    """(1, 1) published on time, (1, 0) published late or not in time, (0, 0) its time to publish still runs."""
    deadline = publication_deadline(procedure.announced_on)
    if deadline is None:
        return 0, 0
    if procedure.published_on is not None:
        return 1, int(procedure.published_on <= deadline)
    return int(deadline < today), 0


def _spans(by, period, scope, time_spans):
    """A function naming the groups a procedure counts in, each with its first and last day."""
    whole = (period.first, period.last)
    if by in ("month", "day"):
        return lambda procedure: time_spans
    if by is None:
        return lambda procedure: [(None, *whole)]
    if by == "field":
        return lambda procedure: [(procedure.field_id, *whole)]
    if by == "procedure":
        return lambda procedure: [(procedure.pk, *whole)]
    # By agency or commune: a commune-level procedure counts at every commune agency of the kind that settles it.
    settling = defaultdict(set)
    for pk, kind, unit in scope.commune_agencies().values_list("pk", "kind", "unit"):
        settling[kind].add(pk if by == "agency" else unit)
    if by == "agency":
        return lambda procedure: [(key, *whole) for key in (
            {procedure.competent_agency_id} if procedure.competent_agency_id
            else settling[procedure.competent_agency_kind])]
    return lambda procedure: [(key, *whole) for key in settling[procedure.competent_agency_kind]]
