"""Office calendar: Polish holidays, days off, DST-correct windows (regulamin § 29 hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from itops.calendar import (
    WEEKDAYS,
    DayInfo,
    OfficeCalendar,
    Schedule,
    TimeRange,
    parse_time_range,
)
from itops.intervals import Interval

WARSAW = ZoneInfo("Europe/Warsaw")
HOUR = 3600.0

# Regulamin pracy, § 29 ust. 1: Mondays 8:00-16:00, Tuesday to Friday 7:30-15:30.
MRAGOWO_HOURS: dict[int, tuple[TimeRange, ...]] = {
    0: (parse_time_range("08:00-16:00"),),
    **{weekday: (parse_time_range("07:30-15:30"),) for weekday in range(1, 5)},
}


def office(**overrides: object) -> OfficeCalendar:
    """The Mrągowo calendar, with selected Schedule fields replaced."""
    fields: dict[str, object] = {"hours": MRAGOWO_HOURS}
    fields.update(overrides)
    return OfficeCalendar(Schedule(**fields))  # type: ignore[arg-type]


def every_day(text: str) -> dict[int, tuple[TimeRange, ...]]:
    return {weekday: (parse_time_range(text),) for weekday in range(7)}


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW)


def windows(intervals: list[Interval]) -> list[tuple[datetime, datetime]]:
    return [(i.start, i.end) for i in intervals]


MRAGOWO = office()


# --- parse_time_range -----------------------------------------------------------------------


def test_weekdays_start_on_monday() -> None:
    assert WEEKDAYS[0] == "monday"
    assert WEEKDAYS[6] == "sunday"
    assert len(WEEKDAYS) == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:30-15:30", (time(7, 30), time(15, 30))),
        ("08:00-16:00", (time(8), time(16))),
        ("7:30-15:30", (time(7, 30), time(15, 30))),
        (" 07:30 - 15:30 ", (time(7, 30), time(15, 30))),
        ("00:00-23:59", (time(0), time(23, 59))),
        ("20:00-24:00", (time(20), time(0))),
        ("00:00-24:00", (time(0), time(0))),
    ],
)
def test_parse_time_range_accepts(text: str, expected: tuple[time, time]) -> None:
    assert parse_time_range(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", 'expected "HH:MM-HH:MM"'),
        ("07:30", 'expected "HH:MM-HH:MM"'),
        ("0730-1530", 'expected "HH:MM-HH:MM"'),
        ("07:30-15:30-16:00", 'expected "HH:MM-HH:MM"'),
        ("7.30-15.30", 'expected "HH:MM-HH:MM"'),
        ("07:3-15:30", 'expected "HH:MM-HH:MM"'),
        ("25:00-26:00", "hour must be 00-23"),
        ("07:00-25:00", "hour must be 00-23"),
        ("24:00-24:00", "hour must be 00-23"),
        ("23:00-24:30", "hour must be 00-23"),
        ("07:60-15:00", "minutes must be 00-59"),
        ("07:00-15:75", "minutes must be 00-59"),
        ("15:30-07:30", "end must be after start"),
        ("08:00-08:00", "end must be after start"),
        ("08:00-00:00", "end must be after start"),
    ],
)
def test_parse_time_range_rejects_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_time_range(text)


# --- Schedule validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"hours": {7: (parse_time_range("08:00-16:00"),)}}, "weekday must be 0"),
        ({"hours": {0: ((time(16), time(8)),)}}, "monday: end must be after start"),
        ({"hours": MRAGOWO_HOURS, "timezone": "Europe/Mragowo"}, "unknown time zone"),
        ({"hours": MRAGOWO_HOURS, "holidays": "XX"}, "no statutory holidays known"),
    ],
)
def test_schedule_rejects_invalid_rules(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Schedule(**fields)  # type: ignore[arg-type]


def test_schedule_is_not_changed_by_mutating_the_mapping_it_was_built_from() -> None:
    hours = dict(MRAGOWO_HOURS)
    schedule = Schedule(hours=hours)
    hours[5] = (parse_time_range("08:00-12:00"),)
    assert 5 not in schedule.hours


def test_equal_schedules_compare_and_hash_equal() -> None:
    assert Schedule(hours=MRAGOWO_HOURS) == Schedule(hours=dict(MRAGOWO_HOURS))
    assert hash(Schedule(hours=MRAGOWO_HOURS)) == hash(Schedule(hours=dict(MRAGOWO_HOURS)))


# --- holidays -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # New Year, Thursday
        (date(2026, 1, 6), False),  # Epiphany, Tuesday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),  # the Tuesday after
        (date(2026, 6, 4), False),  # Corpus Christi, Thursday
        (date(2026, 6, 5), True),  # the Friday after: no bridge day unless declared
        (date(2026, 11, 11), False),  # Independence Day, Wednesday
        (date(2027, 3, 29), False),  # Easter Monday 2027
        (date(2027, 5, 27), False),  # Corpus Christi 2027
        (date(2027, 5, 3), False),  # Constitution Day 2027, Monday
        (date(2026, 3, 2), True),  # an ordinary Monday
        (date(2026, 3, 7), False),  # an ordinary Saturday
        (date(2026, 3, 8), False),  # an ordinary Sunday
    ],
)
def test_statutory_holidays_and_weekends_are_not_working_days(day: date, working: bool) -> None:
    assert MRAGOWO.is_working_day(day) is working


def test_easter_monday_2026_has_its_polish_name() -> None:
    assert MRAGOWO.holiday_name(date(2026, 4, 6)) == "Poniedziałek Wielkanocny"
    assert MRAGOWO.holiday_name(date(2026, 4, 7)) is None


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_24_december_is_a_holiday_from_2025(year: int) -> None:
    christmas_eve = date(year, 12, 24)
    assert MRAGOWO.holiday_name(christmas_eve) == "Wigilia Bożego Narodzenia"
    assert not MRAGOWO.is_working_day(christmas_eve)
    assert MRAGOWO.day_intervals(christmas_eve) == []


def test_24_december_is_not_a_holiday_in_2024() -> None:
    christmas_eve = date(2024, 12, 24)  # a Tuesday
    assert MRAGOWO.holiday_name(christmas_eve) is None
    assert MRAGOWO.local_ranges(christmas_eve) == (parse_time_range("07:30-15:30"),)


def test_without_a_holiday_country_holidays_are_working_days() -> None:
    calendar = office(holidays=None)
    assert calendar.holiday_name(date(2026, 4, 6)) is None
    assert calendar.is_working_day(date(2026, 4, 6))


# --- extra days off and extra working days --------------------------------------------------


def test_extra_day_off_closes_a_working_day() -> None:
    calendar = office(extra_days_off=frozenset({date(2026, 8, 14)}))
    assert not calendar.is_working_day(date(2026, 8, 14))
    assert calendar.day_intervals(date(2026, 8, 14)) == []
    assert calendar.is_working_day(date(2026, 8, 13))


def test_extra_working_saturday_follows_friday_hours() -> None:
    saturday = date(2026, 1, 10)
    calendar = office(extra_working_days=frozenset({saturday}))
    assert calendar.local_ranges(saturday) == (parse_time_range("07:30-15:30"),)
    assert windows(calendar.day_intervals(saturday)) == [
        (utc(2026, 1, 10, 6, 30), utc(2026, 1, 10, 14, 30))
    ]


def test_extra_working_sunday_follows_friday_hours_when_saturday_is_closed() -> None:
    sunday = date(2026, 1, 11)
    calendar = office(extra_working_days=frozenset({sunday}))
    assert calendar.local_ranges(sunday) == (parse_time_range("07:30-15:30"),)


def test_extra_working_day_uses_its_own_weekday_hours_when_it_has_some() -> None:
    saturday = date(2026, 1, 10)
    hours = dict(MRAGOWO_HOURS)
    hours[5] = (parse_time_range("09:00-13:00"),)
    calendar = office(hours=hours, extra_working_days=frozenset({saturday}))
    assert calendar.local_ranges(saturday) == (parse_time_range("09:00-13:00"),)


def test_extra_working_day_on_a_holiday_is_worked_with_its_weekday_hours() -> None:
    independence_day = date(2026, 11, 11)  # a Wednesday
    calendar = office(extra_working_days=frozenset({independence_day}))
    assert calendar.local_ranges(independence_day) == (parse_time_range("07:30-15:30"),)


def test_extra_working_day_wins_over_an_extra_day_off() -> None:
    day = date(2026, 8, 14)
    calendar = office(extra_days_off=frozenset({day}), extra_working_days=frozenset({day}))
    assert calendar.is_working_day(day)


def test_extra_working_monday_with_no_monday_hours_follows_sunday_back_to_friday() -> None:
    hours = {weekday: (parse_time_range("07:30-15:30"),) for weekday in range(1, 5)}
    monday = date(2026, 3, 2)
    calendar = office(hours=hours, extra_working_days=frozenset({monday}))
    assert calendar.local_ranges(monday) == (parse_time_range("07:30-15:30"),)


# --- several ranges in one day --------------------------------------------------------------

SPLIT_DAY = office(
    hours={
        weekday: (parse_time_range("07:30-11:00"), parse_time_range("11:30-15:30"))
        for weekday in range(5)
    }
)


def test_several_ranges_in_one_day_become_separate_windows() -> None:
    assert windows(SPLIT_DAY.day_intervals(date(2026, 3, 3))) == [
        (utc(2026, 3, 3, 6, 30), utc(2026, 3, 3, 10, 0)),
        (utc(2026, 3, 3, 10, 30), utc(2026, 3, 3, 14, 30)),
    ]
    assert SPLIT_DAY.working_seconds(local(2026, 3, 3), local(2026, 3, 4)) == 7.5 * HOUR


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (local(2026, 3, 3, 10, 59), True),
        (local(2026, 3, 3, 11, 0), False),
        (local(2026, 3, 3, 11, 15), False),
        (local(2026, 3, 3, 11, 30), True),
    ],
)
def test_the_break_between_ranges_is_not_working_time(moment: datetime, is_open: bool) -> None:
    assert SPLIT_DAY.is_open(moment) is is_open


def test_ranges_given_out_of_order_are_sorted() -> None:
    calendar = office(hours={0: (parse_time_range("11:30-15:30"), parse_time_range("07:30-11:00"))})
    assert calendar.local_ranges(date(2026, 3, 2)) == (
        parse_time_range("07:30-11:00"),
        parse_time_range("11:30-15:30"),
    )


# --- DST: windows built per local day -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        # Spring forward on Sunday 2026-03-29 (CET +01 → CEST +02).
        (date(2026, 3, 27), utc(2026, 3, 27, 6, 30), utc(2026, 3, 27, 14, 30)),  # Fri, CET
        (date(2026, 3, 30), utc(2026, 3, 30, 6, 0), utc(2026, 3, 30, 14, 0)),  # Mon, CEST
        (date(2026, 3, 31), utc(2026, 3, 31, 5, 30), utc(2026, 3, 31, 13, 30)),  # Tue, CEST
        # Fall back on Sunday 2026-10-25 (CEST +02 → CET +01).
        (date(2026, 10, 23), utc(2026, 10, 23, 5, 30), utc(2026, 10, 23, 13, 30)),  # Fri, CEST
        (date(2026, 10, 26), utc(2026, 10, 26, 7, 0), utc(2026, 10, 26, 15, 0)),  # Mon, CET
        (date(2026, 10, 27), utc(2026, 10, 27, 6, 30), utc(2026, 10, 27, 14, 30)),  # Tue, CET
    ],
)
def test_office_opens_at_the_same_local_time_on_both_sides_of_a_dst_change(
    day: date, start: datetime, end: datetime
) -> None:
    assert windows(MRAGOWO.day_intervals(day)) == [(start, end)]


@pytest.mark.parametrize("sunday", [date(2026, 3, 29), date(2026, 10, 25)])
def test_dst_change_sundays_are_closed_for_the_office(sunday: date) -> None:
    assert MRAGOWO.day_intervals(sunday) == []


@pytest.mark.parametrize(
    ("day", "text", "start", "end", "hours"),
    [
        ("2026-03-29", "08:00-16:00", utc(2026, 3, 29, 6, 0), utc(2026, 3, 29, 14, 0), 8),
        ("2026-10-25", "08:00-16:00", utc(2026, 10, 25, 7, 0), utc(2026, 10, 25, 15, 0), 8),
        ("2026-03-29", "00:00-24:00", utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0), 23),
        ("2026-10-25", "00:00-24:00", utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0), 25),
        # The change hour inside the window: an hour less in spring, one more in autumn.
        ("2026-03-29", "01:00-04:00", utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 2, 0), 2),
        ("2026-10-25", "01:00-04:00", utc(2026, 10, 24, 23, 0), utc(2026, 10, 25, 3, 0), 4),
        # fold=0: an ambiguous 02:30 is its first (CEST) occurrence; a nonexistent 02:30 is
        # read with the pre-change offset (= 03:30 CEST).
        ("2026-10-25", "02:30-05:00", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 4, 0), 3.5),
        ("2026-03-29", "02:30-05:00", utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 3, 0), 1.5),
    ],
)
def test_dst_change_day_windows_for_a_schedule_that_works_on_sunday(
    day: str, text: str, start: datetime, end: datetime, hours: float
) -> None:
    calendar = office(hours=every_day(text), holidays=None)
    result = calendar.day_intervals(date.fromisoformat(day))
    assert windows(result) == [(start, end)]
    assert result[0].seconds == hours * HOUR


@pytest.mark.parametrize(
    ("monday", "next_monday"),
    [(date(2026, 3, 23), date(2026, 3, 30)), (date(2026, 10, 19), date(2026, 10, 26))],
    ids=["spring-forward week", "fall-back week"],
)
def test_week_spanning_a_dst_change_has_five_eight_hour_days(
    monday: date, next_monday: date
) -> None:
    start = datetime.combine(monday, time(0), tzinfo=WARSAW)
    end = datetime.combine(next_monday, time(0), tzinfo=WARSAW)
    assert MRAGOWO.working_seconds(start, end) == 5 * 8 * HOUR
    assert len(MRAGOWO.working_intervals_between(monday, next_monday)) == 5


@pytest.mark.parametrize(
    ("monday", "hours"),
    [(date(2026, 3, 23), 7 * 24 - 1), (date(2026, 10, 19), 7 * 24 + 1)],
    ids=["spring-forward week", "fall-back week"],
)
def test_round_the_clock_week_spanning_a_dst_change_gains_or_loses_an_hour(
    monday: date, hours: int
) -> None:
    calendar = office(hours=every_day("00:00-24:00"), holidays=None)
    result = calendar.working_intervals_between(monday, monday + timedelta(days=7))
    assert len(result) == 1  # midnight-to-midnight windows merge into one
    assert result[0].seconds == hours * HOUR


# --- working_intervals clipping, is_open, working_seconds -----------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            utc(2026, 3, 3, 10, 0),
            utc(2026, 3, 5, 9, 0),
            [
                (utc(2026, 3, 3, 10, 0), utc(2026, 3, 3, 14, 30)),
                (utc(2026, 3, 4, 6, 30), utc(2026, 3, 4, 14, 30)),
                (utc(2026, 3, 5, 6, 30), utc(2026, 3, 5, 9, 0)),
            ],
        ),
        (
            local(2026, 3, 3, 0, 0),
            local(2026, 3, 4, 0, 0),
            [(utc(2026, 3, 3, 6, 30), utc(2026, 3, 3, 14, 30))],
        ),
        (
            utc(2026, 3, 3, 7, 15, 30),
            utc(2026, 3, 3, 7, 15, 45),
            [(utc(2026, 3, 3, 7, 15, 30), utc(2026, 3, 3, 7, 15, 45))],
        ),
        (utc(2026, 3, 3, 14, 30), utc(2026, 3, 4, 6, 30), []),  # between two windows
        (utc(2026, 3, 6, 20, 0), utc(2026, 3, 9, 6, 0), []),  # a weekend
        (utc(2026, 3, 3, 12, 0), utc(2026, 3, 3, 12, 0), []),  # an empty range
        (
            utc(2026, 4, 3, 12, 0),  # Good Friday (worked) to after Easter Monday
            utc(2026, 4, 7, 12, 0),
            [
                (utc(2026, 4, 3, 12, 0), utc(2026, 4, 3, 13, 30)),
                (utc(2026, 4, 7, 5, 30), utc(2026, 4, 7, 12, 0)),
            ],
        ),
    ],
)
def test_working_intervals_are_clipped_to_the_requested_range(
    start: datetime, end: datetime, expected: list[tuple[datetime, datetime]]
) -> None:
    assert windows(MRAGOWO.working_intervals(start, end)) == expected


def test_working_intervals_reject_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        MRAGOWO.working_intervals(datetime(2026, 3, 3), utc(2026, 3, 4))  # noqa: DTZ001


def test_working_intervals_reject_an_inverted_range() -> None:
    with pytest.raises(ValueError, match="before its start"):
        MRAGOWO.working_intervals(utc(2026, 3, 4), utc(2026, 3, 3))


def test_working_intervals_between_excludes_the_until_day() -> None:
    result = MRAGOWO.working_intervals_between(date(2026, 3, 2), date(2026, 3, 4))
    assert windows(result) == [
        (utc(2026, 3, 2, 7, 0), utc(2026, 3, 2, 15, 0)),
        (utc(2026, 3, 3, 6, 30), utc(2026, 3, 3, 14, 30)),
    ]


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (utc(2026, 3, 30, 5, 59, 59), False),  # Monday 07:59:59 CEST
        (utc(2026, 3, 30, 6, 0), True),  # Monday 08:00 CEST: opening instant is inside
        (utc(2026, 3, 30, 13, 59, 59), True),
        (utc(2026, 3, 30, 14, 0), False),  # 16:00 CEST: closing instant is outside
        (local(2026, 3, 31, 7, 30), True),  # Tuesday opens at 7:30
        (local(2026, 3, 30, 7, 30), False),  # but Monday at 8:00
        (local(2026, 3, 28, 10, 0), False),  # Saturday
        (local(2026, 4, 6, 10, 0), False),  # Easter Monday
        (local(2026, 12, 24, 10, 0), False),  # Christmas Eve
    ],
)
def test_is_open(moment: datetime, is_open: bool) -> None:
    assert MRAGOWO.is_open(moment) is is_open


def test_is_open_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        MRAGOWO.is_open(datetime(2026, 3, 30, 10))  # noqa: DTZ001


def test_working_seconds_for_2026_are_eight_hours_per_working_day() -> None:
    statutory = holidays.country_holidays("PL", years=2026)
    working_days = 0
    day = date(2026, 1, 1)
    while day.year == 2026:
        if day.weekday() < 5 and day not in statutory:
            working_days += 1
        day += timedelta(days=1)
    assert working_days == 253  # 261 weekdays minus 8 holidays on weekdays
    total = MRAGOWO.working_seconds(local(2026, 1, 1), local(2027, 1, 1))
    assert total == working_days * 8 * HOUR


# --- days() for the dashboard ---------------------------------------------------------------


def test_days_describe_each_local_day() -> None:
    calendar = office(
        extra_days_off=frozenset({date(2026, 4, 7)}),
        extra_working_days=frozenset({date(2026, 4, 11)}),
    )
    tuesday_to_friday = (parse_time_range("07:30-15:30"),)
    assert calendar.days(date(2026, 4, 5), date(2026, 4, 12)) == [
        DayInfo(date(2026, 4, 5), (), "Niedziela Wielkanocna", False, False),
        DayInfo(date(2026, 4, 6), (), "Poniedziałek Wielkanocny", False, False),
        DayInfo(date(2026, 4, 7), (), None, True, False),
        DayInfo(date(2026, 4, 8), tuesday_to_friday, None, False, False),
        DayInfo(date(2026, 4, 9), tuesday_to_friday, None, False, False),
        DayInfo(date(2026, 4, 10), tuesday_to_friday, None, False, False),
        DayInfo(date(2026, 4, 11), tuesday_to_friday, None, False, True),
    ]


@pytest.mark.parametrize(
    ("info", "working"),
    [
        (DayInfo(date(2026, 4, 6), (), "Poniedziałek Wielkanocny", False, False), False),
        (DayInfo(date(2026, 4, 8), (parse_time_range("07:30-15:30"),), None, False, False), True),
    ],
)
def test_day_info_is_working_when_it_has_ranges(info: DayInfo, working: bool) -> None:
    assert info.working is working


def test_days_is_empty_when_until_is_not_after_first() -> None:
    assert MRAGOWO.days(date(2026, 4, 5), date(2026, 4, 5)) == []


# --- Saturday holidays (art. 130 § 2 Kodeks pracy) ------------------------------------------

ASSUMPTION_2026 = (date(2026, 8, 15), "Wniebowzięcie Najświętszej Marii Panny")
BOXING_DAY_2026 = (date(2026, 12, 26), "Boże Narodzenie (drugi dzień)")
LABOUR_DAY_2027 = (date(2027, 5, 1), "Święto Państwowe")
CHRISTMAS_2027 = (date(2027, 12, 25), "Boże Narodzenie (pierwszy dzień)")


def test_saturday_holidays_of_2026_and_2027_per_the_holidays_package() -> None:
    saturdays = [
        day for day in holidays.country_holidays("PL", years=[2026, 2027]) if day.weekday() == 5
    ]
    assert sorted(saturdays) == [
        ASSUMPTION_2026[0],
        BOXING_DAY_2026[0],
        LABOUR_DAY_2027[0],
        CHRISTMAS_2027[0],
    ]


@pytest.mark.parametrize(
    ("days_off", "years", "expected"),
    [
        ([], [2026], [ASSUMPTION_2026, BOXING_DAY_2026]),
        ([date(2026, 8, 14)], [2026], [BOXING_DAY_2026]),
        ([date(2026, 8, 14), date(2026, 12, 31)], [2026], []),
        ([date(2026, 12, 31)], [2026], [BOXING_DAY_2026]),  # paired in date order
        ([], [2027], [LABOUR_DAY_2027, CHRISTMAS_2027]),
        ([date(2027, 5, 4), date(2027, 12, 27)], [2027], []),
        ([date(2026, 8, 14)], [2026, 2027], [BOXING_DAY_2026, LABOUR_DAY_2027, CHRISTMAS_2027]),
        ([date(2025, 12, 29)], [2026], [ASSUMPTION_2026, BOXING_DAY_2026]),  # other year's day
        ([date(2026, 8, 16)], [2026], [ASSUMPTION_2026, BOXING_DAY_2026]),  # a Sunday: no gain
        ([date(2026, 12, 24)], [2026], [ASSUMPTION_2026, BOXING_DAY_2026]),  # already a holiday
        ([], [], []),
    ],
)
def test_saturday_holiday_is_reported_until_an_extra_day_off_is_declared(
    days_off: list[date], years: list[int], expected: list[tuple[date, str]]
) -> None:
    calendar = office(extra_days_off=frozenset(days_off))
    assert calendar.saturday_holidays_without_day_off(years) == expected


def test_saturday_holiday_2024_epiphany_without_day_off() -> None:
    assert MRAGOWO.saturday_holidays_without_day_off([2024]) == [
        (date(2024, 1, 6), "Święto Trzech Króli")
    ]


def test_saturday_holiday_needs_no_day_off_when_saturdays_are_worked() -> None:
    hours = dict(MRAGOWO_HOURS)
    hours[5] = (parse_time_range("08:00-12:00"),)
    assert office(hours=hours).saturday_holidays_without_day_off([2026]) == []


def test_saturday_holiday_without_holiday_country_is_never_reported() -> None:
    assert office(holidays=None).saturday_holidays_without_day_off([2026]) == []
