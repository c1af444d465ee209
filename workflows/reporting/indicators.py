"""The province's service indicators (Decision 766/QĐ-TTg; docs/indicators.md), computed from the dossiers.

Every figure is a sum of counts dated by their own event: a dossier counts as received on the day it was received,
as settled on the day its result was decided, as refused, withdrawn or stopped on the day it was closed, as late
from the day its deadline passed while it was still open, and its rating on the day it was given. The days up to
`TallyRefresh.complete_through` are summed from `IndicatorTally` (refreshed nightly by Celery beat); later days are
counted live from the dossiers with the same queries, so a report is always current.

A dossier belongs to its competent agency (the one that settles it), or to its receiving agency when it was refused
at receipt; to the commune of that agency when it is a commune's; and to its procedure and the procedure's field.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import AdministrativeUnit, Agency, Field, Procedure
from workflows.dossiers.models import Dossier, DossierDocument, Rating
from workflows.dossiers.states import CLOSED_UNDECIDED
from workflows.payments.models import Payment
from workflows.worktime.clock import working_calendar

from .models import DurationTally, IndicatorTally, MonthlyDurationTally, MonthlyTally, TallyRefresh

State = Dossier.State

COUNTS = [field.name for field in IndicatorTally._meta.fields
          if field.name not in ("id", "day", "agency", "procedure")]
RECEIVED = ("received_online", "received_counter", "received_integrated")
# How far back the nightly refresh recounts: a late change (a supplement moving a deadline) reaches the tallies of
# the days it touches within this window.
RECOUNT_DAYS = 35


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    definition: str
    formula: str
    kind: str = "count"  # count, rate (a share, 0–1), days, score


INDICATORS = [
    Indicator("received", _("Received"),
              _("Dossiers received in the period, by every channel."),
              "received_online + received_counter + received_integrated"),
    Indicator("received_online", _("Received online"),
              _("Dossiers filed on the portal and received in the period."), "received_online"),
    Indicator("received_counter", _("Received at a desk"),
              _("Dossiers filed at a desk or by post and received in the period."), "received_counter"),
    Indicator("received_integrated", _("Received from integrated systems"),
              _("Dossiers filed through the API by an integrated system and received in the period."),
              "received_integrated"),
    Indicator("settled_on_time", _("Settled on time"),
              _("Dossiers whose result was decided in the period, early or on the appointment, without an apology."),
              "settled_on_time"),
    Indicator("settled_late", _("Settled late"),
              _("Dossiers whose result was decided in the period after the legal deadline, or after an apology and "
                "new appointment: an apology does not make a dossier on time."), "settled_late"),
    Indicator("in_progress_on_time", _("In progress, on time"),
              _("Dossiers received and not yet decided, withdrawn or stopped at the end of the period, whose "
                "deadline had not passed (or which were waiting for the applicant)."),
              "in_progress − in_progress_late"),
    Indicator("in_progress_late", _("In progress, late"),
              _("Dossiers still open at the end of the period whose legal deadline had passed."),
              "Σ up to the period's end (overdue_from − overdue_exits)"),
    Indicator("refused", _("Not received"),
              _("Dossiers refused at receipt in the period, with a written reason."), "refused"),
    Indicator("withdrawn", _("Withdrawn"),
              _("Dossiers the applicant withdrew in the period."), "withdrawn"),
    Indicator("stopped", _("Stopped"),
              _("Dossiers stopped in the period because the supplement asked for did not come in time."), "stopped"),
    Indicator("average_days", _("Average processing time"),
              _("Working days from the start of the clock to the decision, waiting for the applicant excluded, "
                "averaged over the dossiers settled in the period."),
              "settled_minutes ÷ settled ÷ working minutes per day", "days"),
    Indicator("median_days", _("Median processing time"),
              _("Half the dossiers settled in the period were decided within this many working days (rounded up)."),
              "the middle of the settled dossiers' working days", "days"),
    Indicator("on_time_rate", _("On-time rate"),
              _("Decision 766 timeliness: dossiers settled early or on time plus those in progress within their "
                "time, over all dossiers settled in the period or in progress at its end."),
              "(settled_on_time + in_progress_on_time) ÷ (settled + in_progress)", "rate"),
    Indicator("online_filing_rate", _("Online filing rate"),
              _("Dossiers received in the period that were filed online (the portal or an integrated system)."),
              "(received_online + received_integrated) ÷ received", "rate"),
    Indicator("full_online_rate", _("Full-online rate"),
              _("Dossiers filed online among those received in the period for procedures offered fully online."),
              "full_online ÷ full_online_eligible", "rate"),
    Indicator("online_payment_rate", _("Online payment rate"),
              _("Dossiers paid through the payment platform among those received in the period that carry fees."),
              "paid_online ÷ with_fees", "rate"),
    Indicator("digitised_rate", _("Digitised dossiers"),
              _("Dossiers received in the period whose documents are held as electronic files (at least one file "
                "on record; online filing requires every required document)."),
              "digitised ÷ received", "rate"),
    Indicator("electronic_result_rate", _("Electronic results"),
              _("Approved results decided in the period that were issued as an electronic document."),
              "results_electronic ÷ settled_approved", "rate"),
    Indicator("satisfaction_rate", _("Satisfaction"),
              _("Decision 766: settled dossiers that were neither rated dissatisfied (1 or 2 of 5) nor late, over "
                "the dossiers settled in the period."),
              "(settled − dissatisfied − settled_late) ÷ settled", "rate"),
    Indicator("average_rating", _("Average rating"),
              _("The applicants' ratings given in the period, out of 5."), "rating_points ÷ ratings", "score"),
]
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}


def add_months(month, count):
    """The first day of the month `count` months after (or before) the month starting on `month`."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @classmethod
    def month(cls, year, month):
        first = date(year, month, 1)
        return cls(first, add_months(first, 1) - timedelta(days=1))

    @classmethod
    def quarter(cls, year, quarter):
        return cls(cls.month(year, 3 * quarter - 2).first, cls.month(year, 3 * quarter).last)

    @classmethod
    def year(cls, year):
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def parse(cls, text, *, first=None, last=None):
        """"2026", "2026-Q4", "2026-10", or `first` and `last` for any other span; ValueError otherwise."""
        if first or last:
            first, last = date.fromisoformat(first or ""), date.fromisoformat(last or "")
            if first > last or (last - first).days > 3 * 366:
                raise ValueError("a period runs forwards and for at most three years")
            return cls(first, last)
        year, _, part = (text or "").partition("-")
        year = int(year)
        if not 2000 <= year <= 2100:
            raise ValueError("year out of range")
        if not part:
            return cls.year(year)
        if part.upper().startswith("Q") and part[1:] in ("1", "2", "3", "4"):
            return cls.quarter(year, int(part[1:]))
        if part.isdigit() and 1 <= int(part) <= 12:
            return cls.month(year, int(part))
        raise ValueError("not a period")

    @property
    def slug(self):
        """The period as Period.parse reads it back, when it is a year, a quarter or a month."""
        if (self.first.day, self.first.month, self.last.day, self.last.month) == (1, 1, 31, 12) and \
                self.first.year == self.last.year:
            return str(self.first.year)
        for quarter in range(1, 5):
            if self == Period.quarter(self.first.year, quarter):
                return f"{self.first.year}-Q{quarter}"
        if self == Period.month(self.first.year, self.first.month):
            return f"{self.first:%Y-%m}"
        return ""

    def __str__(self):
        return f"{self.first:%d/%m/%Y} – {self.last:%d/%m/%Y}"


class Figures:
    """The counts of one group over a period, and the indicators drawn from them."""

    def __init__(self, counts=None, durations=None):
        self.counts = defaultdict(int, counts or {})
        self.durations = defaultdict(int, durations or {})

    def add(self, counts):
        for name, value in counts.items():
            self.counts[name] += value or 0

    def __getitem__(self, key):
        return getattr(self, key)

    @property
    def received(self):
        return sum(self.counts[name] for name in RECEIVED)

    def __getattr__(self, name):
        if name in COUNTS or name in STOCK:
            return self.counts[name]
        raise AttributeError(name)

    @property
    def settled(self):
        return self.counts["settled_on_time"] + self.counts["settled_late"]

    @property
    def in_progress_on_time(self):
        return self.counts["in_progress"] - self.counts["in_progress_late"]

    @property
    def average_days(self):
        return _ratio(self.counts["settled_minutes"], self.settled * working_calendar().day_minutes)

    @property
    def median_days(self):
        total = sum(self.durations.values())
        if not total:
            return None
        seen = 0
        for days in sorted(self.durations):
            seen += self.durations[days]
            if seen * 2 >= total:
                return days

    @property
    def on_time_rate(self):
        return _ratio(self.settled_on_time + self.in_progress_on_time, self.settled + self.in_progress)

    @property
    def online_filing_rate(self):
        return _ratio(self.received_online + self.received_integrated, self.received)

    @property
    def full_online_rate(self):
        return _ratio(self.full_online, self.full_online_eligible)

    @property
    def online_payment_rate(self):
        return _ratio(self.paid_online, self.with_fees)

    @property
    def digitised_rate(self):
        return _ratio(self.digitised, self.received)

    @property
    def electronic_result_rate(self):
        return _ratio(self.results_electronic, self.settled_approved)

    @property
    def satisfaction_rate(self):
        if not self.settled:
            return None
        return _ratio(max(self.settled - self.dissatisfied - self.settled_late, 0), self.settled)

    @property
    def average_rating(self):
        return _ratio(self.rating_points, self.ratings)

    def as_dict(self):
        return {indicator.key: self[indicator.key] for indicator in INDICATORS}


def _ratio(part, whole):
    return part / whole if whole else None


@dataclass
class Row:
    key: object
    label: str
    figures: Figures


# Counting the events of a range of days, grouped by day, agency and procedure

def _bounds(first, last):
    tz = timezone.get_current_timezone()
    return (datetime.combine(first, time.min, tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz))


def _owner():
    return Coalesce("competent_agency", "receiving_agency")


def _grouped(queryset, moment, **counts):
    return (queryset.annotate(day=TruncDate(moment), owner=_owner()).values("day", "owner", "procedure_id")
            .annotate(**counts).order_by())


# Decided after the legal deadline, or after an apology: an apology does not make a dossier on time.
LATE_DECISION = Q(result_at__gt=F("due_at")) | Q(apology_count__gt=0)
# Its clock stood still when its deadline passed: waiting for the applicant, who owes a supplement or a payment.
STOOD_STILL_AT_DEADLINE = Q(state__in=[*Dossier.CLOCK_STOPPED_STATES, State.WITHDRAWAL_REQUESTED],
                            paused_at__lte=F("due_at"))


def count_events(first, last, *, dossiers=None, until=None):
    """Each (day, agency, procedure) with its counts for the days first..last. `until` stops the deadlines
    counted as passed at that moment (now, for today)."""
    start, end = _bounds(first, last)
    dossiers = dossiers if dossiers is not None else Dossier.objects.all()
    received = dossiers.filter(received_at__gte=start, received_at__lt=end).annotate(
        has_online_payment=Exists(Payment.objects.filter(dossier=OuterRef("pk"), method=Payment.Method.ONLINE)),
        has_files=Exists(DossierDocument.objects.filter(dossier=OuterRef("pk"), is_current=True)),
    )
    eligible = Q(procedure_version__snapshot__online_level="full")
    filed_online = Q(channel__in=[Dossier.Channel.ONLINE, Dossier.Channel.INTEGRATED])
    closings = dossiers.filter(closed_at__gte=start, closed_at__lt=end,
                               state__in=CLOSED_UNDECIDED)
    settled = dossiers.filter(result_at__gte=start, result_at__lt=end)
    deadline_end = min(end, until) if until else end
    # Open when its deadline passed: not yet decided or closed then, nor stopped waiting for the applicant.
    overdue = (dossiers.filter(received_at__isnull=False, due_at__gte=start, due_at__lt=deadline_end)
               .exclude(result_at__lte=F("due_at"))
               .exclude(state__in=[State.WITHDRAWN, State.STOPPED], closed_at__lte=F("due_at"))
               .exclude(STOOD_STILL_AT_DEADLINE))
    ratings = Rating.objects.filter(rated_at__gte=start, rated_at__lt=end, dossier__in=dossiers).annotate(
        day=TruncDate("rated_at"),
        owner=Coalesce("dossier__competent_agency", "dossier__receiving_agency"),
        procedure_id=F("dossier__procedure_id"),
    ).values("day", "owner", "procedure_id").annotate(
        ratings=Count("pk"), rating_points=Sum("score"), dissatisfied=Count("pk", filter=Q(score__lte=2)),
    ).order_by()
    queries = [
        _grouped(received, "received_at",
                 received_online=Count("pk", filter=Q(channel=Dossier.Channel.ONLINE)),
                 received_counter=Count("pk", filter=Q(channel__in=[Dossier.Channel.COUNTER, Dossier.Channel.POST])),
                 received_integrated=Count("pk", filter=Q(channel=Dossier.Channel.INTEGRATED)),
                 full_online_eligible=Count("pk", filter=eligible),
                 full_online=Count("pk", filter=eligible & filed_online),
                 with_fees=Count("pk", filter=Q(fees_due__gt=0)),
                 paid_online=Count("pk", filter=Q(fees_due__gt=0, has_online_payment=True)),
                 digitised=Count("pk", filter=Q(has_files=True))),
        _grouped(settled, "result_at",
                 settled_on_time=Count("pk", filter=~LATE_DECISION),
                 settled_late=Count("pk", filter=LATE_DECISION),
                 settled_approved=Count("pk", filter=Q(outcome=Dossier.Outcome.APPROVED)),
                 results_electronic=Count("pk", filter=Q(outcome=Dossier.Outcome.APPROVED) & ~Q(result_file="")),
                 settled_minutes=Sum("working_minutes_taken"),
                 exits=Count("pk"),
                 overdue_exits=Count("pk", filter=Q(result_at__gt=F("due_at")))),
        _grouped(closings, "closed_at",
                 refused=Count("pk", filter=Q(state=State.REFUSED)),
                 withdrawn=Count("pk", filter=Q(state=State.WITHDRAWN)),
                 stopped=Count("pk", filter=Q(state=State.STOPPED)),
                 exits=Count("pk", filter=Q(received_at__isnull=False)),
                 overdue_exits=Count("pk", filter=Q(received_at__isnull=False, closed_at__gt=F("due_at")))),
        _grouped(overdue, "due_at", overdue_from=Count("pk")),
        ratings,
    ]
    rows = defaultdict(lambda: defaultdict(int))
    for query in queries:
        for values in query:
            counts = rows[values.pop("day"), values.pop("owner"), values.pop("procedure_id")]
            for name, value in values.items():
                counts[name] += value or 0
    return rows


def count_durations(first, last, *, dossiers=None):
    """(day, agency, procedure, working days taken rounded up) → dossiers decided."""
    start, end = _bounds(first, last)
    dossiers = dossiers if dossiers is not None else Dossier.objects.all()
    day_minutes = working_calendar().day_minutes
    query = (dossiers.filter(result_at__gte=start, result_at__lt=end, working_minutes_taken__isnull=False)
             .annotate(day=TruncDate("result_at"), owner=_owner(),
                       working_days=(F("working_minutes_taken") + (day_minutes - 1)) / day_minutes)
             .values("day", "owner", "procedure_id", "working_days").annotate(dossiers=Count("pk")).order_by())
    return {(row["day"], row["owner"], row["procedure_id"], row["working_days"]): row["dossiers"] for row in query}


# The nightly tallies

def refresh(first_day=None, last_day=None):
    """Recount the tallies of first_day..last_day and mark them complete through last_day when they join what was
    complete before. By default: from the first day not yet complete, or RECOUNT_DAYS back, up to yesterday."""
    last_day = last_day or timezone.localdate() - timedelta(days=1)
    with transaction.atomic():
        TallyRefresh.objects.get_or_create(pk=1)
        marker = TallyRefresh.objects.select_for_update().get(pk=1)
        complete = marker.complete_through
        first_event = None if complete else _first_event_day()
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
         .annotate(**{name: Sum(name) for name in COUNTS}).order_by()), batch_size=2000)
    MonthlyDurationTally.objects.bulk_create(
        (MonthlyDurationTally(**row) for row in DurationTally.objects.filter(day__range=months)
         .values("agency_id", "procedure_id", "working_days", month=TruncMonth("day"))
         .annotate(dossiers=Sum("dossiers")).order_by()), batch_size=2000)


def complete_through():
    marker = TallyRefresh.objects.first()
    return marker.complete_through if marker else None


def _first_event_day():
    """The first day anything was counted: a receipt, or a refusal at receipt."""
    moments = Dossier.objects.aggregate(received=Min("received_at"), closed=Min("closed_at"))
    moments = [moment for moment in moments.values() if moment]
    return timezone.localdate(min(moments)) if moments else None


# Reports

TIME_DIMENSIONS = ("month", "day")
# The groups that are catalogue entries, named by their codes outside OneStop.
GROUP_MODELS = {"agency": Agency, "commune": AdministrativeUnit, "field": Field, "procedure": Procedure}
GROUPS = (*GROUP_MODELS, *TIME_DIMENSIONS)


def codes(by, keys):
    """The codes of the catalogue entries `keys` of the groups of `by`."""
    return dict(GROUP_MODELS[by].objects.filter(pk__in=keys).values_list("pk", "code"))


def best_first(rows):
    """Rows by on-time rate, the best first and those with nothing handled last; otherwise in their order."""
    return sorted(rows, key=lambda row: (row.figures.on_time_rate is None, -(row.figures.on_time_rate or 0)))


def _scope(agency=None, commune=None, field=None, procedure=None):
    tally, live = Q(), Q()
    if agency is not None:
        tally &= Q(agency=agency)
        live &= Q(competent_agency=agency) | Q(competent_agency__isnull=True, receiving_agency=agency)
    if commune is not None:
        tally &= Q(agency__unit=commune, agency__kind__in=Agency.COMMUNE_LEVEL_KINDS)
        commune_agencies = Agency.objects.filter(unit=commune, kind__in=Agency.COMMUNE_LEVEL_KINDS)
        live &= (Q(competent_agency__in=commune_agencies)
                 | Q(competent_agency__isnull=True, receiving_agency__in=commune_agencies))
    if field is not None:
        tally &= Q(procedure__field=field)
        live &= Q(procedure__field=field)
    if procedure is not None:
        tally &= Q(procedure=procedure)
        live &= Q(procedure=procedure)
    return tally, live


def report(period, *, by=None, agency=None, commune=None, field=None, procedure=None, now=None):
    """The indicators of `period`, one Row per group of `by` (None: one row for the whole scope; "agency",
    "commune", "field", "procedure", "month" or "day"), within the scope given."""
    now = now or timezone.now()
    last = min(period.last, timezone.localdate(now))
    tally_scope, live_scope = _scope(agency, commune, field, procedure)
    complete = complete_through()
    groups = defaultdict(Figures)

    if complete:
        tallied_last = min(last, complete)
        if tallied_last >= period.first:
            for tallies in _parts(COUNTED, tally_scope, period.first, tallied_last, by):
                _add(groups, _sum(tallies, by, {name: Sum(name) for name in COUNTS}))
            for tallies in _parts(DURATIONS, tally_scope, period.first, tallied_last, by):
                _add_durations(groups, tallies, by)
        _add_running(groups, tally_scope, tallied_last, by, period)

    # Days not yet tallied are counted live: their events within the period, and every change to what is in
    # progress since the tallies end.
    live_first = max(period.first, complete + timedelta(days=1)) if complete else period.first
    running_first = complete + timedelta(days=1) if complete else min(_first_event_day() or last, period.first)
    if running_first <= last:
        key_of = _key_function(by)
        scope_key = ":".join(str(getattr(value, "pk", "")) for value in (agency, commune, field, procedure))
        events, durations = _counted_live(running_first, last, live_scope, scope_key, now)
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
    return _rows(groups, by, period)


# Counting live is shared by the reports of a page and of the next minute: at the end of a busy day it reads
# thousands of dossiers.
LIVE_SECONDS = 60


def _counted_live(first, last, scope, scope_key, now):
    key = f"indicators:live:{first}:{last}:{scope_key}"
    counted = cache.get(key)
    if counted is None:
        dossiers = Dossier.objects.filter(scope)
        counted = ({key: dict(counts) for key, counts in count_events(first, last, dossiers=dossiers,
                                                                        until=now).items()},
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
STOCK = {"in_progress": sum((F(name) for name in RECEIVED[1:]), F(RECEIVED[0])) - F("exits"),
         "in_progress_late": F("overdue_from") - F("overdue_exits")}


def _add_running(groups, scope, tallied_last, by, period):
    """In progress at the end of the period, or at the end of each of its months or days, as far as tallied."""
    sums = {name: Sum(value, output_field=IntegerField()) for name, value in STOCK.items()}
    if by not in TIME_DIMENSIONS:
        for tallies in _parts(COUNTED, scope, EPOCH, tallied_last):
            _add(groups, _sum(tallies, by, sums))
        return
    running = dict.fromkeys(STOCK, 0)
    for tallies in _parts(COUNTED, scope, EPOCH, period.first - timedelta(days=1)):
        for name, value in tallies.aggregate(**sums).items():
            running[name] += value or 0
    changes = defaultdict(lambda: defaultdict(int))
    for tallies in _parts(COUNTED, scope, period.first, tallied_last, by):
        for row in _sum(tallies, by, sums):
            for name in STOCK:
                changes[row["key"]][name] += row[name] or 0
    for key in _period_keys(by, period):
        for name in STOCK:
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
    """The dossiers behind the late figures: settled late in the period, or still open past their deadline at
    its end."""
    start, end = _bounds(period.first, period.last)
    _, live_scope = _scope(agency, commune, field, procedure)
    settled_late = Q(result_at__gte=start, result_at__lt=end) & LATE_DECISION
    open_late = (Q(received_at__lt=end, due_at__lt=min(end, timezone.now()))
                 & (Q(result_at__isnull=True) | Q(result_at__gte=end))
                 & ~Q(state__in=CLOSED_UNDECIDED, closed_at__lt=end)
                 & ~STOOD_STILL_AT_DEADLINE)
    return (Dossier.objects.filter(live_scope).filter(settled_late | open_late)
            .select_related("procedure", "competent_agency").order_by("due_at"))
