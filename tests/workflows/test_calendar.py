"""The working-day clock, table-driven: weekends, Tết, National Day, make-up Saturdays, cut-offs, hours, pauses."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from workflows.worktime.calendar import SlaStatus, WorkingCalendar, parse_periods
from workflows.worktime.clock import working_calendar
from workflows.worktime.models import CalendarException

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(scope="module")
def calendar():
    return WorkingCalendar(timezone=TZ, first_year=2024, last_year=2028)


def due(calendar, received, amount, unit, cutoff=None):
    return calendar.add(received, calendar.minutes_for(amount, unit), whole_days=unit == "days", cutoff=cutoff)


@pytest.mark.parametrize(
    ("received", "amount", "unit", "cutoff", "expected"),
    [
        pytest.param(at(2026, 3, 9, 7, 30), 1, "days", None, at(2026, 3, 9, 17), id="full-day-from-opening"),
        pytest.param(at(2026, 3, 6, 10), 1, "days", None, at(2026, 3, 9, 17), id="friday-over-the-weekend"),
        pytest.param(at(2026, 3, 8, 10), 1, "days", None, at(2026, 3, 9, 17), id="filed-on-sunday"),
        pytest.param(at(2026, 3, 9, 18), 1, "days", None, at(2026, 3, 10, 17), id="after-closing-next-morning"),
        pytest.param(at(2026, 3, 9, 12, 30), 0.5, "days", None, at(2026, 3, 10, 17), id="lunch-break-half-day"),
        pytest.param(at(2026, 2, 13, 9), 3, "days", None, at(2026, 2, 25, 17), id="tet-2026"),
        pytest.param(at(2027, 2, 3, 14), 2, "days", None, at(2027, 2, 12, 17), id="tet-2027"),
        pytest.param(at(2026, 8, 28, 15), 1, "days", None, at(2026, 9, 3, 17), id="national-day-2026"),
        pytest.param(at(2026, 8, 21, 16), 1, "days", None, at(2026, 8, 22, 17), id="make-up-saturday-2026-08-22"),
        pytest.param(at(2026, 11, 23, 10), 1, "days", None, at(2026, 11, 25, 17), id="vietnam-cultural-day"),
        pytest.param(at(2026, 3, 9, 10), 8, "hours", None, at(2026, 3, 10, 10, 30), id="hours-overnight"),
        pytest.param(at(2026, 3, 9, 11), 1, "hours", None, at(2026, 3, 9, 14), id="hours-over-lunch"),
        pytest.param(at(2026, 3, 9, 15, 30), 4, "hours", None, at(2026, 3, 10, 10), id="hours-no-cutoff"),
        pytest.param(at(2026, 3, 9, 15, 30), 4, "hours", time(15), at(2026, 3, 10, 11, 30), id="after-cutoff"),
        pytest.param(at(2026, 3, 9, 14, 59), 4, "hours", time(15), at(2026, 3, 10, 9, 29), id="before-cutoff"),
        pytest.param(at(2026, 3, 6, 15, 30), 1, "days", time(15), at(2026, 3, 9, 17), id="cutoff-on-friday"),
        pytest.param(at(2026, 4, 24, 9), 1, "days", None, at(2026, 4, 28, 17), id="hung-kings-observed-2026"),
    ],
)
def test_deadline(calendar, received, amount, unit, cutoff, expected):
    assert due(calendar, received, amount, unit, cutoff) == expected


def test_a_pause_stops_the_clock_until_resubmission(calendar):
    original = due(calendar, at(2026, 3, 2, 8), 5, "days")
    assert original == at(2026, 3, 9, 17)
    resumed = calendar.resume_deadline(
        original, paused_at=at(2026, 3, 3, 10), resumed_at=at(2026, 3, 9, 9), whole_days=True
    )
    assert resumed == at(2026, 3, 13, 17)


def test_a_pause_over_tet_in_hours(calendar):
    original = due(calendar, at(2026, 2, 12, 9), 16, "hours")
    resumed = calendar.resume_deadline(
        original, paused_at=at(2026, 2, 12, 10), resumed_at=at(2026, 2, 23, 10), whole_days=False
    )
    assert calendar.working_minutes_between(at(2026, 2, 12, 9), original) == 16 * 60
    assert calendar.working_minutes_between(at(2026, 2, 23, 10), resumed) == 16 * 60 - 60


@pytest.mark.parametrize(
    ("now", "status", "left"),
    [
        pytest.param(at(2026, 3, 9, 9), SlaStatus.ON_TIME, 450 + 360, id="day-before"),
        pytest.param(at(2026, 3, 10, 9), SlaStatus.DUE_SOON, 360, id="due-day"),
        pytest.param(at(2026, 3, 10, 17, 1), SlaStatus.OVERDUE, 0, id="just-late"),
        pytest.param(at(2026, 3, 11, 9), SlaStatus.OVERDUE, -90, id="late-by-ninety-minutes"),
    ],
)
def test_clock_reading(calendar, now, status, left):
    reading = calendar.read(at(2026, 3, 10, 17), now, due_soon_minutes=450)
    assert (reading.status, reading.working_minutes_left) == (status, left)


def test_paused_reading_keeps_the_time_left(calendar):
    reading = calendar.read(at(2026, 3, 10, 17), at(2026, 3, 20, 9), due_soon_minutes=450, paused_remaining=700)
    assert (reading.status, reading.working_minutes_left) == (SlaStatus.PAUSED, 700)


def test_a_province_working_seven_to_half_past_eleven(calendar):
    province = WorkingCalendar(timezone=TZ, first_year=2026, last_year=2026,
                               periods=parse_periods("07:00-11:30,13:30-17:00"))
    assert province.day_minutes == 480
    assert province.add(at(2026, 3, 9, 7, 0), 8 * 60) == at(2026, 3, 9, 17)


@pytest.mark.parametrize("text", ["11:30-07:30", "07:30-11:30,11:00-17:00", "07:30"])
def test_bad_working_periods_are_refused(text):
    with pytest.raises(ValueError):
        parse_periods(text)


def test_outside_the_calendar_years_is_a_clear_error(calendar):
    with pytest.raises(ValueError, match="2024–2028"):
        calendar.add(at(2031, 1, 6, 9), 450)


@pytest.mark.django_db
def test_administrators_add_days_off_and_make_up_saturdays():
    assert working_calendar().add(at(2026, 3, 9, 18), 450, whole_days=True) == at(2026, 3, 10, 17)

    CalendarException.objects.create(day=date(2026, 3, 10), kind="day_off", name="Nghỉ bù theo quyết định")
    assert working_calendar().add(at(2026, 3, 9, 18), 450, whole_days=True) == at(2026, 3, 11, 17)

    CalendarException.objects.create(day=date(2026, 3, 7), kind="working_day", name="Làm bù thứ Bảy")
    assert working_calendar().add(at(2026, 3, 6, 16), 450, whole_days=True) == at(2026, 3, 7, 17)

    CalendarException.objects.create(day=date(2026, 8, 22), kind="day_off", name="Hủy làm bù")
    assert not working_calendar().is_working_day(date(2026, 8, 22))

    CalendarException.objects.filter(day=date(2026, 3, 10)).delete()
    assert working_calendar().is_working_day(date(2026, 3, 10))


def test_due_dates_for_many_dossiers_use_the_cached_calendar(calendar):
    received = at(2026, 2, 13, 9)
    deadlines = {calendar.add(received, minutes, whole_days=True) for minutes in range(0, 450 * 30, 450)}
    assert len(deadlines) == 30
