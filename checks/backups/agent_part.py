"""The ``antivirus`` section of an inventory agent report, as an ``itops.report_parts`` part.

Parsed strictly before anything of the report is written (a bad value refuses the whole
report with 422 naming ``antivirus.<field>``), stored in the report's own transaction,
and only after that commit are the in-memory snapshot updated and the "antivirus not
compliant" notification published.

Two spellings are accepted for each Defender field: ``Get-MpComputerStatus``'s own names
(``AntivirusSignatureLastUpdated`` …) and the short names ``itops agent`` sends
(``signature_updated`` …). They are stored under the ``Get-MpComputerStatus`` names,
which ``checks.kinds.defender`` judges (also when the sweep re-judges a stored state).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from checks.backups import store
from checks.backups.config import ANTIVIRUS
from checks.kinds.defender import NEVER, evaluate_defender
from itops.report_parts import AfterCommit, PartItem, PartRefused
from itops.status import Status

if TYPE_CHECKING:
    from checks.backups.service import BackupService
    from checks.backups.store import AvSnapshot
    from itops.config import Settings
    from itops.events import Event

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
_MS_DATE = re.compile(r"^/Date\((-?\d{1,16})(?:[+-]\d{4})?\)/$")

# Get-MpComputerStatus name → the name ``itops agent`` sends, if it has its own.
FLAGS = {
    "AMServiceEnabled": "service_enabled",
    "AntivirusEnabled": "enabled",
    "RealTimeProtectionEnabled": "real_time_protection",
    "AntispywareEnabled": "antispyware_enabled",
    "IsTamperProtected": "tamper_protected",
}
TIMES = {
    "AntivirusSignatureLastUpdated": "signature_updated",
    "QuickScanEndTime": "last_quick_scan",
    "FullScanEndTime": "last_full_scan",
}
TEXTS = {
    "AntivirusSignatureVersion": "signature_version",
    "AMProductVersion": "product_version",
    "AMEngineVersion": "engine_version",
    "AMRunningMode": "running_mode",
    "product": "product",
}
SCAN_AGES = {"QuickScanAge": "QuickScanEndTime", "FullScanAge": "FullScanEndTime"}


@dataclass(frozen=True)
class DefenderReport:
    """A validated Defender section: canonical fields (times as ISO 8601 UTC)."""

    fields: dict[str, Any]


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("must be true or false")


def _instant(value: Any) -> datetime:
    """ISO 8601 (PowerShell 7), ``/Date(ms)/`` (PowerShell 5.1) or Unix seconds, aware."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a time (ISO 8601 or /Date(ms)/)")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number of seconds")
    try:
        if not isinstance(value, str):
            return datetime.fromtimestamp(value, UTC)
        match = _MS_DATE.match(value.strip())
        if match:
            return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (OverflowError, OSError, ValueError):
        raise ValueError("is not a time within 1990 … tomorrow (ISO 8601 or /Date(ms)/)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _time(value: Any, now: datetime) -> str | None:
    """A time between 1990 and a day after the server's clock, as ISO 8601 UTC."""
    if value is None or value == "":
        return None
    parsed = _instant(value)
    try:
        if parsed < EARLIEST:
            raise ValueError("is before 1990")
        if parsed > now + FUTURE_SLACK:
            raise ValueError("is more than a day after the server's clock")
        return parsed.astimezone(UTC).isoformat()
    except OverflowError:
        raise ValueError("is out of range") from None


def _age(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= NEVER:
        raise ValueError(f"must be a whole number of days (0 … {NEVER})")
    return value


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError("must be text")


def parse_defender(value: Mapping[str, Any], now: datetime) -> DefenderReport:
    """Validate one section; ``PartRefused`` names every bad field."""
    aliases = {short: name for table in (FLAGS, TIMES, TEXTS) for name, short in table.items()}
    fields: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for raw_key, raw in value.items():
        key = aliases.get(raw_key, raw_key)
        try:
            if key in FLAGS:
                fields[key] = _flag(raw)
            elif key in TIMES:
                fields[key] = _time(raw, now)
            elif key in SCAN_AGES:
                fields[key] = _age(raw)
            elif key in TEXTS:
                fields[key] = _text(raw)
            else:
                fields[key] = raw  # another scalar, bounded by the report schema
        except ValueError as exc:
            problems.append((raw_key, str(exc)))
    if problems:
        raise PartRefused(problems)
    for age, end in SCAN_AGES.items():
        if fields.get(age) is None and fields.get(end):
            days = (now - datetime.fromisoformat(fields[end])).days
            fields[age] = max(days, 0)
    return DefenderReport(fields)


def defender_input(
    host: str, report: DefenderReport, at: datetime, *, warning: timedelta, critical: timedelta
) -> store.AvInput:
    """The stored form of one host's section, judged as of ``at``."""
    verdict = evaluate_defender(report.fields, at, warning=warning, critical=critical)
    return store.AvInput(
        host=host,
        product="defender",
        status=verdict.status,
        summary=verdict.summary,
        at=at,
        signature_updated=verdict.signature_updated,
        signature_version=verdict.signature_version,
        realtime=verdict.realtime,
        fields=report.fields,
    )


@dataclass
class AntivirusPart:
    """``Feature.report_parts`` of the backups and antivirus feature."""

    service: BackupService
    key: str = "antivirus"

    def parse(self, value: Mapping[str, Any], now: datetime) -> DefenderReport:
        return parse_defender(value, now)

    def store(self, session: Session, items: Sequence[PartItem[DefenderReport]]) -> AfterCommit:
        av = self.service.ctx.settings.section(ANTIVIRUS)
        snaps, found = store.record_av_many(
            session,
            [
                defender_input(
                    i.host,
                    i.value,
                    i.at,
                    warning=av.signature_warning,
                    critical=av.signature_critical,
                )
                for i in items
            ],
            self.service.retired(),
        )

        def after_commit() -> None:
            for snap in snaps:
                self.service.remember_av(snap)
            self.service.publish(found)

        return after_commit


__all__ = ["AntivirusPart", "DefenderReport", "Status", "defender_input", "parse_defender"]


def record_agent_report(
    db: Session, settings: Settings, data: dict[str, Any], at: datetime
) -> tuple[AvSnapshot, list[Event]] | None:
    """Store a host's Defender section (``data``: ``hostname``, ``antivirus``) received at
    ``at``, validated exactly as the agent API validates it (``PartRefused`` if bad)."""
    fields = data.get("antivirus")
    host = data.get("hostname")
    if not isinstance(fields, dict) or not isinstance(host, str) or not host.strip():
        return None
    av = settings.section(ANTIVIRUS)
    item = defender_input(
        host,
        parse_defender(fields, at),
        at,
        warning=av.signature_warning,
        critical=av.signature_critical,
    )
    snaps, found = store.record_av_many(db, [item])
    return snaps[0], found
