"""``[availability]`` (the KPI 1 target, how outage data is kept) and ``[[maintenance]]``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import Field, ValidationInfo, model_validator

from itops.calendar import parse_time_range
from itops.config_types import (
    Model,
    PositiveDuration,
    Section,
    Title,
    known_units,
    text_for,
)

_WEEKDAY_NAMES = Literal[
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
]


class Availability(Model):
    """``[availability]``: the KPI 1 target and how outage data is kept."""

    target: float = Field(default=1.0, gt=0, le=1)
    external_counts: bool = False
    hourly_retention: PositiveDuration = timedelta(days=31)
    raw_sample_every: PositiveDuration = timedelta(hours=1)
    flush_interval: PositiveDuration = timedelta(seconds=5)


class Maintenance(Model):
    """One ``[[maintenance]]`` window: one-off (``start``/``end``) or recurring (``weekdays``).

    Times are local office time (a recurring 02:00-04:00 stays 02:00-04:00 across DST).
    ``silence_alerts`` and ``exclude_from_availability`` are separate on purpose: a window
    may silence alerts while its downtime still counts, or the reverse.
    """

    # Shown on the system's page: a plain string, or {pl = "…", en = "…"} (``name_for``).
    name: Title
    checks: list[str] = Field(default_factory=list)
    unit: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    weekdays: list[_WEEKDAY_NAMES] = Field(default_factory=list)
    hours: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    silence_alerts: bool = True
    exclude_from_availability: bool = True

    def name_for(self, lang: str) -> str:
        """The window's name in ``lang`` (else Polish, else any)."""
        return text_for(self.name, lang)

    @model_validator(mode="after")
    def _one_kind(self) -> Maintenance:
        one_off = self.start is not None or self.end is not None
        recurring = bool(self.weekdays) or self.hours is not None
        if one_off == recurring:
            raise ValueError(
                "give either start and end (one-off) or weekdays and hours (recurring)"
            )
        if one_off and (self.start is None or self.end is None or self.end <= self.start):
            raise ValueError("a one-off window needs start and end, end after start")
        if recurring:
            if not self.weekdays or self.hours is None:
                raise ValueError("a recurring window needs weekdays and hours")
            parse_time_range(self.hours)
        return self


def _maintenance_references(windows: list[Maintenance], info: ValidationInfo) -> list[Maintenance]:
    known = known_units(info)
    names = {c.name for c in info.data["checks"]} if "checks" in info.data else None
    for window in windows:
        if known is not None and window.unit is not None and window.unit not in known:
            raise ValueError(f'maintenance "{window.name_for("pl")}": unknown unit "{window.unit}"')
        unknown = sorted(set(window.checks) - names) if names is not None else []
        if unknown:
            raise ValueError(
                f'maintenance "{window.name_for("pl")}": unknown checks {", ".join(unknown)}'
            )
    return windows


class StatusService(Model):
    """One e-service on the public status page: the check behind it and its public name.

    Only ``name`` is ever shown: the check's own name, host, port, unit and results stay
    internal (a resident needs "BIP działa", not "srv-bip01:443 connection refused").
    """

    check: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=100)


class StatusPage(Model):
    """``[status_page]``: the public page for residents at ``/status`` (off by default)."""

    enabled: bool = False
    title: str = Field(default="Stan e-usług urzędu", min_length=1, max_length=200)
    days: int = Field(default=90, ge=7, le=366)
    maintenance_days: int = Field(default=30, ge=1, le=366)
    services: list[StatusService] = Field(default_factory=list)


def _status_references(page: StatusPage, info: ValidationInfo) -> StatusPage:
    names = {c.name for c in info.data["checks"]} if "checks" in info.data else None
    seen: set[str] = set()
    for service in page.services:
        if names is not None and service.check not in names:
            raise ValueError(f'service "{service.name}": unknown check "{service.check}"')
        if service.check in seen:
            raise ValueError(f'check "{service.check}" is shown twice')
        seen.add(service.check)
    return page


AVAILABILITY: Section[Availability] = Section("availability", Availability, Availability)
MAINTENANCE: Section[list[Maintenance]] = Section(
    "maintenance", list[Maintenance], list, check=_maintenance_references
)

STATUS_PAGE: Section[StatusPage] = Section(
    "status_page", StatusPage, StatusPage, check=_status_references
)

SECTIONS = (AVAILABILITY, MAINTENANCE, STATUS_PAGE)
