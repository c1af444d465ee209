"""The province's service indicators over a period (Decision 766/QĐ-TTg; docs/indicators.md), for the province or
one agency, commune, field or procedure, grouped by any of them or by month or day.

Every figure is a sum of counts dated by their own event (workflows.reporting.counting). The days up to
`complete_through()` are summed from the nightly tallies (workflows.reporting.tallies); later days are counted live
from the dossiers with the same queries, so a report is always current. The catalogue's indicators are counted from
the procedures themselves (workflows.reporting.catalogue).

A dossier belongs to its competent agency (the one that settles it), or to its receiving agency when it was refused
at receipt; to the commune of that agency when it is a commune's; and to its procedure and the procedure's field.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import F, IntegerField, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from procedures.models import AdministrativeUnit, Agency, Field, Procedure
from workflows.dossiers.models import Dossier
from workflows.feedback.models import Feedback

from . import counting
from .catalogue import count_catalogue
from .counting import count_durations, count_events
from .figures import RECEIVED, Figures
from .models import DurationTally, IndicatorTally, MonthlyDurationTally, MonthlyTally
from .periods import Period, add_months
from .scope import Scope
from .tallies import TALLIED, complete_through, first_event_day


@dataclass
class Row:
    key: object
    label: str
    figures: Figures


TIME_DIMENSIONS = ("month", "day")
# The groups that are catalogue entries, named by their codes outside OneStop.
GROUP_MODELS = {"agency": Agency, "commune": AdministrativeUnit, "field": Field, "procedure": Procedure}
GROUPS = (*GROUP_MODELS, *TIME_DIMENSIONS)


def codes(by, keys):
    """The codes of the catalogue entries `keys` of the groups of `by`."""
    return dict(GROUP_MODELS[by].objects.filter(pk__in=keys).values_list("pk", "code"))


def report(period, *, by=None, agency=None, commune=None, field=None, procedure=None, now=None):
    """The indicators of `period`, one Row per group of `by` (None: one row for the whole scope; "agency",
    "commune", "field", "procedure", "month" or "day"), within the scope given."""
    now = now or timezone.now()
    last = min(period.last, timezone.localdate(now))
    scope = Scope(agency, commune, field, procedure)
    tally_scope = scope.tallies()
    complete = complete_through()
    groups = defaultdict(Figures)

    if complete:
        tallied_last = min(last, complete)
        if tallied_last >= period.first:
            for tallies in _parts(COUNTED, tally_scope, period.first, tallied_last, by):
                _add(groups, _sum(tallies, by, {name: Sum(name) for name in TALLIED}))
            for tallies in _parts(DURATIONS, tally_scope, period.first, tallied_last, by):
                _add_durations(groups, tallies, by)
        _add_running(groups, tally_scope, tallied_last, by, period)

    # Days not yet tallied are counted live: their events within the period, and every change to what is in
    # progress since the tallies end.
    live_first = max(period.first, complete + timedelta(days=1)) if complete else period.first
    running_first = complete + timedelta(days=1) if complete else min(first_event_day() or last, period.first)
    if running_first <= last:
        key_of = _key_function(by)
        events, durations = _counted_live(running_first, last, scope, now)
        for (day, agency_id, procedure_id), counts in events.items():
            key = key_of(agency_id, procedure_id, day)
            change = {"in_progress": sum(counts[name] for name in RECEIVED) - counts["exits"],
                      "in_progress_late": counts["overdue_from"] - counts["overdue_exits"]}
            for group in _running_groups(by, key, day, period):
                groups[group].add(change)
            if day >= live_first:
                groups[key].add(counts)
        for (day, agency_id, procedure_id, days), decided in durations.items():
            if day >= live_first:
                groups[key_of(agency_id, procedure_id, day)].durations[days] += decided

    time_spans = [(key, max(key, period.first), _group_end(by, key, period))
                  for key in _period_keys(by, period)] if by in TIME_DIMENSIONS else ()
    for key, counts in count_catalogue(by, period, scope, time_spans, today=timezone.localdate(now)).items():
        groups[key].add(counts)
    return _rows(groups, by, period)


# Counting live is shared by the reports of a page and of the next minute: at the end of a busy day it reads
# thousands of dossiers.
LIVE_SECONDS = 60


def _counted_live(first, last, scope, now):
    key = f"indicators:live:{first}:{last}:{scope.key}"
    counted = cache.get(key)
    if counted is None:
        dossiers = Dossier.objects.filter(scope.dossiers())
        feedback = Feedback.objects.filter(scope.feedback("procedure"))
        events = count_events(first, last, dossiers=dossiers, feedback=feedback, until=now)
        counted = ({key: dict(counts) for key, counts in events.items()},
                   count_durations(first, last, dossiers=dossiers))
        cache.set(key, counted, LIVE_SECONDS)
    events, durations = counted
    return {key: defaultdict(int, counts) for key, counts in events.items()}, durations


def _key_function(by):
    if by == "month":
        return lambda agency, procedure, day: day.replace(day=1)
    if by == "day":
        return lambda agency, procedure, day: day
    if by == "commune":
        communes = dict(Agency.objects.filter(kind__in=Agency.COMMUNE_LEVEL_KINDS).values_list("pk", "unit_id"))
        return lambda agency, procedure, day: communes.get(agency)
    if by == "field":
        fields = dict(Procedure.objects.values_list("pk", "field_id"))
        return lambda agency, procedure, day: fields.get(procedure)
    return {None: lambda agency, procedure, day: None,
            "agency": lambda agency, procedure, day: agency,
            "procedure": lambda agency, procedure, day: procedure}[by]


# The tallies: daily rows, and monthly sums of them that a report reads for every whole month it covers.
COUNTED = (IndicatorTally, MonthlyTally)
DURATIONS = (DurationTally, MonthlyDurationTally)
EPOCH = date(2000, 1, 1)


def _parts(models, scope, first, last, by=None):
    """Querysets of the tallies that together cover first..last: the whole months in it from the monthly model,
    the days before and after them from the daily one (and only daily ones for a report by day)."""
    daily, monthly = models
    if first > last:
        return []
    month = first if first.day == 1 else add_months(first.replace(day=1), 1)
    months = []
    while by != "day" and add_months(month, 1) <= last + timedelta(days=1):
        months.append(month)
        month = add_months(month, 1)
    if not months:
        return [daily.objects.filter(scope, day__range=(first, last))]
    parts = [monthly.objects.filter(scope, month__range=(months[0], months[-1]))]
    if first < months[0]:
        parts.append(daily.objects.filter(scope, day__range=(first, months[0] - timedelta(days=1))))
    after = add_months(months[-1], 1)
    if after <= last:
        parts.append(daily.objects.filter(scope, day__range=(after, last)))
    return parts


def _group_field(by, model):
    """The tally's expression for a group of `by`."""
    moment = "month" if model in (MonthlyTally, MonthlyDurationTally) else "day"
    return {None: None, "month": TruncMonth(moment), "day": F(moment), "agency": F("agency_id"),
            "commune": F("agency__unit_id"), "field": F("procedure__field_id"),
            "procedure": F("procedure_id")}[by]


def _keyed(tallies, by):
    """The tallies that count in the groups of `by`, each with its group's key (none for a single group)."""
    if by == "commune":
        tallies = tallies.filter(agency__kind__in=Agency.COMMUNE_LEVEL_KINDS)
    field = _group_field(by, tallies.model)
    return tallies if field is None else tallies.annotate(key=field)


def _sum(queryset, by, sums):
    queryset = _keyed(queryset, by)
    if by is None:
        return [{"key": None, **queryset.aggregate(**sums)}]
    return queryset.values("key").annotate(**sums).order_by()


def _add(groups, rows):
    for row in rows:
        key = row.pop("key")
        groups[key].add(row)


def _add_durations(groups, tallies, by):
    keys = ["working_days"] if by is None else ["key", "working_days"]
    for row in _keyed(tallies, by).values(*keys).annotate(dossiers=Sum("dossiers")).order_by():
        groups[row.get("key")].durations[row["working_days"]] += row["dossiers"]


# What is in progress on a day: everything received up to it less what left, and the same for the late.
STOCK_SUMS = {"in_progress": sum((F(name) for name in RECEIVED[1:]), F(RECEIVED[0])) - F("exits"),
              "in_progress_late": F("overdue_from") - F("overdue_exits")}


def _add_running(groups, scope, tallied_last, by, period):
    """In progress at the end of the period, or at the end of each of its months or days, as far as tallied."""
    sums = {name: Sum(value, output_field=IntegerField()) for name, value in STOCK_SUMS.items()}
    if by not in TIME_DIMENSIONS:
        for tallies in _parts(COUNTED, scope, EPOCH, tallied_last):
            _add(groups, _sum(tallies, by, sums))
        return
    running = dict.fromkeys(STOCK_SUMS, 0)
    for tallies in _parts(COUNTED, scope, EPOCH, period.first - timedelta(days=1)):
        for name, value in tallies.aggregate(**sums).items():
            running[name] += value or 0
    changes = defaultdict(lambda: defaultdict(int))
    for tallies in _parts(COUNTED, scope, period.first, tallied_last, by):
        for row in _sum(tallies, by, sums):
            for name in STOCK_SUMS:
                changes[row["key"]][name] += row[name] or 0
    for key in _period_keys(by, period):
        for name in STOCK_SUMS:
            running[name] += changes[key][name]
            groups[key].counts[name] += running[name]


def _running_groups(by, key, day, period):
    """The groups whose end-of-period stock a change on `day` counts in."""
    if by not in TIME_DIMENSIONS:
        return [key] if key is not None or by is None else []
    return [group for group in _period_keys(by, period) if day <= _group_end(by, group, period)]


def _group_end(by, key, period):
    if by == "day":
        return key
    return min(Period.month(key.year, key.month).last, period.last)


def _period_keys(by, period):
    if by == "day":
        return [period.first + timedelta(days=offset) for offset in range((period.last - period.first).days + 1)]
    keys, month = [], period.first.replace(day=1)
    while month <= period.last:
        keys.append(month)
        month = add_months(month, 1)
    return keys


def _rows(groups, by, period):
    if by is None:
        return [Row(None, "", groups[None])]
    if by in TIME_DIMENSIONS:
        return [Row(key, f"{key:%m/%Y}" if by == "month" else f"{key:%d/%m/%Y}", groups[key])
                for key in _period_keys(by, period)]
    labels = _labels(by, [key for key in groups if key is not None])
    rows = [Row(key, labels.get(key, "—"), figures) for key, figures in groups.items() if key is not None]
    return sorted(rows, key=lambda row: row.label)


def _labels(by, keys):
    return {pk: str(instance) for pk, instance in GROUP_MODELS[by].objects.in_bulk(keys).items()}


def late_dossiers(period, *, agency=None, commune=None, field=None, procedure=None):
    """The dossiers behind the late figures: settled late in the period, or still open and late at its end."""
    start, end = counting.bounds(period.first, period.last)
    dossiers = Dossier.objects.filter(Scope(agency, commune, field, procedure).dossiers())
    return (counting.late_dossiers(dossiers, start, end, timezone.now())
            .select_related("procedure", "competent_agency").order_by("due_at"))
