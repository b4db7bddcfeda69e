"""Planned maintenance windows from ``[[maintenance]]`` and the ``maintenance_window`` table.

Recurring windows are expanded per *local* calendar day through ``zoneinfo`` (never as
offsets from a week start), so "Sunday 02:00-04:00" stays at that wall-clock time across
DST changes. ``silence_alerts`` and ``exclude_from_availability`` are independent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.availability.config import MAINTENANCE, Maintenance
from itops.calendar import WEEKDAYS, TimeRange, parse_time_range
from itops.config import Settings
from itops.config_types import PerLanguage
from itops.intervals import Interval, normalize

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """One maintenance window, whatever its source; ``one_off`` or ``weekdays``+``hours``.

    ``name`` is a config text (``text_for``: a string, or per language from the config).
    """

    name: str | PerLanguage
    checks: frozenset[str]
    unit: str | None
    silence_alerts: bool
    exclude_from_availability: bool
    one_off: Interval | None = None
    weekdays: frozenset[int] = frozenset()
    hours: TimeRange | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    source: str = "config"

    def applies_to(self, check: str, unit: str) -> bool:
        """Whether the window covers ``check`` (of ``unit``): empty ``checks`` = all."""
        if self.checks and check not in self.checks:
            return False
        return self.unit is None or self.unit == unit

    def intervals(self, first: date, until: date, tz: ZoneInfo) -> list[Interval]:
        """UTC intervals of this window touching the local days ``first`` .. ``until``."""
        if self.one_off is not None:
            return [self.one_off]
        assert self.hours is not None  # noqa: S101 - guaranteed by the constructors
        start_t, end_t = self.hours
        out: list[Interval] = []
        day = first - _ONE_DAY
        while day < until + _ONE_DAY:
            valid = (self.valid_from is None or day >= self.valid_from) and (
                self.valid_until is None or day <= self.valid_until
            )
            if valid and day.weekday() in self.weekdays:
                end_day = day + _ONE_DAY if end_t == time(0) else day
                out.append(
                    Interval(
                        datetime.combine(day, start_t, tzinfo=tz),
                        datetime.combine(end_day, end_t, tzinfo=tz),
                    )
                )
            day += _ONE_DAY
        return normalize(out)


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    """Config times without an offset are local office time."""
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def from_config(item: Maintenance, tz: ZoneInfo) -> Window:
    if item.start is not None and item.end is not None:
        one_off: Interval | None = Interval(_aware(item.start, tz), _aware(item.end, tz))
        hours = None
    else:
        one_off, hours = None, parse_time_range(item.hours or "")
    return Window(
        name=item.name,
        checks=frozenset(item.checks),
        unit=item.unit,
        silence_alerts=item.silence_alerts,
        exclude_from_availability=item.exclude_from_availability,
        one_off=one_off,
        weekdays=frozenset(WEEKDAYS.index(d) for d in item.weekdays),
        hours=hours,
        valid_from=item.valid_from,
        valid_until=item.valid_until,
    )


def load_windows(settings: Settings, db: Session | None) -> list[Window]:
    """Every window: the config's, then the database's (when a session is given)."""
    from checks.availability.models import MaintenanceWindow

    tz = ZoneInfo(settings.office.timezone)
    windows = [from_config(m, tz) for m in settings.section(MAINTENANCE)]
    if db is None:
        return windows
    for row in db.scalars(select(MaintenanceWindow).order_by(MaintenanceWindow.id)):
        one_off = (
            Interval(row.start, row.end) if row.start is not None and row.end is not None else None
        )
        windows.append(
            Window(
                name=row.name,
                checks=frozenset(n for n in row.check_names.split(",") if n),
                unit=row.unit_id,
                silence_alerts=row.silence_alerts,
                exclude_from_availability=row.exclude_from_availability,
                one_off=one_off,
                weekdays=frozenset(int(d) for d in row.weekdays.split(",") if d),
                hours=parse_time_range(row.hours) if row.hours else None,
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                source="db",
            )
        )
    return windows


def excluded_intervals(
    windows: Iterable[Window], check: str, unit: str, first: date, until: date, tz: ZoneInfo
) -> list[Interval]:
    """The windows excluding ``check`` from availability, as normalized UTC intervals."""
    out: list[Interval] = []
    for window in windows:
        if window.exclude_from_availability and window.applies_to(check, unit):
            out.extend(window.intervals(first, until, tz))
    return normalize(out)


def is_silenced(
    windows: Iterable[Window], check: str, unit: str, at: datetime, tz: ZoneInfo
) -> bool:
    """Whether alerts about ``check`` are silenced at the instant ``at``."""
    instant = at.astimezone(UTC)
    local_day = instant.astimezone(tz).date()
    for window in windows:
        if not (window.silence_alerts and window.applies_to(check, unit)):
            continue
        for item in window.intervals(local_day, local_day + _ONE_DAY, tz):
            if item.start <= instant < item.end:
                return True
    return False
