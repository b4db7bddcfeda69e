"""Office working time (hours, Polish holidays, office days off) as UTC intervals.

Availability is measured only while the office works, so outages are intersected with these
windows. Windows are built per *local calendar day* through ``zoneinfo`` (local wall-clock time
→ UTC), never as fixed offsets from a week start: on the DST change days an office opening at
8:00 still opens at 8:00 local time, and the change-over Sunday itself lasts 23 or 25 hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from itops.intervals import Interval, clip, normalize, total_seconds

__all__ = [
    "WEEKDAYS",
    "DayInfo",
    "OfficeCalendar",
    "Schedule",
    "TimeRange",
    "parse_time_range",
]

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

TimeRange = tuple[time, time]
"""A local ``(start, end)`` pair; an end of ``time(0, 0)`` means midnight at the end of the day."""

_MIDNIGHT = time(0, 0)
_RANGE_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
_ONE_DAY = timedelta(days=1)


def parse_time_range(text: str) -> TimeRange:
    """Parse ``"07:30-15:30"`` into ``(time(7, 30), time(15, 30))``.

    ``"24:00"`` is accepted as an end only and returned as ``time(0, 0)``, meaning midnight at
    the end of the day (``time`` cannot hold 24:00). Raises ValueError with a reason a person
    editing the configuration can act on.
    """
    match = _RANGE_RE.fullmatch(text)
    if match is None:
        raise ValueError(f'expected "HH:MM-HH:MM", got {text!r}')
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    for hour, minute, is_end in ((start_h, start_m, False), (end_h, end_m, True)):
        if minute > 59:
            raise ValueError(f"minutes must be 00-59 in {text!r}")
        if hour > 23 and not (is_end and hour == 24 and minute == 0):
            raise ValueError(f"hour must be 00-23 (24:00 only as an end) in {text!r}")
    start = time(start_h, start_m)
    end = _MIDNIGHT if end_h == 24 else time(end_h, end_m)
    if end_h != 24 and end <= start:
        raise ValueError(f"end must be after start in {text!r}")
    return start, end


def _check_range(weekday: int, time_range: TimeRange) -> None:
    start, end = time_range
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError(f"{WEEKDAYS[weekday]}: working hours must be local times without tzinfo")
    if end != _MIDNIGHT and end <= start:
        raise ValueError(f"{WEEKDAYS[weekday]}: end must be after start in {start}-{end}")


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """An office's working-time rules, validated on construction.

    ``hours`` maps a weekday (0 = Monday) to one or more local ranges; a missing weekday is
    closed. ``holidays`` is a country code for the ``holidays`` package (None = no statutory
    holidays). The dataclass is keyword-only because ``hours`` has no sensible default but
    follows ``timezone``, which does.
    """

    timezone: str = "Europe/Warsaw"
    hours: Mapping[int, tuple[TimeRange, ...]] = field(hash=False)
    holidays: str | None = "PL"
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc
        if self.holidays is not None and not _known_country(self.holidays):
            raise ValueError(f"no statutory holidays known for country code {self.holidays!r}")
        hours: dict[int, tuple[TimeRange, ...]] = {}
        for weekday, ranges in self.hours.items():
            if not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
            frozen = tuple((start, end) for start, end in ranges)
            for time_range in frozen:
                _check_range(weekday, time_range)
            if frozen:
                hours[weekday] = tuple(sorted(frozen))
        # Defensive copies: the schedule is shared by long-lived calendars and must not change.
        object.__setattr__(self, "hours", MappingProxyType(hours))
        object.__setattr__(self, "extra_days_off", frozenset(self.extra_days_off))
        object.__setattr__(self, "extra_working_days", frozenset(self.extra_working_days))


@cache
def _known_country(code: str) -> bool:
    """Whether the package knows ``code``: imports that one country, not all ~200.

    ``list_supported_countries()`` imported every country module: 0.3-0.6 s of each
    command that builds a calendar (``itops availability``, ``itops kpi``).
    """
    try:
        holidays_lib.country_holidays(code)
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class DayInfo:
    """One local day as the dashboard shows it.

    ``ranges`` are the hours actually worked that day (empty when closed), so ``working`` is
    simply whether there are any; ``holiday`` is set even when an extra working day overrides it.
    """

    day: date
    ranges: tuple[TimeRange, ...]
    holiday: str | None
    extra_day_off: bool
    extra_working_day: bool

    @property
    def working(self) -> bool:
        return bool(self.ranges)


class OfficeCalendar:
    """Answers "when does this office work?" as local ranges or UTC intervals.

    A day is worked when it is in ``extra_working_days``; otherwise not when it is a statutory
    holiday or in ``extra_days_off``; otherwise when its weekday has ranges. An extra working
    day uses its own weekday's ranges if that weekday has any, else those of the nearest
    preceding weekday that has (a worked Saturday follows Friday's hours).

    Local times are converted with ``fold=0`` (PEP 495): an ambiguous time in the repeated
    autumn hour means its first (summer-time) occurrence, and a nonexistent time in the skipped
    spring hour is read with the pre-change offset, so 02:30 becomes 03:30 CEST. Office hours
    never touch 02:00-03:00; for round-the-clock schedules the change day is simply 23 or 25
    hours long.
    """

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.tz = ZoneInfo(schedule.timezone)
        self._holiday_years: dict[int, dict[date, str]] = {}
        self._extra_day_ranges = tuple(self._borrowed_ranges(w) for w in range(7))

    def _borrowed_ranges(self, weekday: int) -> tuple[TimeRange, ...]:
        """Ranges for an extra working day: own weekday's, else the nearest preceding one's."""
        for back in range(7):
            ranges = self.schedule.hours.get((weekday - back) % 7, ())
            if ranges:
                return ranges
        return ()

    def _holidays_of(self, year: int) -> dict[date, str]:
        """Statutory holidays of one year, built once: the package is slow to expand a year."""
        cached = self._holiday_years.get(year)
        if cached is None:
            code = self.schedule.holidays
            if code is None:
                cached = {}
            else:
                # The language is pinned because the package otherwise follows the process
                # locale, and names would differ between the daemon and the tests.
                language = holidays_lib.country_holidays(code).default_language
                table = holidays_lib.country_holidays(code, years=year, language=language)
                cached = dict(table.items())
            self._holiday_years[year] = cached
        return cached

    def holiday_name(self, day: date) -> str | None:
        """The statutory holiday's name (in the country's language), or None."""
        return self._holidays_of(day.year).get(day)

    def local_ranges(self, day: date) -> tuple[TimeRange, ...]:
        """The local ranges actually worked on ``day``; empty when the office is closed."""
        schedule = self.schedule
        if day in schedule.extra_working_days:
            return self._extra_day_ranges[day.weekday()]
        if day in schedule.extra_days_off or day in self._holidays_of(day.year):
            return ()
        return schedule.hours.get(day.weekday(), ())

    def is_working_day(self, day: date) -> bool:
        return bool(self.local_ranges(day))

    def _utc(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz).astimezone(UTC)

    def day_intervals(self, day: date) -> list[Interval]:
        """That local day's working windows in UTC (normalized; empty when closed)."""
        result: list[Interval] = []
        for start, end in self.local_ranges(day):
            end_day = day + _ONE_DAY if end == _MIDNIGHT else day
            result.append(Interval(self._utc(day, start), self._utc(end_day, end)))
        return normalize(result)

    def working_intervals_between(self, first: date, until: date) -> list[Interval]:
        """Working windows of the local days ``first`` up to but excluding ``until``."""
        result: list[Interval] = []
        day = first
        while day < until:
            result.extend(self.day_intervals(day))
            day += _ONE_DAY
        return normalize(result)

    def working_intervals(self, start: datetime, end: datetime) -> list[Interval]:
        """Working windows clipped to ``[start, end)``; both must be timezone-aware."""
        window = Interval(start, end)
        # One local day of margin each side, so no zone offset can push a window out of reach.
        first = window.start.astimezone(self.tz).date() - _ONE_DAY
        until = window.end.astimezone(self.tz).date() + 2 * _ONE_DAY
        return clip(self.working_intervals_between(first, until), window.start, window.end)

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working time in ``[start, end)`` in seconds."""
        return total_seconds(self.working_intervals(start, end))

    def is_open(self, at: datetime) -> bool:
        """Whether the instant ``at`` (timezone-aware) falls within working time."""
        instant = Interval(at, at).start  # validated as aware and converted to UTC
        local_day = instant.astimezone(self.tz).date()
        for day in (local_day - _ONE_DAY, local_day):
            for window in self.day_intervals(day):
                if window.start <= instant < window.end:
                    return True
        return False

    def days(self, first: date, until: date) -> list[DayInfo]:
        """A DayInfo for each local day from ``first`` up to but excluding ``until``."""
        result: list[DayInfo] = []
        day = first
        while day < until:
            result.append(
                DayInfo(
                    day=day,
                    ranges=self.local_ranges(day),
                    holiday=self.holiday_name(day),
                    extra_day_off=day in self.schedule.extra_days_off,
                    extra_working_day=day in self.schedule.extra_working_days,
                )
            )
            day += _ONE_DAY
        return result

    def saturday_holidays_without_day_off(self, years: Iterable[int]) -> list[tuple[date, str]]:
        """Saturday holidays not yet balanced by an office day off (art. 130 § 2 Kodeks pracy).

        A holiday on a Saturday shortens the working time, so staff are owed another day off.
        Per year, that year's Saturday holidays and its extra days off are paired in date order;
        the holidays left over are returned. Only days off that would otherwise be worked
        count (a day off on a Sunday or a holiday gives nobody anything), and nothing is
        owed when the schedule itself works on Saturdays (the holiday is then the day off).
        """
        saturday = 5
        if self.schedule.hours.get(saturday):
            return []
        result: list[tuple[date, str]] = []
        for year in sorted(set(years)):
            holidays = self._holidays_of(year)
            owed = sorted((d, name) for d, name in holidays.items() if d.weekday() == saturday)
            granted = sum(
                1
                for day in self.schedule.extra_days_off
                if day.year == year
                and day not in self.schedule.extra_working_days
                and day not in holidays
                and self.schedule.hours.get(day.weekday())
            )
            result.extend(owed[granted:])
        return result
