"""The working calendar as this installation configures it, built once per process and rebuilt when an
administrator changes a calendar exception."""

import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .calendar import TimeLimit, WorkingCalendar, parse_periods
from .models import CalendarException

VERSION_KEY = "worktime:calendar-version"
# How long a process trusts its calendar before asking the shared cache whether an administrator changed it.
RECHECK_SECONDS = 2
_built = {"version": None, "calendar": None, "checked_at": float("-inf")}


def working_calendar():
    """The calendar for this process, rebuilt within seconds of a change made in any process."""
    now = time.monotonic()
    if _built["calendar"] is not None and now - _built["checked_at"] < RECHECK_SECONDS:
        return _built["calendar"]
    version = cache.get(VERSION_KEY, 0)
    if _built["calendar"] is None or _built["version"] != version:
        _built["calendar"] = build_calendar()
        _built["version"] = version
    _built["checked_at"] = now
    return _built["calendar"]


def build_calendar():
    exceptions = CalendarException.objects.values_list("day", "kind", "name")
    today = timezone.localdate()
    return WorkingCalendar(
        timezone=ZoneInfo(settings.TIME_ZONE),
        first_year=today.year - settings.ONESTOP_CALENDAR_YEARS_BACK,
        last_year=today.year + settings.ONESTOP_CALENDAR_YEARS_AHEAD,
        periods=parse_periods(settings.ONESTOP_WORKING_PERIODS),
        extra_days_off={day: name for day, kind, name in exceptions if kind == CalendarException.Kind.DAY_OFF},
        extra_working_days={day: name for day, kind, name in exceptions if kind == CalendarException.Kind.WORKING_DAY},
    )


def working_days_after(moment, days, calendar=None):
    """The closing time of the N-th working day after the day of `moment`, as time limits in days are counted."""
    return (calendar or working_calendar()).due(moment, TimeLimit.days(days))


def calendar_changed(**kwargs):
    """Every process rebuilds its calendar at its next use."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)
    _built["calendar"] = None


def read_clock(dossier, now=None, *, due_at=None):
    """The dossier's clock against its legal deadline, or against `due_at` (e.g. its current step's)."""
    due_at = due_at or dossier.due_at
    if due_at is None:
        return None
    calendar = working_calendar()
    paused_remaining = None
    if dossier.paused_at is not None:
        paused_remaining = calendar.working_minutes_between(dossier.paused_at, due_at)
    return calendar.read(
        due_at,
        now or dossier.result_at or timezone.now(),
        due_soon_minutes=settings.ONESTOP_DUE_SOON_WORKING_HOURS * 60,
        paused_remaining=paused_remaining,
    )
