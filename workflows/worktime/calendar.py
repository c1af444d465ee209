"""The working-day clock: which days and hours count, and when a time limit ends.

Time is measured as a position on a line of working minutes: position 0 is the start of the first working day the
calendar knows, and every working day adds its working minutes (480 with the default 07:00–11:30 and 13:30–17:00).
Adding a time limit is then an addition, and the time between two moments a subtraction, whatever weekends, public
holidays and make-up Saturdays lie between them. No Django import: the calendar is built from plain data.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import holidays as holiday_rules

DEFAULT_PERIODS = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))


def parse_periods(text):
    """ "07:30-11:30,13:30-17:00" -> ((07:30, 11:30), (13:30, 17:00)), checked for order and overlap."""
    periods = []
    for chunk in text.split(","):
        start, end = (time.fromisoformat(part.strip()) for part in chunk.split("-"))
        if end <= start or (periods and start < periods[-1][1]):
            raise ValueError(f"working periods must be ordered and not overlap: {text!r}")
        periods.append((start, end))
    if not periods:
        raise ValueError("at least one working period is needed")
    return tuple(periods)


def _minutes(moment_of_day):
    """Whole minutes since midnight: the clock counts in minutes, seconds never move a deadline."""
    return moment_of_day.hour * 60 + moment_of_day.minute


@dataclass(frozen=True)
class TimeLimit:
    """A time limit as the law states it: N working days, N working hours, or "within the working day, the next
    one when received after the cut-off"."""

    DAYS, HOURS, SAME_DAY = "days", "hours", "same_day"

    amount: Decimal
    unit: str
    cutoff: time | None = None  # a same-day procedure's: the catalogue or the settings give it

    @classmethod
    def of(cls, amount, unit, cutoff=None):
        """From the catalogue's fields (numbers and times as stored, or as their text)."""
        if isinstance(cutoff, str):
            cutoff = time.fromisoformat(cutoff)
        if unit not in (cls.DAYS, cls.HOURS, cls.SAME_DAY):
            raise ValueError(f"unknown time-limit unit {unit!r}")
        if unit == cls.SAME_DAY and cutoff is None:
            raise ValueError("a same-day time limit needs its cut-off")
        return cls(Decimal(str(amount)), unit, cutoff)

    @classmethod
    def days(cls, amount):
        return cls.of(amount, cls.DAYS)

    @property
    def in_whole_days(self):
        """Counted by the day and ending at a closing time; a fraction of a day counts by the minute."""
        return self.unit == self.SAME_DAY or (self.unit == self.DAYS and self.amount == self.amount.to_integral())

    def share(self, amount):
        """A step's share of this limit, in the unit the steps count in (hours for a same-day procedure)."""
        return TimeLimit.of(amount, self.HOURS if self.unit == self.SAME_DAY else self.unit)


class SlaStatus:
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    PAUSED = "paused"


@dataclass(frozen=True)
class ClockReading:
    due_at: datetime
    working_minutes_left: int  # negative: late by that many working minutes
    status: str

    @property
    def hours_left(self):
        return round(max(self.working_minutes_left, 0) / 60, 1)

    @property
    def late_hours(self):
        return round(max(-self.working_minutes_left, 0) / 60, 1)


class WorkingCalendar:
    def __init__(
        self,
        *,
        timezone,
        first_year,
        last_year,
        periods=DEFAULT_PERIODS,
        extra_days_off=(),
        extra_working_days=(),
    ):
        self.timezone = timezone
        self.first_year, self.last_year = first_year, last_year
        self.periods = tuple((_minutes(start), _minutes(end)) for start, end in periods)
        self.day_minutes = sum(end - start for start, end in self.periods)
        rules = holiday_rules.VN(years=range(first_year, last_year + 1))
        # Vietnam Culture Day is a day off only if the Labour Code says so: administrators add it as an exception.
        self._days_off = {day: name for day, name in rules.items() if (day.month, day.day) != (11, 24)}
        self._working_exceptions = dict.fromkeys(rules.weekend_workdays, "")
        # What the administrators announced overrides the library, which learns of yearly decisions late.
        for day, name in dict(extra_days_off).items():
            self._days_off[day] = name
            self._working_exceptions.pop(day, None)
        for day, name in dict(extra_working_days).items():
            self._working_exceptions[day] = name
            self._days_off.pop(day, None)
        first, last = date(first_year, 1, 1).toordinal(), date(last_year, 12, 31).toordinal()
        self._working_ordinals = [
            ordinal for ordinal in range(first, last + 1) if self.is_working_day(date.fromordinal(ordinal))
        ]

    # Days

    def is_working_day(self, day):
        if day in self._working_exceptions:
            return True
        return day.weekday() < 5 and day not in self._days_off

    # Positions on the line of working minutes

    def position(self, moment):
        """Working minutes from the calendar's origin to this moment; off hours map to the next working minute."""
        local = moment.astimezone(self.timezone)
        index = self._day_index(local.date())
        if self._working_ordinals[index] != local.date().toordinal():
            return index * self.day_minutes
        minute = _minutes(local.time())
        offset = sum(min(max(minute - start, 0), end - start) for start, end in self.periods)
        return index * self.day_minutes + offset

    def moment(self, position):
        """The wall-clock time of a position; the boundary between two days is the first day's closing time."""
        index, offset = divmod(position, self.day_minutes)
        if offset == 0 and index > 0:
            index, offset = index - 1, self.day_minutes
        if not 0 <= index < len(self._working_ordinals):
            raise ValueError(f"the working calendar covers {self.first_year}–{self.last_year} only")
        day = date.fromordinal(self._working_ordinals[index])
        for start, end in self.periods:
            length = end - start
            if offset <= length:
                minute = start + offset
                break
            offset -= length
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.timezone)

    def _next_working_day_index(self, day):
        index = bisect_right(self._working_ordinals, day.toordinal())
        if index >= len(self._working_ordinals):
            raise ValueError(f"the working calendar covers {self.first_year}–{self.last_year} only")
        return index

    def _day_index(self, day):
        index = bisect_left(self._working_ordinals, day.toordinal())
        if index >= len(self._working_ordinals) or day.year < self.first_year:
            raise ValueError(f"the working calendar covers {self.first_year}–{self.last_year} only")
        return index

    # What a dossier asks of the clock

    def counting_start(self, received_at, limit):
        """Where a time limit starts counting. In whole days the day of receipt is never counted, whatever the hour
        (Civil Code 2015 arts. 147–148); a same-day procedure counts today until its cut-off; hours and fractions
        of a day count from the minute of receipt."""
        local = received_at.astimezone(self.timezone)
        if limit.unit == TimeLimit.SAME_DAY:
            if self.is_working_day(local.date()) and local.time() <= limit.cutoff:
                return self._day_index(local.date()) * self.day_minutes
            return self._next_working_day_index(local.date()) * self.day_minutes
        if limit.in_whole_days:
            return self._next_working_day_index(local.date()) * self.day_minutes
        return self.position(received_at)

    def due(self, received_at, limit):
        """The appointment: the closing time of the N-th working day after the day of receipt, or the exact
        working minute a limit in hours or in a fraction of a day ends at."""
        return self.moment(self.counting_start(received_at, limit) + self.length(limit))

    def length(self, limit):
        """A time limit in working minutes; one working day is the configured day, however long."""
        if limit.unit == TimeLimit.SAME_DAY:
            return self.day_minutes
        factor = self.day_minutes if limit.unit == TimeLimit.DAYS else 60
        return round(limit.amount * factor)

    def add(self, start, minutes):
        """The moment `minutes` working minutes after `start`, to the exact minute."""
        return self.moment(self.position(start) + minutes)

    def resume(self, due_at, *, paused_at, resumed_at, whole_days, counted_from=0):
        """The deadline after a pause: the clock stopped at `paused_at` (or had not started yet: `counted_from`)
        with some working time left, and starts again at `resumed_at` with exactly that time; a limit in whole
        days still ends at a closing time."""
        remaining = self.position(due_at) - max(self.position(paused_at), counted_from)
        end = self.position(resumed_at) + remaining
        if whole_days:
            end = -(-end // self.day_minutes) * self.day_minutes
        return self.moment(end)

    def working_minutes_between(self, earlier, later):
        """Working minutes from one moment to another; negative when `later` is before `earlier`."""
        return self.position(later) - self.position(earlier)

    def read(self, due_at, now, *, due_soon_minutes, paused_remaining=None):
        """Due at, time left (or late by) and on time / due soon / overdue / paused, as of `now`."""
        if paused_remaining is not None:
            return ClockReading(due_at, paused_remaining, SlaStatus.PAUSED)
        left = self.working_minutes_between(now, due_at)
        if now > due_at:
            return ClockReading(due_at, min(left, 0), SlaStatus.OVERDUE)
        status = SlaStatus.DUE_SOON if left <= due_soon_minutes else SlaStatus.ON_TIME
        return ClockReading(due_at, left, status)
