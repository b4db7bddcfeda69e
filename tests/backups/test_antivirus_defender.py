"""Windows Defender verdicts from ``Get-MpComputerStatus`` fields (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from checks.kinds.defender import NEVER, evaluate_defender, parse_time, scan_age
from itops.status import Status

AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def report(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "AMServiceEnabled": True,
        "AntivirusEnabled": True,
        "RealTimeProtectionEnabled": True,
        "AntivirusSignatureLastUpdated": (AT - timedelta(hours=20)).isoformat(),
        "AntivirusSignatureVersion": "1.421.345.0",
        "AMRunningMode": "Normal",
        "QuickScanAge": 1,
        "FullScanAge": NEVER,
    }
    fields.update(changes)
    return fields


def test_everything_on_and_fresh_is_compliant() -> None:
    verdict = evaluate_defender(report(), AT)
    assert verdict.status is Status.OK and verdict.compliant
    assert "no full scan yet" in str(verdict.summary)


def test_realtime_protection_off_is_critical() -> None:
    verdict = evaluate_defender(report(RealTimeProtectionEnabled=False), AT)
    assert verdict.status is Status.CRITICAL
    assert "RealTimeProtectionEnabled" in str(verdict.summary)


def test_signatures_four_days_old_are_a_warning() -> None:
    old = (AT - timedelta(days=4)).isoformat()
    assert evaluate_defender(report(AntivirusSignatureLastUpdated=old), AT).status is Status.WARNING


def test_signatures_six_days_old_are_critical() -> None:
    old = (AT - timedelta(days=6)).isoformat()
    assert (
        evaluate_defender(report(AntivirusSignatureLastUpdated=old), AT).status is Status.CRITICAL
    )


def test_thresholds_are_configurable() -> None:
    old = (AT - timedelta(days=2)).isoformat()
    verdict = evaluate_defender(
        report(AntivirusSignatureLastUpdated=old), AT, warning=timedelta(days=1)
    )
    assert verdict.status is Status.WARNING


def test_windows_powershell_date_format_is_understood() -> None:
    ms = int((AT - timedelta(hours=3)).timestamp() * 1000)
    assert parse_time(f"/Date({ms})/") == AT - timedelta(hours=3)


def test_missing_fields_are_unknown_not_compliant() -> None:
    verdict = evaluate_defender({"AMServiceEnabled": True}, AT)
    assert verdict.status is Status.UNKNOWN and not verdict.compliant


def test_passive_mode_is_not_compliant() -> None:
    verdict = evaluate_defender(report(AMRunningMode="Passive Mode"), AT)
    assert verdict.status is Status.WARNING


def test_scan_age_never_is_none() -> None:
    assert scan_age(NEVER) is None and scan_age(3) == 3
