"""Report periods: a year, a quarter, a month, or any span of days."""

import re
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(month, count):
    """The first day of the month `count` months after (or before) the month starting on `month`."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


FIRST_YEAR, LAST_YEAR = 2000, 2100


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
            # The trend reaches a year back and the figures a day on: 9999-12-31 would step out of the calendar.
            if first.year < FIRST_YEAR or last.year > LAST_YEAR:
                raise ValueError("year out of range")
            return cls(first, last)
        if not re.fullmatch(r"[0-9]{4}(-([Qq][1-4]|[0-9]{1,2}))?", text or ""):
            raise ValueError("not a period")
        year, _, part = text.partition("-")
        year = int(year)
        if not FIRST_YEAR <= year <= LAST_YEAR:
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
