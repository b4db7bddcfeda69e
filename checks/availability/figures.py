"""What KPI 1 says about a period: per check, per office or unit, per outage, per month.

Frozen dataclasses; ``to_json()`` gives the documented JSON of ``itops availability``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CheckAvailability:
    """KPI 1 figures of one check over the period (seconds inside working time)."""

    name: str
    kind: str
    unit: str
    counts_for_kpi: bool
    working_seconds: float
    excluded_seconds: float
    downtime_seconds: float
    unknown_seconds: float
    availability: float | None  # None: no working time of the period was watched
    coverage: float
    outages: int
    planned_seconds: float = 0.0
    external_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "working_seconds": self.working_seconds,
            "excluded_seconds": self.excluded_seconds,
            "downtime_seconds": self.downtime_seconds,
            "unknown_seconds": self.unknown_seconds,
            "availability": self.availability,
            "coverage": self.coverage,
            "outages": self.outages,
        }


@dataclass(frozen=True)
class OfficeAvailability:
    """The office's (or one unit's) KPI 1: union of downtime over its KPI checks.

    ``working_seconds`` is the working time some counting check speaks of (watched, or
    recorded by hand); ``basis`` says which: "watched", "manual" (time nobody watched
    counts, with only the outages entered by hand) or "none" (nothing known: availability
    and met are None, the KPI cannot be told).
    """

    unit: str
    working_seconds: float
    excluded_seconds: float
    downtime_seconds: float
    availability: float | None
    target: float
    met: bool | None
    basis: str = "watched"

    def to_json(self) -> dict[str, Any]:
        return {
            "working_seconds": self.working_seconds,
            "downtime_seconds": self.downtime_seconds,
            "availability": self.availability,
            "target": self.target,
            "met": self.met,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class OutageEntry:
    """One outage touching working time in the period, as the officer reads it."""

    id: int
    check: str
    unit: str
    start: datetime
    end: datetime | None
    local_start: datetime
    local_end: datetime | None
    working_seconds: float
    cause: str
    original_cause: str
    note: str
    counts: bool

    @property
    def working_minutes(self) -> float:
        return self.working_seconds / 60

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "check": self.check,
            "start": self.local_start.isoformat(),
            "end": self.local_end.isoformat() if self.local_end else None,
            "working_minutes": round(self.working_minutes, 2),
            "cause": self.cause,
            "original_cause": self.original_cause,
            "note": self.note,
            "counts": self.counts,
        }


@dataclass(frozen=True)
class MonthFigure:
    """The office (or unit) figure of one local month, for charts."""

    month: date
    working_seconds: float
    excluded_seconds: float
    downtime_seconds: float
    availability: float | None  # None: no known working time in the month (yet)


@dataclass(frozen=True)
class AvailabilityReport:
    """Everything KPI 1 says about a period; ``to_json()`` is the documented JSON shape."""

    first: date
    until: date
    checks: tuple[CheckAvailability, ...]
    office: OfficeAvailability
    outages: tuple[OutageEntry, ...]
    months: tuple[MonthFigure, ...]
    # The moment the figures stop when the period reaches past "now": a year in progress
    # is counted only up to it and must say so (None: the whole period is past).
    as_of: datetime | None = None

    def as_of_local(self, tz: str) -> str | None:
        """``as_of`` in office time, ISO to the second (what the JSON outputs carry)."""
        if self.as_of is None:
            return None
        return self.as_of.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")

    def to_json(self, tz: str) -> dict[str, Any]:
        """The documented JSON; ``tz`` (the office's) writes ``period.as_of`` in office time.

        ``as_of`` is always there, null when the whole period is past: the rule of
        ``itops kpi --json`` and of the annual report's ``meta.period``, so a reader
        tells a closed period from an old file by the value, not by a missing key."""
        period: dict[str, Any] = {
            "from": self.first.isoformat(),
            "to": self.until.isoformat(),
            "as_of": self.as_of_local(tz),
        }
        return {
            "period": period,
            "checks": [c.to_json() for c in self.checks],
            "office": self.office.to_json(),
        }

    def check(self, name: str) -> CheckAvailability:
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)
