"""``[[backups]]`` and ``[antivirus]`` (with ``[[antivirus.clamav]]``).

They are their own sections, not ``[[checks]]``: a backup has three signals (freshness,
verification, plausibility) and its kinds are the backup engines
(``checks.backups.kinds``); each kind's own keys are typed by the options model its class
declares, exactly as for checks (``itops.config_types.KindEntry``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, model_validator

from itops.config_types import (
    OFFICE_UNIT,
    Duration,
    Interval,
    KindEntry,
    Model,
    PositiveDuration,
    Section,
    check_timeout,
    check_units,
    duplicates,
)


def _check_cron(value: str | None) -> str | None:
    if value is None:
        return None
    from croniter import croniter

    if not croniter.is_valid(value):
        raise ValueError(f'"{value}" is not a cron expression such as "0 2 * * *"')
    return value


CronSchedule = Annotated[str | None, AfterValidator(_check_cron)]


class BackupConfig(KindEntry):
    """One ``[[backups]]`` table: common keys here, kind-specific keys in ``options``."""

    kind_label = "backup"

    # No "/", "?" or "#": the name is a path segment of the dashboard's URLs.
    name: str = Field(min_length=1, max_length=100, pattern=r"^[^/?#]+$")
    kind: str
    unit: str = OFFICE_UNIT
    max_age: PositiveDuration | None = None
    period: PositiveDuration | None = None
    schedule: CronSchedule = None
    grace: Duration = timedelta(hours=1)
    interval: Interval = timedelta(minutes=5)
    timeout: PositiveDuration = timedelta(minutes=10)
    verify_interval: Interval = timedelta(days=7)
    verify_timeout: PositiveDuration = timedelta(hours=6)
    tags: list[str] = Field(default_factory=list)
    options: Any = None

    @classmethod
    def kinds(cls) -> Collection[str]:
        from checks.backups.kinds import BACKUP_KINDS

        return BACKUP_KINDS

    @classmethod
    def options_model(cls, kind: str) -> type[BaseModel]:
        from checks.backups.kinds import BACKUP_KINDS

        return BACKUP_KINDS.options_model(kind)

    @model_validator(mode="after")
    def _has_deadline(self) -> BackupConfig:
        if self.kind == "push":
            if self.period is None and self.schedule is None:
                raise ValueError('a push backup needs "period" (e.g. "1d") or "schedule"')
        elif self.period is not None:
            raise ValueError('"period" is for push backups; use "max_age" or "schedule"')
        elif self.max_age is None and self.schedule is None:
            raise ValueError('set "max_age" (e.g. "26h") or "schedule" (cron, local time)')
        check_timeout(self)
        check_timeout(self, "verify_interval", "verify_timeout")
        return self


class ClamavConfig(KindEntry):
    """One ``[[antivirus.clamav]]`` table: a local clamd; its own keys typed like a kind's."""

    name: str = Field(default="clamav", min_length=1, max_length=100)
    unit: str = OFFICE_UNIT
    interval: Interval = timedelta(minutes=15)
    timeout: PositiveDuration = timedelta(seconds=30)
    options: Any = None

    @classmethod
    def kind_of(cls, raw: Mapping[str, Any]) -> str:
        return "clamav"  # one engine, no "kind" key

    @classmethod
    def options_model(cls, kind: str) -> type[BaseModel]:
        from checks.backups.kinds import ANTIVIRUS_KINDS

        return ANTIVIRUS_KINDS.options_model(kind)

    @model_validator(mode="after")
    def _timeout_within_interval(self) -> ClamavConfig:
        check_timeout(self)
        return self

    @property
    def kind(self) -> str:
        return "clamav"


class Antivirus(Model):
    """Antivirus compliance: thresholds for agent (Defender) reports and local ClamAV."""

    signature_warning: PositiveDuration = timedelta(days=3)
    signature_critical: PositiveDuration = timedelta(days=5)
    silent_after: PositiveDuration = timedelta(days=7)
    clamav: list[ClamavConfig] = Field(default_factory=list)


def _backup_references(backups: list[BackupConfig], info: ValidationInfo) -> list[BackupConfig]:
    twice = duplicates(b.name for b in backups)
    if twice:
        raise ValueError(f"duplicate backup names: {', '.join(twice)}")
    check_units([(b.name, b.unit) for b in backups], info)
    _unique_push_tokens(backups)
    return backups


def _unique_push_tokens(backups: list[BackupConfig]) -> None:
    """Two push backups on one token: a ping would count for both, so one job's success
    would hide the other's silence."""
    from uuid import UUID

    seen: dict[UUID, str] = {}
    for backup in backups:
        options = backup.options
        raw = options.get("token") if isinstance(options, dict) else getattr(options, "token", None)
        if backup.kind != "push" or raw is None:
            continue
        try:
            token = raw if isinstance(raw, UUID) else UUID(str(raw))
        except ValueError:
            continue  # the options pass names the bad token
        if token in seen:
            raise ValueError(
                f'"{backup.name}" and "{seen[token]}" share one push token: give each '
                "backup its own (uuidgen)"
            )
        seen[token] = backup.name


def _antivirus_references(antivirus: Antivirus, info: ValidationInfo) -> Antivirus:
    clam = [c.name for c in antivirus.clamav]
    if len(set(clam)) != len(clam):
        raise ValueError("antivirus.clamav names must be unique")
    check_units([(c.name, c.unit) for c in antivirus.clamav], info)
    return antivirus


BACKUPS: Section[list[BackupConfig]] = Section(
    "backups", list[BackupConfig], list, check=_backup_references
)
ANTIVIRUS: Section[Antivirus] = Section(
    "antivirus", Antivirus, Antivirus, check=_antivirus_references
)

SECTIONS = (BACKUPS, ANTIVIRUS)
