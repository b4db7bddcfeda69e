"""One TOML file → frozen pydantic models.

Why pydantic with ``extra="forbid"``: a misspelt key in an office's config must be an
error that names the file, the key path and the reason (with the nearest known key),
never a silently ignored setting. ``load()`` is the only entry point; it raises
``ConfigError`` carrying every problem at once.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from itops.calendar import WEEKDAYS, OfficeCalendar, Schedule, parse_time_range
from itops.errors import ConfigError, ConfigProblem

DEFAULT_PATH = Path("/etc/itops/itops.toml")
OFFICE_UNIT = "office"

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """Parse ``"90s"``, ``"5m"``, ``"26h"``, ``"1d"``, ``"1h30m"`` (or a number of seconds)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("duration must not be negative")
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError('expected a duration such as "60s", "5m", "26h" or "1d"')
    text = value.strip().replace(" ", "")
    pos, total = 0, 0.0
    for match in _DURATION_RE.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(f'"{value}" is not a duration such as "60s", "5m", "26h" or "1d"')
    return timedelta(seconds=total)


def format_duration(value: timedelta) -> str:
    """The inverse of ``parse_duration`` (whole seconds stay integers: "2678400s")."""
    seconds = value.total_seconds()
    return f"{int(seconds)}s" if seconds == int(seconds) else f"{seconds!r}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]


def _positive(value: timedelta) -> timedelta:
    if value.total_seconds() <= 0:
        raise ValueError("must be greater than zero")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'unknown time zone "{value}" (e.g. "Europe/Warsaw")') from None
    return value


def _check_ranges(value: list[str]) -> list[str]:
    for text in value:
        parse_time_range(text)
    def minutes(t: time, is_end: bool) -> int:
        m = t.hour * 60 + t.minute
        return 24 * 60 if is_end and m == 0 else m

    ranges = sorted(
        (minutes(a, False), minutes(b, True)) for a, b in (parse_time_range(t) for t in value)
    )
    for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
        if start < end:
            raise ValueError("time ranges overlap")
    return value


TimeRanges = Annotated[list[str], AfterValidator(_check_ranges)]


class Model(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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

        if value.upper() not in holidays_lib.list_supported_countries():
            raise ValueError(f'"{value}" is not a country code known to the holidays package')
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
    refresh_interval: PositiveDuration = timedelta(seconds=20)
    metrics_token_file: Path | None = None
    # Request bodies over this are refused with 413 before they are read (forms, ping
    # bodies); the agent API's own limit is [inventory] agent_max_report_bytes.
    max_request_bytes: int = Field(default=1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)

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
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


def _split_own_keys(
    model: type[BaseModel], data: Any, kinds: Iterable[str] | None = None, what: str = ""
) -> Any:
    """Move the keys ``model`` does not declare into ``options``.

    ``validate()`` types them afterwards with the options model of the entry's kind, so a
    typo in a kind-specific key is still an error that names its key.
    """
    if not isinstance(data, dict):
        return data
    if kinds is not None:
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in kinds:
            known = ", ".join(sorted(kinds))
            raise ValueError(f'unknown {what} kind "{kind}" (known: {known})')
    common = set(model.model_fields) - {"options"}
    own = {k: v for k, v in data.items() if k in common}
    own["options"] = {k: v for k, v in data.items() if k not in common}
    return own


class CheckConfig(Model):
    """One ``[[checks]]`` table: common keys here, kind-specific keys in ``options``.

    The kind's own keys are validated by the options model its class declares
    (``itops.registry``), so a typo in a kind-specific key is still an error.
    """

    name: str = Field(min_length=1, max_length=100)
    kind: str
    unit: str = OFFICE_UNIT
    interval: PositiveDuration = timedelta(seconds=60)
    timeout: PositiveDuration = timedelta(seconds=10)
    confirm: int = Field(default=2, ge=1, le=100)
    counts_for_kpi: bool | None = None
    tags: list[str] = Field(default_factory=list)
    options: Any = None

    @model_validator(mode="before")
    @classmethod
    def _split_options(cls, data: Any) -> Any:
        from itops.registry import CHECK_KINDS

        return _split_own_keys(cls, data, CHECK_KINDS, "check")

    @property
    def kpi(self) -> bool:
        """Whether failures of this check count as downtime in KPI 1."""
        if self.counts_for_kpi is not None:
            return self.counts_for_kpi
        from itops.registry import check_class

        return check_class(self.kind).counts_for_kpi_default


# ---------------------------------------------------------------------------
# Backups and antivirus (feature package ``checks.backups``)
#
# ``[[backups]]`` and ``[antivirus]`` are their own sections, not ``[[checks]]``: a
# backup has three signals (freshness, verification, plausibility) and its kinds live
# in ``checks.backups.kinds.BACKUP_KINDS``; each kind's own keys are typed by the
# options model its class declares, exactly as for checks.
# ---------------------------------------------------------------------------


def _check_cron(value: str | None) -> str | None:
    if value is None:
        return None
    from croniter import croniter

    if not croniter.is_valid(value):
        raise ValueError(f'"{value}" is not a cron expression such as "0 2 * * *"')
    return value


CronSchedule = Annotated[str | None, AfterValidator(_check_cron)]


class BackupConfig(Model):
    """One ``[[backups]]`` table: common keys here, kind-specific keys in ``options``."""

    # No "/", "?" or "#": the name is a path segment of the dashboard's URLs.
    name: str = Field(min_length=1, max_length=100, pattern=r"^[^/?#]+$")
    kind: str
    unit: str = OFFICE_UNIT
    max_age: PositiveDuration | None = None
    period: PositiveDuration | None = None
    schedule: CronSchedule = None
    grace: Duration = timedelta(hours=1)
    interval: PositiveDuration = timedelta(minutes=5)
    timeout: PositiveDuration = timedelta(minutes=10)
    verify_interval: PositiveDuration = timedelta(days=7)
    verify_timeout: PositiveDuration = timedelta(hours=6)
    tags: list[str] = Field(default_factory=list)
    options: Any = None

    @model_validator(mode="before")
    @classmethod
    def _split_options(cls, data: Any) -> Any:
        from checks.backups.kinds import BACKUP_KINDS

        return _split_own_keys(cls, data, BACKUP_KINDS, "backup")

    @model_validator(mode="after")
    def _has_deadline(self) -> BackupConfig:
        if self.kind == "push":
            if self.period is None and self.schedule is None:
                raise ValueError('a push backup needs "period" (e.g. "1d") or "schedule"')
        elif self.period is not None:
            raise ValueError('"period" is for push backups; use "max_age" or "schedule"')
        elif self.max_age is None and self.schedule is None:
            raise ValueError('set "max_age" (e.g. "26h") or "schedule" (cron, local time)')
        return self


class ClamavConfig(Model):
    """One ``[[antivirus.clamav]]`` table: a local clamd; its own keys typed like a kind's."""

    name: str = Field(default="clamav", min_length=1, max_length=100)
    unit: str = OFFICE_UNIT
    interval: PositiveDuration = timedelta(minutes=15)
    timeout: PositiveDuration = timedelta(seconds=30)
    options: Any = None

    @model_validator(mode="before")
    @classmethod
    def _split_options(cls, data: Any) -> Any:
        return _split_own_keys(cls, data)

    @property
    def kind(self) -> str:
        return "clamav"


class Antivirus(Model):
    """Antivirus compliance: thresholds for agent (Defender) reports and local ClamAV."""

    signature_warning: PositiveDuration = timedelta(days=3)
    signature_critical: PositiveDuration = timedelta(days=5)
    silent_after: PositiveDuration = timedelta(days=7)
    clamav: list[ClamavConfig] = Field(default_factory=list)


def _known_units(info: ValidationInfo) -> set[str] | None:
    """The unit ids declared before this field, or None when ``units`` itself was invalid."""
    if "units" not in info.data:
        return None
    return {OFFICE_UNIT, *(u.id for u in info.data["units"])}


def _unknown_unit(named: list[tuple[str, str]], info: ValidationInfo) -> None:
    known = _known_units(info)
    for name, unit in named:
        if known is not None and unit not in known:
            raise ValueError(f'"{name}": unknown unit "{unit}"')


def _type_backup_options(
    data: dict[str, Any], settings: Settings | None, file: str
) -> tuple[Settings | None, list[ConfigProblem]]:
    """Second pass for ``[[backups]]`` and ``[[antivirus.clamav]]``: type each one's own keys."""
    from checks.backups.kinds import BACKUP_KINDS, backup_class, clamav_class

    problems: list[ConfigProblem] = []
    backups: list[BackupConfig] = []
    raw_backups = data.get("backups")
    for index, raw in enumerate(raw_backups if isinstance(raw_backups, list) else []):
        if not isinstance(raw, dict) or raw.get("kind") not in BACKUP_KINDS:
            continue
        common = set(BackupConfig.model_fields) - {"options"}
        own = {k: v for k, v in raw.items() if k not in common}
        try:
            options = backup_class(raw["kind"]).Options.model_validate(own)
        except PydanticValidationError as exc:
            problems += _problems(exc, data, file, prefix=("backups", index))
            continue
        if settings is not None:
            backups.append(settings.backups[index].model_copy(update={"options": options}))
    clamav: list[ClamavConfig] = []
    raw_av = data.get("antivirus")
    raw_clam = raw_av.get("clamav") if isinstance(raw_av, dict) else None
    for index, raw in enumerate(raw_clam if isinstance(raw_clam, list) else []):
        if not isinstance(raw, dict):
            continue
        common = set(ClamavConfig.model_fields) - {"options"}
        own = {k: v for k, v in raw.items() if k not in common}
        try:
            options = clamav_class().Options.model_validate(own)
        except PydanticValidationError as exc:
            problems += _problems(exc, data, file, prefix=("antivirus", "clamav", index))
            continue
        if settings is not None:
            clamav.append(
                settings.antivirus.clamav[index].model_copy(update={"options": options})
            )
    if settings is None or problems:
        return settings, problems
    antivirus = settings.antivirus.model_copy(update={"clamav": clamav})
    return settings.model_copy(update={"backups": backups, "antivirus": antivirus}), problems


# --- end of backups and antivirus ------------------------------------------
# ---------------------------------------------------------------------------------------
# §82 monitoring register (inventory.register)
# ---------------------------------------------------------------------------------------
class RegisterConfig(Model):
    """The §82 register of employee IT monitoring (``[employee_monitoring]``)."""

    policy_version: str = Field(default="", max_length=100)
    retention_years: int = Field(default=10, ge=2, le=100)
    prune: bool = False  # daily pruning past retention_years; off: `itops register prune`
    anchor_file: Path | None = None
    anchor_interval: PositiveDuration = timedelta(days=1)
# Integrations: notifications (e-mail over SMTP, JSON webhooks) — itops.notifications
# ---------------------------------------------------------------------------

EVENT_KINDS = (
    "outage_opened",
    "outage_closed",
    "backup_noncompliant",
    "backup_recovered",
    "antivirus_noncompliant",
    "certificate_expiring",
    "monitoring_gap",
)

_CHANNEL_NAME = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]


class EmailChannel(Model):
    """One SMTP server to send notification e-mail through."""

    name: _CHANNEL_NAME
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "smtps", "none"] = "starttls"
    username: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    sender: str = Field(min_length=3)
    timeout: PositiveDuration = timedelta(seconds=30)

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {"starttls": 587, "smtps": 465, "none": 25}[self.security]

    @model_validator(mode="after")
    def _credentials_together(self) -> EmailChannel:
        if (self.username is None) != (self.password_file is None):
            raise ValueError("username and password_file go together")
        return self


class WebhookChannel(Model):
    """One HTTP endpoint that receives every notification as a JSON POST."""

    name: _CHANNEL_NAME
    url: Annotated[str, Field(pattern=r"^https?://")]
    token_file: Path | None = None
    ca_file: Path | None = None
    timeout: PositiveDuration = timedelta(seconds=10)


class NotificationRule(Model):
    """Which events go to which channels (and, for e-mail, to which addresses)."""

    name: str = Field(min_length=1, max_length=100)
    events: list[Literal[EVENT_KINDS]] = Field(default_factory=list)  # type: ignore[valid-type]
    subjects: list[str] = Field(default_factory=list)
    channels: list[str] = Field(min_length=1)
    recipients: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(
        default_factory=list
    )
    outside_hours: Literal["all", "critical", "none"] = "critical"


class Notifications(Model):
    """``[notifications]``: built-in alerting for offices without an Alertmanager."""

    enabled: bool = True
    repeat_after: Duration = timedelta(hours=24)
    retries: int = Field(default=5, ge=0, le=100)
    retry_delay: PositiveDuration = timedelta(seconds=30)
    queue_size: int = Field(default=1000, ge=1, le=1_000_000)
    email: list[EmailChannel] = Field(default_factory=list)
    webhook: list[WebhookChannel] = Field(default_factory=list)
    rules: list[NotificationRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Notifications:
        names = [c.name for c in self.email] + [c.name for c in self.webhook]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate channel names: {', '.join(duplicates)}")
        emails = {c.name for c in self.email}
        for rule in self.rules:
            for channel in rule.channels:
                if channel not in names:
                    raise ValueError(f'rule "{rule.name}": unknown channel "{channel}"')
            if emails & set(rule.channels) and not rule.recipients:
                raise ValueError(f'rule "{rule.name}": e-mail channels need recipients')
        return self
# --- Availability (feature "checks": outages, maintenance windows, KPI 1) -------------------

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

    name: str = Field(min_length=1, max_length=200)
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

# --- end Availability -----------------------------------------------------------------------

# ---------------------------------------------------------------------------
# Hardware inventory and KPIs 2 and 3 (feature: inventory)
# ---------------------------------------------------------------------------

ASSET_CATEGORIES = (
    "desktop",
    "laptop",
    "server",
    "printer",
    "mfd",
    "monitor",
    "network",
    "phone",
    "access_card",
    "ups",
    "other",
)


def _check_categories(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(ASSET_CATEGORIES))
    if unknown:
        raise ValueError(
            f"unknown categories {', '.join(unknown)} (known: {', '.join(ASSET_CATEGORIES)})"
        )
    return value


Categories = Annotated[list[str], AfterValidator(_check_categories)]


class OsEndOfSupport(Model):
    """An operating system whose vendor support ends on ``end``; KRI requires current software.

    ``match`` is compared case-insensitively with the start of the reported OS
    description ("Windows 10 Pro 22H2", "Debian GNU/Linux 11 (bullseye)").
    """

    match: str = Field(min_length=1)
    end: date


def _default_eos() -> list[OsEndOfSupport]:
    return [
        OsEndOfSupport(match="Windows 7", end=date(2020, 1, 14)),
        OsEndOfSupport(match="Windows 8.1", end=date(2023, 1, 10)),
        OsEndOfSupport(match="Windows 10", end=date(2025, 10, 14)),
        OsEndOfSupport(match="Windows Server 2012", end=date(2023, 10, 10)),
        OsEndOfSupport(match="Debian GNU/Linux 10", end=date(2024, 6, 30)),
        OsEndOfSupport(match="Debian GNU/Linux 11", end=date(2026, 8, 31)),
        OsEndOfSupport(match="Ubuntu 18.04", end=date(2023, 5, 31)),
        OsEndOfSupport(match="Ubuntu 20.04", end=date(2025, 5, 31)),
    ]


class Kpi(Model):
    """KPI 2 (repairs) and KPI 3 (purchases): targets and the category → KPI group mapping."""

    repairs_target: float = Field(default=0.10, gt=0, le=1)
    purchases_target: float = Field(default=0.15, gt=0, le=1)
    computer_categories: Categories = Field(default_factory=lambda: ["desktop", "laptop", "server"])
    equipment_categories: Categories = Field(default_factory=lambda: list(ASSET_CATEGORIES))
    os_end_of_support: list[OsEndOfSupport] = Field(default_factory=_default_eos)


class Inventory(Model):
    """The agent endpoint and the daemon's own inventory jobs."""

    agent_max_report_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=16 * 1024 * 1024)
    collect_interval: PositiveDuration = timedelta(days=1)
    metrics_refresh: PositiveDuration = timedelta(minutes=5)


class Report(Model):
    """``[report]``: the annual quality report's signatures and where the dashboard keeps it.

    The process owner and organisational unit are ``[office]`` keys (the process card).
    """

    prepared_by: str = ""
    approved_by: str = ""
    output_dir: Path = Path("/var/lib/itops/reports")


class Settings(Model):
    """The whole config file. Every section but ``[office]`` is optional."""

    office: Office
    units: list[Unit] = Field(default_factory=list)
    storage: Storage = Field(default_factory=Storage)
    web: Web = Field(default_factory=Web)
    daemon: Daemon = Field(default_factory=Daemon)
    checks: list[CheckConfig] = Field(default_factory=list)
    # backups and antivirus (feature checks.backups)
    backups: list[BackupConfig] = Field(default_factory=list)
    antivirus: Antivirus = Field(default_factory=Antivirus)
    employee_monitoring: RegisterConfig = Field(default_factory=RegisterConfig)
    # Integrations
    notifications: Notifications = Field(default_factory=Notifications)
    # feature "checks" (availability, KPI 1)
    availability: Availability = Field(default_factory=Availability)
    maintenance: list[Maintenance] = Field(default_factory=list)
    # inventory feature
    kpi: Kpi = Field(default_factory=Kpi)
    inventory: Inventory = Field(default_factory=Inventory)
    # reports feature
    report: Report = Field(default_factory=Report)

    # Cross-references are field validators (not one model validator) so that an error
    # names its section ("checks: duplicate check names …"), not "(top level)"; fields are
    # validated in declaration order, so ``info.data`` holds the sections declared above.
    @field_validator("units")
    @classmethod
    def _unique_units(cls, units: list[Unit]) -> list[Unit]:
        unit_ids = [u.id for u in units]
        if len(set(unit_ids)) != len(unit_ids) or OFFICE_UNIT in unit_ids:
            raise ValueError(f'unit ids must be unique and not "{OFFICE_UNIT}"')
        return units

    @field_validator("checks")
    @classmethod
    def _check_references(cls, checks: list[CheckConfig], info: ValidationInfo) -> list[Any]:
        names = [c.name for c in checks]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate check names: {', '.join(duplicates)}")
        known = _known_units(info)
        for check in checks:
            if known is not None and check.unit not in known:
                raise ValueError(f'check "{check.name}": unknown unit "{check.unit}"')
        return checks

    @field_validator("backups")
    @classmethod
    def _backup_references(cls, backups: list[BackupConfig], info: ValidationInfo) -> list[Any]:
        names = [b.name for b in backups]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate backup names: {', '.join(duplicates)}")
        _unknown_unit([(b.name, b.unit) for b in backups], info)
        return backups

    @field_validator("antivirus")
    @classmethod
    def _antivirus_references(cls, antivirus: Antivirus, info: ValidationInfo) -> Antivirus:
        clam = [c.name for c in antivirus.clamav]
        if len(set(clam)) != len(clam):
            raise ValueError("antivirus.clamav names must be unique")
        _unknown_unit([(c.name, c.unit) for c in antivirus.clamav], info)
        return antivirus

    @field_validator("maintenance")
    @classmethod
    def _maintenance_references(
        cls, windows: list[Maintenance], info: ValidationInfo
    ) -> list[Maintenance]:
        known = _known_units(info)
        names = {c.name for c in info.data["checks"]} if "checks" in info.data else None
        for window in windows:
            if known is not None and window.unit is not None and window.unit not in known:
                raise ValueError(f'maintenance "{window.name}": unknown unit "{window.unit}"')
            unknown = sorted(set(window.checks) - names) if names is not None else []
            if unknown:
                raise ValueError(
                    f'maintenance "{window.name}": unknown checks {", ".join(unknown)}'
                )
        return windows

    def schedule(self, unit: str = OFFICE_UNIT) -> Schedule:
        """The working-time rules of the office or of one unit (inheriting the office's)."""
        office = self.office
        hours, days_off, working = office.hours, office.extra_days_off, office.extra_working_days
        if unit != OFFICE_UNIT:
            found = next((u for u in self.units if u.id == unit), None)
            if found is None:
                raise KeyError(unit)
            hours = found.hours or hours
            days_off = found.extra_days_off if found.extra_days_off is not None else days_off
            if found.extra_working_days is not None:
                working = found.extra_working_days
        return Schedule(
            timezone=office.timezone,
            hours=hours.as_schedule_hours(),
            holidays=office.holidays,
            extra_days_off=frozenset(days_off),
            extra_working_days=frozenset(working),
        )

    def calendar(self, unit: str = OFFICE_UNIT) -> OfficeCalendar:
        return OfficeCalendar(self.schedule(unit))

    def unit_names(self) -> dict[str, str]:
        return {OFFICE_UNIT: self.office.name, **{u.id: u.name for u in self.units}}

    def warnings(self) -> list[str]:
        """Things that are valid but probably wrong, e.g. a Saturday holiday with no day off."""
        out: list[str] = []
        for unit in [OFFICE_UNIT, *(u.id for u in self.units)]:
            cal = self.calendar(unit)
            sched = self.schedule(unit)
            years = {d.year for d in sched.extra_days_off | sched.extra_working_days}
            years |= _config_years()
            label = "office" if unit == OFFICE_UNIT else f"units.{unit}"
            for day, name in cal.saturday_holidays_without_day_off(sorted(years)):
                out.append(
                    f"{label}.extra_days_off: the holiday {name} on Saturday {day.isoformat()} "
                    "has no extra day off declared (art. 130 § 2 Kodeks pracy)"
                )
        return out


def _config_years() -> set[int]:
    from itops.clock import utcnow

    this_year = utcnow().year
    return {this_year}


def resolve_path(cli_path: str | os.PathLike[str] | None) -> Path:
    """``--config`` first, then ``$ITOPS_CONFIG``, then ``/etc/itops/itops.toml``."""
    if cli_path:
        return Path(cli_path)
    env = os.environ.get("ITOPS_CONFIG")
    return Path(env) if env else DEFAULT_PATH


def load(path: str | os.PathLike[str], *, environ: dict[str, str] | None = None) -> Settings:
    """Read, parse and validate one config file; ``ConfigError`` lists every problem."""
    env = os.environ if environ is None else environ
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError([ConfigProblem(file, "(file)", exc.strerror or str(exc))]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([ConfigProblem(file, "(file)", "not valid UTF-8")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigProblem(file, "(syntax)", str(exc))]) from None
    url = env.get("ITOPS_DATABASE_URL")
    if url:
        data.setdefault("storage", {})
        if isinstance(data["storage"], dict):
            data["storage"]["url"] = url
    settings = validate(data, file)
    problems = [
        ConfigProblem(file, _key_path(loc, data), reason)
        for loc, reason in _secret_file_problems(settings)
    ]
    if problems:
        raise ConfigError(problems)
    return settings


def _secret_files(settings: Settings) -> list[tuple[tuple[int | str, ...], Path]]:
    """The secret files itops itself must read to start or to alert, with their key path.

    Backup password files are left to their checks (UNKNOWN with a hint, per backup): one
    missing backup secret must not stop the monitoring of everything else.
    """
    found: list[tuple[tuple[int | str, ...], Path]] = []
    for key in ("metrics_token_file", "secret_key_file"):
        value = getattr(settings.web, key)
        if value is not None:
            found.append((("web", key), value))
    if settings.notifications.enabled:
        for index, email in enumerate(settings.notifications.email):
            if email.password_file is not None:
                found.append((("notifications", "email", index, "password_file"),
                              email.password_file))
        for index, hook in enumerate(settings.notifications.webhook):
            if hook.token_file is not None:
                found.append((("notifications", "webhook", index, "token_file"),
                              hook.token_file))
    return found


def _secret_file_problems(settings: Settings) -> list[tuple[tuple[int | str, ...], str]]:
    """A secret file that is missing, unreadable or empty is a config error at load.

    Why here and not at first use: ``itops run`` would otherwise create the database and
    then die with a traceback (session key, /metrics token), or run for days unable to
    send a single alert (SMTP password, webhook token).
    """
    problems: list[tuple[tuple[int | str, ...], str]] = []
    for loc, path in _secret_files(settings):
        if path.exists() and not path.is_dir() and not path.is_file():
            # a FIFO or device would block or never end: refuse before opening it
            problems.append((loc, f"{path} is not a regular file"))
            continue
        try:
            with open(path, "rb") as fh:
                content = fh.read(65536)
        except FileNotFoundError:
            problems.append((loc, f"{path}: file not found"))
            continue
        except IsADirectoryError:
            problems.append((loc, f"{path} is a directory, not a file"))
            continue
        except PermissionError:
            problems.append((loc, f"{path}: not readable by this user (chmod 0400, owner itops)"))
            continue
        except OSError as exc:
            problems.append((loc, f"{path}: {exc.strerror or exc}"))
            continue
        if not content.strip():
            problems.append((loc, f"{path} is empty"))
    return problems


def validate(data: dict[str, Any], file: str = "<config>") -> Settings:
    """Validate parsed TOML; the kind-specific keys of each check are typed in a second pass."""
    problems: list[ConfigProblem] = []
    try:
        settings: Settings | None = Settings.model_validate(data)
    except PydanticValidationError as exc:
        problems += _problems(exc, data, file)
        settings = None
    from itops.registry import CHECK_KINDS, options_model

    typed: list[CheckConfig] = []
    raw_checks = data.get("checks")
    for index, raw in enumerate(raw_checks if isinstance(raw_checks, list) else []):
        if not isinstance(raw, dict) or raw.get("kind") not in CHECK_KINDS:
            continue
        common = set(CheckConfig.model_fields) - {"options"}
        own = {k: v for k, v in raw.items() if k not in common}
        try:
            options = options_model(raw["kind"]).model_validate(own)
        except PydanticValidationError as exc:
            problems += _problems(exc, data, file, prefix=("checks", index))
            continue
        if settings is not None:
            typed.append(settings.checks[index].model_copy(update={"options": options}))
    settings, backup_problems = _type_backup_options(data, settings, file)
    problems += backup_problems
    if problems or settings is None:
        raise ConfigError(problems)
    return settings.model_copy(update={"checks": typed})


def _problems(
    exc: PydanticValidationError,
    data: dict[str, Any],
    file: str,
    prefix: tuple[int | str, ...] = (),
) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = prefix + tuple(error["loc"])
        key = _key_path(loc, data)
        reason = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            reason = "unknown key"
            hint = _nearest_key(loc, data)
            if hint:
                reason += f' (did you mean "{hint}"?)'
        elif error["type"] == "missing":
            reason = "required key is missing"
        problems.append(ConfigProblem(file, key or "(top level)", reason))
    return problems


def _key_path(loc: tuple[int | str, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                name = node.get("id") or node.get("name") if isinstance(node, dict) else None
                if isinstance(name, str):
                    label = f"[{item}]({name})"
            parts.append(label)
            continue
        if item == "options" or str(item).startswith("function-"):
            continue
        if isinstance(node, dict):
            node = node.get(item)
        parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _nearest_key(loc: tuple[int | str, ...], data: Any) -> str | None:
    """Suggest the closest known key for an unknown one, walking the models along ``loc``."""
    model: Any = Settings
    node: Any = data
    for item in loc[:-1]:
        if isinstance(item, int):
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        field = model.model_fields.get(item) if model else None
        node = node.get(item) if isinstance(node, dict) else None
        model = _model_of(field.annotation) if field else None
    if model is None:
        return None
    known = list(model.model_fields)
    if model is CheckConfig and isinstance(node, dict):
        from itops.registry import CHECK_KINDS, options_model

        kind = node.get("kind")
        if kind in CHECK_KINDS:
            known += list(options_model(kind).model_fields)
    if model is BackupConfig and isinstance(node, dict):
        from checks.backups.kinds import BACKUP_KINDS, backup_class

        kind = node.get("kind")
        if kind in BACKUP_KINDS:
            known += list(backup_class(kind).Options.model_fields)
    if model is ClamavConfig:
        from checks.backups.kinds import clamav_class

        known += list(clamav_class().Options.model_fields)
    matches = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found:
            return found
    return None
