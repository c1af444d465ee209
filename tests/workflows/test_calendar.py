"""The working-day clock, table-driven, one row per rule: the day of receipt is not counted (Civil Code 2015
arts. 147–148), fractions and hours count by the minute, same-day procedures and their cut-off, weekends, Tết,
30/4–1/5, 2/9 with its adjacent day, make-up Saturdays, a receipt on a holiday, and the configured working day."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from workflows.worktime.calendar import SlaStatus, TimeLimit, WorkingCalendar, parse_periods
from workflows.worktime.clock import working_calendar
from workflows.worktime.models import CalendarException

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# What the government announced for 2026 beyond the holiday rules (the seed ships the same).
NEW_YEAR_2026_SWAP = {"days_off": {date(2026, 1, 2): "Nghỉ bù Tết Dương lịch"},
                      "working": {date(2026, 1, 10): "Làm bù ngày 02/01/2026"}}


def at(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(scope="module")
def calendar():
    return WorkingCalendar(timezone=TZ, first_year=2024, last_year=2028,
                           extra_days_off=NEW_YEAR_2026_SWAP["days_off"],
                           extra_working_days=NEW_YEAR_2026_SWAP["working"])


DAYS, HOURS, SAME_DAY = TimeLimit.DAYS, TimeLimit.HOURS, TimeLimit.SAME_DAY
SAME_DAY_CUTOFF = "15:00"  # what the civil-status procedures publish, and the settings' default


@pytest.mark.parametrize(
    ("received", "amount", "unit", "expected"),
    [
        # DOMAIN.md's worked examples
        pytest.param(at(2026, 3, 13, 16, 30), 1, DAYS, at(2026, 3, 16, 17), id="friday-afternoon-1-day-monday"),
        pytest.param(at(2026, 3, 16, 7, 30), 1, DAYS, at(2026, 3, 17, 17), id="at-opening-day-of-receipt-not-counted"),
        pytest.param(at(2026, 3, 16, 6, 30), 1, DAYS, at(2026, 3, 17, 17), id="before-opening-day-not-counted"),
        pytest.param(at(2026, 3, 16, 17, 30), 1, DAYS, at(2026, 3, 17, 17), id="after-closing-next-day"),
        pytest.param(at(2026, 3, 14, 9), 1, DAYS, at(2026, 3, 16, 17), id="saturday-receipt-monday"),
        pytest.param(at(2026, 3, 16, 9), 5, DAYS, at(2026, 3, 23, 17), id="five-days-over-a-weekend"),
        pytest.param(at(2026, 2, 13, 10), 5, DAYS, at(2026, 2, 27, 17), id="tet-2026-last-day-before"),
        pytest.param(at(2026, 4, 29, 9), 3, DAYS, at(2026, 5, 6, 17), id="30-4-and-1-5"),
        # holidays, swaps and make-up Saturdays
        pytest.param(at(2026, 4, 30, 9), 1, DAYS, at(2026, 5, 4, 17), id="received-on-a-holiday"),
        pytest.param(at(2026, 8, 28, 10), 1, DAYS, at(2026, 9, 3, 17), id="2-9-with-adjacent-day-and-swap"),
        pytest.param(at(2026, 8, 21, 10), 1, DAYS, at(2026, 8, 22, 17), id="make-up-saturday-22-8"),
        pytest.param(at(2025, 12, 31, 10), 1, DAYS, at(2026, 1, 5, 17), id="new-year-2026-swap-day-off"),
        pytest.param(at(2026, 1, 9, 10), 1, DAYS, at(2026, 1, 10, 17), id="make-up-saturday-10-1"),
        pytest.param(at(2026, 4, 24, 9), 1, DAYS, at(2026, 4, 28, 17), id="hung-kings-observed-monday"),
        pytest.param(at(2026, 11, 23, 10), 1, DAYS, at(2026, 11, 24, 17), id="culture-day-only-if-announced"),
        pytest.param(at(2027, 2, 3, 14), 2, DAYS, at(2027, 2, 12, 17), id="tet-2027"),
        # fractions of a day and hours: by the minute from receipt
        pytest.param(at(2026, 3, 16, 9), 0.5, DAYS, at(2026, 3, 16, 15), id="half-day-same-afternoon"),
        pytest.param(at(2026, 3, 16, 15, 30), 0.5, DAYS, at(2026, 3, 17, 9, 30), id="half-day-into-next-morning"),
        pytest.param(at(2026, 3, 16, 9), 1.5, DAYS, at(2026, 3, 17, 15), id="day-and-a-half"),
        pytest.param(at(2026, 3, 16, 10), 4, HOURS, at(2026, 3, 16, 16), id="four-hours-over-lunch"),
        pytest.param(at(2026, 3, 16, 6), 2, HOURS, at(2026, 3, 16, 9), id="hours-from-opening"),
        pytest.param(at(2026, 3, 16, 17, 30), 2, HOURS, at(2026, 3, 17, 9), id="hours-after-closing"),
        pytest.param(at(2026, 3, 16, 9), 8, HOURS, at(2026, 3, 17, 9), id="eight-hours-is-one-working-day"),
        # same-day procedures, cut-off 15:00
        pytest.param(at(2026, 3, 16, 9), 8, SAME_DAY, at(2026, 3, 16, 17), id="same-day-before-cutoff"),
        pytest.param(at(2026, 3, 16, 15), 8, SAME_DAY, at(2026, 3, 16, 17), id="same-day-at-cutoff"),
        pytest.param(at(2026, 3, 16, 15, 30), 8, SAME_DAY, at(2026, 3, 17, 17), id="same-day-after-cutoff"),
        pytest.param(at(2026, 3, 16, 6, 45), 8, SAME_DAY, at(2026, 3, 16, 17), id="same-day-before-opening"),
        pytest.param(at(2026, 3, 13, 15, 30), 8, SAME_DAY, at(2026, 3, 16, 17), id="same-day-friday-after-cutoff"),
        pytest.param(at(2026, 3, 14, 9), 8, SAME_DAY, at(2026, 3, 16, 17), id="same-day-saturday"),
        pytest.param(at(2026, 2, 13, 16), 8, SAME_DAY, at(2026, 2, 23, 17), id="same-day-after-cutoff-before-tet"),
    ],
)
def test_appointment(calendar, received, amount, unit, expected):
    assert calendar.due(received, TimeLimit.of(amount, unit, SAME_DAY_CUTOFF if unit == SAME_DAY else None)) == expected


def test_a_procedure_sets_its_own_cutoff(calendar):
    assert calendar.due(at(2026, 3, 16, 15, 30), TimeLimit.of(8, SAME_DAY, "16:00")) == at(2026, 3, 16, 17)
    assert calendar.due(at(2026, 3, 16, 16, 5), TimeLimit.of(8, SAME_DAY, "16:00")) == at(2026, 3, 17, 17)


@pytest.mark.parametrize(
    ("received", "limit", "expected"),
    [
        pytest.param(at(2026, 3, 16, 9), TimeLimit.of(1, DAYS), at(2026, 3, 17, 16, 30), id="a-day-closes-at-16-30"),
        pytest.param(at(2026, 3, 16, 10), TimeLimit.of(4, HOURS), at(2026, 3, 16, 15), id="hours-over-a-short-lunch"),
        pytest.param(at(2026, 3, 16, 9), TimeLimit.of("0.5", DAYS), at(2026, 3, 16, 14), id="half-of-8-hours"),
    ],
)
def test_a_province_working_half_past_seven_to_half_past_four(received, limit, expected):
    province = WorkingCalendar(timezone=TZ, first_year=2026, last_year=2026,
                               periods=parse_periods("07:30-12:00,13:00-16:30"))
    assert province.day_minutes == 480
    assert province.due(received, limit) == expected


def test_one_working_day_is_the_configured_day():
    short_days = WorkingCalendar(timezone=TZ, first_year=2026, last_year=2026,
                                 periods=parse_periods("07:30-11:30,13:30-17:00"))
    assert short_days.length(TimeLimit.of(1, DAYS)) == 450
    assert short_days.length(TimeLimit.of("0.5", DAYS)) == 225
    assert short_days.length(TimeLimit.of(8, HOURS)) == 480


def test_a_pause_stops_the_clock_until_resubmission(calendar):
    limit = TimeLimit.of(5, DAYS)
    original = calendar.due(at(2026, 3, 2, 8), limit)
    assert original == at(2026, 3, 9, 17)
    resumed = calendar.resume(original, paused_at=at(2026, 3, 3, 10), resumed_at=at(2026, 3, 9, 9),
                              whole_days=True, counted_from=calendar.counting_start(at(2026, 3, 2, 8), limit))
    assert resumed == at(2026, 3, 13, 17)


def test_a_pause_before_the_count_began_gives_the_whole_limit_back(calendar):
    limit = TimeLimit.of(5, DAYS)
    original = calendar.due(at(2026, 3, 2, 8), limit)
    resumed = calendar.resume(original, paused_at=at(2026, 3, 2, 10), resumed_at=at(2026, 3, 4, 9),
                              whole_days=True, counted_from=calendar.counting_start(at(2026, 3, 2, 8), limit))
    assert resumed == at(2026, 3, 11, 17)


def test_a_pause_over_tet_in_hours(calendar):
    original = calendar.due(at(2026, 2, 12, 9), TimeLimit.of(16, HOURS))
    resumed = calendar.resume(original, paused_at=at(2026, 2, 12, 10), resumed_at=at(2026, 2, 23, 10),
                              whole_days=False)
    assert calendar.working_minutes_between(at(2026, 2, 12, 9), original) == 16 * 60
    assert calendar.working_minutes_between(at(2026, 2, 23, 10), resumed) == 16 * 60 - 60


@pytest.mark.parametrize(
    ("now", "status", "left"),
    [
        pytest.param(at(2026, 3, 9, 9), SlaStatus.ON_TIME, 480 + 360, id="day-before"),
        pytest.param(at(2026, 3, 10, 9), SlaStatus.DUE_SOON, 360, id="due-day"),
        pytest.param(at(2026, 3, 10, 17, 1), SlaStatus.OVERDUE, 0, id="just-late"),
        pytest.param(at(2026, 3, 11, 9), SlaStatus.OVERDUE, -120, id="late-by-two-hours"),
    ],
)
def test_clock_reading(calendar, now, status, left):
    reading = calendar.read(at(2026, 3, 10, 17), now, due_soon_minutes=480)
    assert (reading.status, reading.working_minutes_left) == (status, left)


def test_paused_reading_keeps_the_time_left(calendar):
    reading = calendar.read(at(2026, 3, 10, 17), at(2026, 3, 20, 9), due_soon_minutes=480, paused_remaining=700)
    assert (reading.status, reading.working_minutes_left) == (SlaStatus.PAUSED, 700)


@pytest.mark.parametrize("text", ["11:30-07:30", "07:30-11:30,11:00-17:00", "07:30"])
def test_bad_working_periods_are_refused(text):
    with pytest.raises(ValueError):
        parse_periods(text)


def test_outside_the_calendar_years_is_a_clear_error(calendar):
    with pytest.raises(ValueError, match="2024–2028"):
        calendar.due(at(2031, 1, 6, 9), TimeLimit.of(1, DAYS))


@pytest.mark.django_db
def test_administrators_add_days_off_and_make_up_saturdays():
    one_day = TimeLimit.of(1, DAYS)
    assert working_calendar().due(at(2026, 3, 9, 18), one_day) == at(2026, 3, 10, 17)

    CalendarException.objects.create(day=date(2026, 3, 10), kind="day_off", name="Nghỉ bù theo quyết định")
    assert working_calendar().due(at(2026, 3, 9, 18), one_day) == at(2026, 3, 11, 17)

    CalendarException.objects.create(day=date(2026, 3, 7), kind="working_day", name="Làm bù thứ Bảy")
    assert working_calendar().due(at(2026, 3, 6, 16), one_day) == at(2026, 3, 7, 17)

    CalendarException.objects.create(day=date(2026, 8, 22), kind="day_off", name="Hủy làm bù")
    assert not working_calendar().is_working_day(date(2026, 8, 22))

    CalendarException.objects.create(day=date(2026, 11, 24), kind="day_off", name="Ngày Văn hóa Việt Nam")
    assert not working_calendar().is_working_day(date(2026, 11, 24))

    CalendarException.objects.filter(day=date(2026, 3, 10)).delete()
    assert working_calendar().is_working_day(date(2026, 3, 10))


def test_due_dates_for_many_dossiers_use_the_cached_calendar(calendar):
    deadlines = {calendar.due(at(2026, 2, 13, 9), TimeLimit.of(days, DAYS)) for days in range(1, 31)}
    assert len(deadlines) == 30


def test_same_day_steps_share_hours():
    assert TimeLimit.of(8, SAME_DAY, SAME_DAY_CUTOFF).share("1") == TimeLimit.of(1, HOURS)
    assert TimeLimit.of(5, DAYS).share("0.5") == TimeLimit.of("0.5", DAYS)



def test_a_same_day_limit_without_its_cutoff_is_refused():
    with pytest.raises(ValueError, match="cut-off"):
        TimeLimit.of(8, SAME_DAY)
