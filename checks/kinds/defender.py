"""Windows Defender compliance from ``Get-MpComputerStatus`` fields, as the agent sends them.

Pure evaluation, no I/O: the inventory agent reports the fields, this module judges
them. Security Center is never consulted (it does not exist on Windows Server). A host
is compliant when the service, the antivirus and real-time protection are on and the
signatures are at most ``signature_warning`` old; older than ``signature_critical`` is
CRITICAL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itops.messages import Param, Summary
from itops.status import Status

NEVER = 4294967295  # QuickScanAge/FullScanAge when no scan ever ran
REQUIRED_ON = ("AMServiceEnabled", "AntivirusEnabled", "RealTimeProtectionEnabled")
_MS_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")


@dataclass(frozen=True)
class DefenderVerdict:
    """The judgement of one report: status, summary and the values metrics need."""

    status: Status
    summary: Summary
    signature_updated: datetime | None
    signature_age: float | None
    realtime: bool | None
    signature_version: str | None
    running_mode: str | None

    @property
    def compliant(self) -> bool:
        return self.status is Status.OK


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (PowerShell 7), ``/Date(ms)/`` (Windows PowerShell 5.1 ConvertTo-Json)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    match = _MS_DATE.search(value)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, int):
        return bool(value)
    return None


def scan_age(value: Any) -> int | None:
    """Days since the last scan; None for "never" (4294967295) or a missing field."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return None if days >= NEVER else days


def evaluate_defender(
    fields: Mapping[str, Any],
    at: datetime,
    *,
    warning: timedelta = timedelta(days=3),
    critical: timedelta = timedelta(days=5),
) -> DefenderVerdict:
    """Judge one ``Get-MpComputerStatus`` report as of ``at``."""
    flags = {name: _flag(fields.get(name)) for name in REQUIRED_ON}
    updated = parse_time(fields.get("AntivirusSignatureLastUpdated"))
    version = fields.get("AntivirusSignatureVersion")
    mode = fields.get("AMRunningMode")
    realtime = flags["RealTimeProtectionEnabled"]
    age = (at - updated).total_seconds() if updated else None
    missing = [name for name, value in flags.items() if value is None]
    if updated is None:
        missing.append("AntivirusSignatureLastUpdated")

    def verdict(status: Status, summary: Summary) -> DefenderVerdict:
        return DefenderVerdict(
            status,
            summary,
            updated,
            age,
            realtime,
            str(version) if version is not None else None,
            str(mode) if mode is not None else None,
        )

    off = [name for name, value in flags.items() if value is False]
    if off:
        return verdict(
            Status.CRITICAL, Summary("antivirus.switched_off", {"names": ", ".join(off)})
        )
    if missing:
        lacks = Summary("antivirus.report_lacks", {"names": ", ".join(missing)})
        return verdict(Status.UNKNOWN, lacks)
    if age is None:  # unreachable: a missing update time returned UNKNOWN above
        return verdict(Status.UNKNOWN, Summary("antivirus.no_update_time"))
    if isinstance(mode, str) and mode and mode.lower() != "normal":
        return verdict(Status.WARNING, Summary("antivirus.passive_mode", {"mode": mode}))
    shown = str(version or "?")
    for status, limit in ((Status.CRITICAL, critical), (Status.WARNING, warning)):
        if age > limit.total_seconds():
            old: dict[str, Param] = {"version": shown, "age": age, "limit": limit.total_seconds()}
            return verdict(status, Summary("antivirus.signatures_old", old))
    quick = scan_age(fields.get("QuickScanAge"))
    full = scan_age(fields.get("FullScanAge"))
    params: dict[str, Param] = {
        "signatures": Summary("antivirus.signatures", {"version": shown, "age": age}),
        "quick": Summary("antivirus.quick_scan", {"days": quick})
        if quick is not None
        else Summary("antivirus.no_quick_scan"),
        "full": Summary("antivirus.full_scan", {"days": full})
        if full is not None
        else Summary("antivirus.no_full_scan"),
    }
    return verdict(Status.OK, Summary("antivirus.defender_ok", params))
