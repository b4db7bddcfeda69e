"""The core's own config sections: ``[office]``, ``[[units]]``, ``[storage]``, ``[web]``,
``[daemon]``. Every other section belongs to a feature (see ``itops.plugins``)."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, field_validator

from itops.calendar import WEEKDAYS, parse_time_range
from itops.config_types import Interval, Model, PositiveDuration, TimeRanges


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'unknown time zone "{value}" (e.g. "Europe/Warsaw")') from None
    return value


class Hours(Model):
    """Working hours: one or more "HH:MM-HH:MM" ranges per weekday; a missing day is closed."""

    monday: TimeRanges = Field(default_factory=list)
    tuesday: TimeRanges = Field(default_factory=list)
    wednesday: TimeRanges = Field(default_factory=list)
    thursday: TimeRanges = Field(default_factory=list)
    friday: TimeRanges = Field(default_factory=list)
    saturday: TimeRanges = Field(default_factory=list)
    sunday: TimeRanges = Field(default_factory=list)

    def as_schedule_hours(self) -> dict[int, tuple[tuple[time, time], ...]]:
        out: dict[int, tuple[tuple[time, time], ...]] = {}
        for index, name in enumerate(WEEKDAYS):
            ranges: list[str] = getattr(self, name)
            if ranges:
                out[index] = tuple(sorted(parse_time_range(r) for r in ranges))
        return out


class Office(Model):
    """The office itself: its name, time zone, hours and days off."""

    name: str = Field(min_length=1)
    timezone: Annotated[str, AfterValidator(_check_timezone)] = "Europe/Warsaw"
    holidays: str | None = "PL"
    extra_days_off: list[date] = Field(default_factory=list)
    extra_working_days: list[date] = Field(default_factory=list)
    hours: Hours = Field(
        default_factory=lambda: Hours(
            monday=["08:00-16:00"],
            tuesday=["07:30-15:30"],
            wednesday=["07:30-15:30"],
            thursday=["07:30-15:30"],
            friday=["07:30-15:30"],
        )
    )
    process_owner: str = ""
    organisational_unit: str = ""

    @field_validator("holidays")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        import holidays as holidays_lib

        # country_holidays imports that one country; list_supported_countries() imported
        # all of them, a third of a short command's start-up.
        try:
            holidays_lib.country_holidays(value.upper())
        except NotImplementedError:
            raise ValueError(
                f'"{value}" is not a country code known to the holidays package'
            ) from None
        return value.upper()


class Unit(Model):
    """An organisational unit (school, library …) with hours of its own or the office's."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
    name: str = Field(min_length=1)
    hours: Hours | None = None
    extra_days_off: list[date] | None = None
    extra_working_days: list[date] | None = None


class Storage(Model):
    """Where itops keeps its data; ``ITOPS_DATABASE_URL`` overrides ``url``."""

    url: str = "sqlite:////var/lib/itops/itops.db"
    raw_retention: PositiveDuration = timedelta(days=31)

    @field_validator("url")
    @classmethod
    def _supported_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                f'"{value}" is not a database URL '
                '(e.g. "sqlite:////var/lib/itops/itops.db" or '
                '"postgresql+psycopg://itops@127.0.0.1/itops")'
            ) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only sqlite:// and postgresql+psycopg:// URLs are supported")
        if url.get_backend_name() == "postgresql" and url.get_driver_name() not in (
            "psycopg",
            "",
        ):
            raise ValueError('use the psycopg 3 driver: "postgresql+psycopg://…"')
        return value


def _check_proxy(value: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValueError(
            f'"{value}" is not an IP address or network (e.g. "127.0.0.1" or "10.0.0.0/24")'
        ) from None


def _check_bind(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError('expected "HOST:PORT", e.g. "127.0.0.1:8080"')
    return value


class Web(Model):
    """The dashboard, agent API and /metrics listener."""

    bind: Annotated[str, AfterValidator(_check_bind)] = "127.0.0.1:8080"
    language: Literal["pl", "en"] = "pl"
    secret_key_file: Path | None = None
    session_idle: PositiveDuration = timedelta(minutes=30)
    secure_cookies: bool = False
    # Login throttling (web layer): failures within ``login_lockout`` lock the login, or
    # the client address, for ``login_lockout``.
    login_max_failures: int = Field(default=5, ge=1, le=1000)
    address_max_failures: int = Field(default=20, ge=1, le=100_000)
    login_lockout: PositiveDuration = timedelta(minutes=15)
    refresh_interval: Interval = timedelta(seconds=20)
    metrics_token_file: Path | None = None
    # Request bodies over this are refused with 413 before they are read (forms, ping
    # bodies); the agent API's own limit is [inventory] agent_max_report_bytes.
    max_request_bytes: int = Field(default=1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)
    # Reverse proxies whose X-Forwarded-For (client address for login throttling, the
    # audit log) is believed; from anyone else the header is ignored. Default: none.
    trusted_proxies: list[Annotated[str, AfterValidator(_check_proxy)]] = Field(
        default_factory=list, max_length=100
    )

    @property
    def host(self) -> str:
        return self.bind.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.bind.rpartition(":")[2])


class Daemon(Model):
    """Scheduler and process behaviour of ``itops run``."""

    heartbeat_interval: PositiveDuration = timedelta(seconds=30)
    shutdown_timeout: PositiveDuration = timedelta(seconds=8)
    max_concurrency: int = Field(default=200, ge=1, le=10_000)
    workers: int | None = Field(default=None, ge=0, le=64)  # None: auto (itops.workers)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
