"""The working-day clock: which days and hours count, and when a time limit ends.

Time is measured as a position on a line of working minutes: position 0 is the start of the first working day the
calendar knows, and every working day adds its working minutes (450 with the default 07:30–11:30 and 13:30–17:00).
Adding a time limit is then an addition, and the time between two moments a subtraction, whatever weekends, public
holidays and make-up Saturdays lie between them. No Django import: the calendar is built from plain data.
"""

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, time

import holidays as holiday_rules

DEFAULT_PERIODS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))


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
        self._days_off = dict(rules.items())
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

    def _day_index(self, day):
        index = bisect_left(self._working_ordinals, day.toordinal())
        if index >= len(self._working_ordinals) or day.year < self.first_year:
            raise ValueError(f"the working calendar covers {self.first_year}–{self.last_year} only")
        return index

    # What a dossier asks of the clock

    def clock_start(self, received_at, *, cutoff=None):
        """Where the time limit starts counting: received after closing time or after the procedure's cut-off,
        it counts from the next working morning."""
        position = self.position(received_at)
        local = received_at.astimezone(self.timezone)
        if cutoff is not None and self.is_working_day(local.date()) and local.time() >= cutoff:
            position = (position // self.day_minutes + 1) * self.day_minutes
        return position

    def deadline(self, start_position, minutes, *, whole_days):
        """The end of a time limit: in days it runs to the close of the working day it lands on; in hours, to the
        exact working minute."""
        end = start_position + minutes
        if whole_days:
            end = -(-end // self.day_minutes) * self.day_minutes if end > 0 else self.day_minutes
        return self.moment(end)

    def add(self, start, minutes, *, whole_days=False, cutoff=None):
        return self.deadline(self.clock_start(start, cutoff=cutoff), minutes, whole_days=whole_days)

    def working_minutes_between(self, earlier, later):
        """Working minutes from one moment to another; negative when `later` is before `earlier`."""
        return self.position(later) - self.position(earlier)

    def minutes_for(self, amount, unit):
        """A time limit or share as working minutes; `unit` is "days" or "hours"."""
        factor = self.day_minutes if unit == "days" else 60
        return round(float(amount) * factor)

    def resume_deadline(self, due_at, *, paused_at, resumed_at, whole_days):
        """The deadline after a pause: the clock stopped at `paused_at` with some working time left and starts
        again at `resumed_at` with exactly that time."""
        remaining = self.position(due_at) - self.position(paused_at)
        return self.deadline(self.position(resumed_at), remaining, whole_days=whole_days)

    def read(self, due_at, now, *, due_soon_minutes, paused_remaining=None):
        """Due at, time left (or late by) and on time / due soon / overdue / paused, as of `now`."""
        if paused_remaining is not None:
            return ClockReading(due_at, paused_remaining, SlaStatus.PAUSED)
        left = self.working_minutes_between(now, due_at)
        if now > due_at:
            return ClockReading(due_at, min(left, 0), SlaStatus.OVERDUE)
        status = SlaStatus.DUE_SOON if left <= due_soon_minutes else SlaStatus.ON_TIME
        return ClockReading(due_at, left, status)
