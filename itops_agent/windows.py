"""Windows facts: one PowerShell call (Defender, OS, hotfix, Windows Update) and psutil.

Microsoft Defender's status comes from ``Get-MpComputerStatus`` (Security Center does
not exist on Windows Server). Pending updates come from the Windows Update Agent's COM
API (``Microsoft.Update.Session``), the same source ``Get-WindowsUpdate`` uses, reading
what the last search left (``IsInstalled=0``; no download). The shaping functions here
are pure so tests run them on recorded samples.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess  # noqa: S404 - fixed PowerShell command, no user input
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)

POWERSHELL_SCRIPT = (
    "$ErrorActionPreference='SilentlyContinue';"
    "$d=Get-MpComputerStatus | Select-Object AMServiceEnabled,AntivirusEnabled,"
    "RealTimeProtectionEnabled,AntispywareEnabled,AntivirusSignatureLastUpdated,"
    "AntivirusSignatureVersion,AMProductVersion,AMEngineVersion,QuickScanEndTime,"
    "FullScanEndTime,IsTamperProtected,ComputerState;"
    "$h=Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 1;"
    "$os=Get-CimInstance Win32_OperatingSystem | Select-Object Caption,Version,BuildNumber,"
    "InstallDate,LastBootUpTime;"
    "$u=$null;try{$s=(New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher();"
    "$r=$s.Search('IsInstalled=0 and IsHidden=0 and Type=''Software''');"
    "$u=@($r.Updates | ForEach-Object {@{Title=$_.Title;"
    "Categories=@($_.Categories | ForEach-Object {$_.Name});"
    "MsrcSeverity=$_.MsrcSeverity}})}catch{};"
    "$rb=Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\"
    "Auto Update\\RebootRequired';"
    "$ls=$null;try{$ls=(New-Object -ComObject Microsoft.Update.AutoUpdate).Results."
    "LastInstallationSuccessDate}catch{};"
    "@{defender=$d;last_hotfix=$h.InstalledOn;os=$os;updates=$u;reboot_required=$rb;"
    "last_install_success=$ls} | ConvertTo-Json -Depth 5 -Compress"
)
# Windows service states (psutil's ``status()``) → the report's vocabulary.
SERVICE_STATES = {
    "running": "running",
    "stopped": "stopped",
    "start_pending": "starting",
    "stop_pending": "stopping",
    "paused": "stopped",
    "pause_pending": "stopping",
    "continue_pending": "starting",
}


def ps_date(value: Any) -> str | None:
    """PowerShell 5.1 renders DateTime as "/Date(ms)/", PowerShell 7 as ISO 8601."""
    if not value:
        return None
    text = str(value)
    match = re.fullmatch(r"/Date\((-?\d+)\)/", text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC).isoformat()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def shape_defender(d: Mapping[str, Any]) -> dict[str, Any] | None:
    if not d:
        return None
    return {
        "product": "Microsoft Defender",
        "service_enabled": d.get("AMServiceEnabled"),
        "enabled": d.get("AntivirusEnabled"),
        "real_time_protection": d.get("RealTimeProtectionEnabled"),
        "antispyware_enabled": d.get("AntispywareEnabled"),
        "signature_updated": ps_date(d.get("AntivirusSignatureLastUpdated")),
        "signature_version": d.get("AntivirusSignatureVersion"),
        "product_version": d.get("AMProductVersion"),
        "engine_version": d.get("AMEngineVersion"),
        "last_quick_scan": ps_date(d.get("QuickScanEndTime")),
        "last_full_scan": ps_date(d.get("FullScanEndTime")),
        "tamper_protected": d.get("IsTamperProtected"),
    }


def _listed(value: Any) -> list[Any]:
    """ConvertTo-Json writes a one-element array as the element itself."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def shape_updates(
    updates: Any, reboot_required: Any, last_success: Any, last_hotfix: Any
) -> dict[str, Any]:
    """Pending/security counts from the update search; None when the search did not run.

    An update is a security update when a category is "Security Updates" or it carries
    an MSRC severity (Critical, Important …), as ``Get-WindowsUpdate`` shows them.
    """
    pending = security = None
    if updates is not None:
        rows = [u for u in _listed(updates) if isinstance(u, Mapping)]
        pending = len(rows)
        security = sum(
            1
            for u in rows
            if "Security Updates" in _listed(u.get("Categories")) or u.get("MsrcSeverity")
        )
    last = ps_date(last_success) or ps_date(last_hotfix)
    return {
        "pending": pending,
        "security": security,
        "reboot_required": bool(reboot_required) if reboot_required is not None else None,
        "last_success": last,
    }


def parse_windows_status(text: str) -> dict[str, Any]:
    """Turn the PowerShell JSON into the report's antivirus, OS and update parts."""
    data = json.loads(text) if text.strip() else {}
    os_data = data.get("os") or {}
    updates = shape_updates(
        data.get("updates"),
        data.get("reboot_required"),
        data.get("last_install_success"),
        data.get("last_hotfix"),
    )
    return {
        "antivirus": shape_defender(data.get("defender") or {}),
        "last_update": updates["last_success"],
        "updates": updates,
        "os_caption": os_data.get("Caption") or "",
        "os_version": os_data.get("Version") or "",
        "os_build": str(os_data.get("BuildNumber") or ""),
        "install_date": ps_date(os_data.get("InstallDate")),
        "last_boot": ps_date(os_data.get("LastBootUpTime")),
    }


def shape_services(
    names: Iterable[str], found: Mapping[str, Mapping[str, Any] | None]
) -> list[dict[str, Any]]:
    """Named services from psutil's ``win_service_get(name).as_dict()`` (None = not found)."""
    out: list[dict[str, Any]] = []
    for name in names:
        info = found.get(name)
        if info is None:
            out.append({"name": name[:255], "state": "missing", "detail": "", "enabled": None})
            continue
        raw = str(info.get("status") or "")
        out.append(
            {
                "name": name[:255],
                "state": SERVICE_STATES.get(raw, "unknown"),
                "detail": raw[:64],
                "enabled": info.get("start_type") in ("automatic", "automatic_delayed"),
            }
        )
    return out


def windows_services(names: Iterable[str]) -> list[dict[str, Any]]:  # pragma: no cover
    import psutil

    found: dict[str, Mapping[str, Any] | None] = {}
    names = list(names)
    for name in names:
        try:
            found[name] = psutil.win_service_get(name).as_dict()  # type: ignore[attr-defined,unused-ignore]
        except (psutil.NoSuchProcess, OSError, AttributeError):
            found[name] = None
    return shape_services(names, found)


def run_powershell(timeout: float = 120) -> str:  # pragma: no cover - Windows only
    try:
        result = subprocess.run(  # noqa: S603
            [  # noqa: S607
                "powershell.exe",
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                POWERSHELL_SCRIPT,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("PowerShell could not run: %s", exc)
        return ""
    if result.returncode != 0:
        logger.warning("PowerShell failed (%s): %s", result.returncode, result.stderr.strip())
    return result.stdout
