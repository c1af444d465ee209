"""The nightly tallies: daily counts per agency and procedure (IndicatorTally, DurationTally), summed by month, so that
a report over any period sums a few rows instead of scanning the dossiers. Refreshed by Celery beat
(workflows.reporting.tasks); the days after `complete_through()` are counted live by the reports."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Min, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from workflows.dossiers.models import Dossier
from workflows.feedback.models import Feedback

from .counting import count_durations, count_events
from .models import DurationTally, IndicatorTally, MonthlyDurationTally, MonthlyTally, TallyRefresh
from .periods import Period

# What the tallies count for each day, agency and procedure.
TALLIED = [field.name for field in IndicatorTally._meta.fields
           if field.name not in ("id", "day", "agency", "procedure")]
# How far back the nightly refresh recounts: a late change (a supplement moving a deadline, a rating after the
# decision) reaches the tallies of the days it touches within this window.
RECOUNT_DAYS = 35


def refresh(first_day=None, last_day=None):
    """Recount the tallies of first_day..last_day and mark them complete through last_day when they join what was
    complete before. By default: from the first day not yet complete, or RECOUNT_DAYS back, up to yesterday."""
    last_day = last_day or timezone.localdate() - timedelta(days=1)
    with transaction.atomic():
        TallyRefresh.objects.get_or_create(pk=1)
        marker = TallyRefresh.objects.select_for_update().get(pk=1)
        complete = marker.complete_through
        first_event = None if complete else first_event_day()
        if first_day is None:
            first_day = last_day - timedelta(days=RECOUNT_DAYS)
            first_day = min(first_day, complete + timedelta(days=1)) if complete else first_event or first_day
        events = count_events(first_day, last_day)
        durations = count_durations(first_day, last_day)
        IndicatorTally.objects.filter(day__range=(first_day, last_day)).delete()
        DurationTally.objects.filter(day__range=(first_day, last_day)).delete()
        IndicatorTally.objects.bulk_create(
            (IndicatorTally(day=day, agency_id=agency, procedure_id=procedure, **counts)
             for (day, agency, procedure), counts in events.items()), batch_size=2000)
        DurationTally.objects.bulk_create(
            (DurationTally(day=day, agency_id=agency, procedure_id=procedure, working_days=days, dossiers=dossiers)
             for (day, agency, procedure, days), dossiers in durations.items()), batch_size=2000)
        _sum_months(first_day.replace(day=1), Period.month(last_day.year, last_day.month).last)
        joins = complete >= first_day - timedelta(days=1) if complete else (first_event or first_day) >= first_day
        if joins:
            marker.complete_through = max(complete or last_day, last_day)
        marker.refreshed_at = timezone.now()
        marker.save()
    return len(events)


def _sum_months(first, last):
    """The monthly tallies of the months first..last, summed again from their days."""
    months = (first, last)
    MonthlyTally.objects.filter(month__range=months).delete()
    MonthlyDurationTally.objects.filter(month__range=months).delete()
    MonthlyTally.objects.bulk_create(
        (MonthlyTally(**row) for row in IndicatorTally.objects.filter(day__range=months)
         .values("agency_id", "procedure_id", month=TruncMonth("day"))
         .annotate(**{name: Sum(name) for name in TALLIED}).order_by()), batch_size=2000)
    MonthlyDurationTally.objects.bulk_create(
        (MonthlyDurationTally(**row) for row in DurationTally.objects.filter(day__range=months)
         .values("agency_id", "procedure_id", "working_days", month=TruncMonth("day"))
         .annotate(dossiers=Sum("dossiers")).order_by()), batch_size=2000)


def complete_through():
    marker = TallyRefresh.objects.first()
    return marker.complete_through if marker else None


def first_event_day():
    """The first day anything was counted: a receipt, a refusal at receipt, or feedback."""
    moments = [*Dossier.objects.aggregate(received=Min("received_at"), closed=Min("closed_at")).values(),
               Feedback.objects.aggregate(sent=Min("submitted_at"))["sent"]]
    moments = [moment for moment in moments if moment]
    return timezone.localdate(min(moments)) if moments else None
