"""Collect this host's inventory: psutil, ``platform``, /sys (DMI, block devices), /etc.

Every filesystem path is read under an injectable ``root`` so tests use a canned tree.
Unreadable files (``product_serial`` is root-only on most distributions) give empty
values, never an error: a partial inventory is better than none. On Windows the OS
details, the last hotfix and Microsoft Defender's status come from one PowerShell call
(``Get-MpComputerStatus``; Security Center does not exist on Windows Server).
"""

from __future__ import annotations

import json
import logging
import platform
import re
import shutil
import socket
import subprocess  # noqa: S404 - fixed PowerShell command, no user input
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from inventory.payload import AgentReport, Cpu, Disk, Hardware, Nic, OsInfo
from itops import __version__

logger = logging.getLogger(__name__)

PLACEHOLDER_IDS = {
    "", "0", "none", "default string", "to be filled by o.e.m.", "system serial number",
    "not specified", "not applicable", "chassis serial number", "0123456789",
    "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "03000200-0400-0500-0006-000700080009",
}
SKIP_BLOCK = re.compile(r"^(loop|ram|zram|dm-|md|sr|fd|nbd)")

POWERSHELL_SCRIPT = (
    "$ErrorActionPreference='SilentlyContinue';"
    "$d=Get-MpComputerStatus | Select-Object AMServiceEnabled,AntivirusEnabled,"
    "RealTimeProtectionEnabled,AntispywareEnabled,AntivirusSignatureLastUpdated,"
    "AntivirusSignatureVersion,AMProductVersion,AMEngineVersion,QuickScanEndTime,"
    "FullScanEndTime,IsTamperProtected,ComputerState;"
    "$h=Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 1;"
    "$os=Get-CimInstance Win32_OperatingSystem | Select-Object Caption,Version,BuildNumber,"
    "InstallDate;"
    "@{defender=$d;last_hotfix=$h.InstalledOn;os=$os} | ConvertTo-Json -Depth 3 -Compress"
)


def usable_id(value: str) -> str:
    """The identifier, or "" when it is a vendor placeholder shared by many machines."""
    value = value.strip()
    return "" if value.lower() in PLACEHOLDER_IDS else value


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def read_dmi(root: Path) -> Hardware:
    dmi = root / "sys/class/dmi/id"
    chassis = _read(dmi / "chassis_type")
    return Hardware(
        vendor=_read(dmi / "sys_vendor")[:255],
        product=_read(dmi / "product_name")[:255],
        serial=usable_id(_read(dmi / "product_serial"))[:255],
        uuid=usable_id(_read(dmi / "product_uuid")).lower()[:255],
        chassis_type=int(chassis) if chassis.isdigit() and int(chassis) < 256 else None,
    )


def read_block_devices(root: Path) -> list[Disk]:
    """Physical disks from /sys/block (size in 512-byte sectors), skipping virtual ones."""
    base = root / "sys/block"
    disks = []
    for dev in sorted(base.iterdir()) if base.is_dir() else []:
        if SKIP_BLOCK.match(dev.name):
            continue
        sectors = _read(dev / "size")
        if not sectors.isdigit() or int(sectors) == 0:
            continue
        serial = _read(dev / "device/serial") or _read(dev / "serial")
        disks.append(
            Disk(
                device=dev.name,
                model=_read(dev / "device/model")[:255],
                serial=usable_id(serial)[:255],
                size_bytes=int(sectors) * 512,
            )
        )
    return disks


def read_cpu_model(root: Path) -> str:
    for line in _read(root / "proc/cpuinfo").splitlines():
        if line.lower().startswith(("model name", "hardware", "processor\t: arm")):
            return line.split(":", 1)[1].strip()[:255]
    return platform.processor()[:255]


def read_os_release(root: Path) -> dict[str, str]:
    out = {}
    for line in _read(root / "etc/os-release").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip().strip('"')
    return out


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return None


def linux_install_date(root: Path) -> datetime | None:
    """The installer's log directory, else ``lost+found`` (made by mkfs at installation)."""
    for candidate in ("var/log/installer", "lost+found"):
        found = _mtime(root / candidate)
        if found is not None and found.year >= 1995:
            return found
    return None


def linux_last_update(root: Path) -> datetime | None:
    """The last apt run's End-Date (local time of the host), else the dnf history's mtime."""
    last = None
    for line in _read(root / "var/log/apt/history.log").splitlines():
        if line.startswith("End-Date:"):
            last = line.split(":", 1)[1].strip()
    if last:
        try:
            return datetime.strptime(last, "%Y-%m-%d  %H:%M:%S").astimezone(UTC)
        except ValueError:
            logger.debug("unparsable apt End-Date %r", last)
    return _mtime(root / "var/lib/dnf/history.sqlite")


DNF_UPDATES_AVAILABLE = 100  # ``dnf check-update``: 100 = updates, 0 = none, 1 = error
_DNF_PACKAGE = re.compile(r"^[A-Za-z0-9_+.-]+\.[A-Za-z0-9_]+$")
_DNF_SECTION_END = ("obsoleting packages", "security:")


def parse_dnf_check_update(returncode: int, stdout: str) -> int | None:
    """Pending updates from ``dnf check-update`` (dnf 4 and dnf5 layouts).

    Exit 0 means none, 100 means some (one ``name.arch  version  repo`` line each; a
    long name wraps its version and repository onto an indented next line), anything
    else is an error and says nothing. The "Obsoleting Packages" section repeats
    packages already listed, so counting stops there.
    """
    if returncode == 0:
        return 0
    if returncode != DNF_UPDATES_AVAILABLE:
        return None
    seen: set[str] = set()
    for line in stdout.splitlines():
        if not line.strip() or line[0].isspace():
            continue  # blank, or the wrapped rest of a long package line
        if line.strip().lower().startswith(_DNF_SECTION_END):
            break
        first = line.split()[0]
        if _DNF_PACKAGE.match(first) and len(line.split()) in (1, 3):
            seen.add(first)
    return len(seen)


def dnf_pending_updates() -> int | None:
    """``dnf check-update --cacheonly``: the metadata already on disk, no network."""
    dnf = shutil.which("dnf")
    if dnf is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [dnf, "check-update", "--cacheonly", "--quiet"],
            capture_output=True, text=True, timeout=120, check=False,
            env={"LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_dnf_check_update(done.returncode, done.stdout)


def linux_pending_updates(root: Path) -> int | None:
    """Ubuntu's update-notifier count, else (real root only) apt's simulated upgrade, else
    dnf's ``check-update`` from its cached metadata.

    Both use what is already on disk (no network, no lock).
    """
    text = _read(root / "var/lib/update-notifier/updates-available")
    match = re.search(r"(\d+) (?:updates|update) can be applied", text)
    if match:
        return int(match.group(1))
    if root != Path("/"):
        return None
    apt = shutil.which("apt-get")
    if apt is None:
        return dnf_pending_updates()
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [apt, "-s", "-o", "Debug::NoLocking=1", "upgrade"],
            capture_output=True, text=True, timeout=60, check=False,
            env={"LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"^(\d+) upgraded", done.stdout, re.MULTILINE)
    return int(found.group(1)) if found else None


def read_nics() -> list[Nic]:
    nics = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        for addr in addrs:
            if addr.family == psutil.AF_LINK and addr.address:
                mac = addr.address.replace("-", ":").lower()
                valid = re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac)
                if valid and mac != "00:00:00:00:00:00":
                    nics.append(Nic(name=name[:255], mac=mac))
    return nics


def _ps_date(value: Any) -> str | None:
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


def parse_windows_status(text: str) -> dict[str, Any]:
    """Turn the PowerShell JSON into the report's ``antivirus`` section and OS details."""
    data = json.loads(text) if text.strip() else {}
    d = data.get("defender") or {}
    antivirus = None
    if d:
        antivirus = {
            "product": "Microsoft Defender",
            "service_enabled": d.get("AMServiceEnabled"),
            "enabled": d.get("AntivirusEnabled"),
            "real_time_protection": d.get("RealTimeProtectionEnabled"),
            "antispyware_enabled": d.get("AntispywareEnabled"),
            "signature_updated": _ps_date(d.get("AntivirusSignatureLastUpdated")),
            "signature_version": d.get("AntivirusSignatureVersion"),
            "product_version": d.get("AMProductVersion"),
            "engine_version": d.get("AMEngineVersion"),
            "last_quick_scan": _ps_date(d.get("QuickScanEndTime")),
            "last_full_scan": _ps_date(d.get("FullScanEndTime")),
            "tamper_protected": d.get("IsTamperProtected"),
        }
    os_data = data.get("os") or {}
    return {
        "antivirus": antivirus,
        "last_update": _ps_date(data.get("last_hotfix")),
        "os_caption": os_data.get("Caption") or "",
        "os_version": os_data.get("Version") or "",
        "os_build": str(os_data.get("BuildNumber") or ""),
        "install_date": _ps_date(os_data.get("InstallDate")),
    }


def run_powershell(timeout: float = 60) -> str:
    result = subprocess.run(  # noqa: S603
        ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", POWERSHELL_SCRIPT],  # noqa: S607
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    if result.returncode != 0:
        logger.warning("PowerShell failed (%s): %s", result.returncode, result.stderr.strip())
    return result.stdout


def collect(
    root: Path = Path("/"),
    system: str | None = None,
    windows_status: str | None = None,
    hostname: str | None = None,
) -> AgentReport:
    """This host's report. ``system`` and ``windows_status`` let tests take the Windows path."""
    system = system or platform.system()
    hardware, disks, cpu_model = Hardware(), [], platform.processor()[:255]
    os_info: dict[str, Any] = {"system": system}
    antivirus = None
    if system == "Linux":
        hardware, disks, cpu_model = read_dmi(root), read_block_devices(root), read_cpu_model(root)
        rel = read_os_release(root)
        os_info.update(
            name=rel.get("NAME", "Linux")[:255],
            version=rel.get("VERSION_ID", "")[:255],
            build=platform.release()[:255],
            pretty=rel.get("PRETTY_NAME", "Linux")[:255],
            install_date=linux_install_date(root),
            last_update=linux_last_update(root),
            pending_updates=linux_pending_updates(root),
        )
    elif system == "Windows":
        status = parse_windows_status(
            windows_status if windows_status is not None else run_powershell()
        )
        antivirus = status["antivirus"]
        caption = status["os_caption"] or f"Windows {platform.release()}"
        pretty = caption.removeprefix("Microsoft ").strip()
        os_info.update(
            name="Windows", version=status["os_version"] or platform.version(),
            build=status["os_build"], pretty=pretty[:255],
            install_date=status["install_date"], last_update=status["last_update"],
        )
        disks = _windows_disks()
    else:
        os_info.update(name=system, version=platform.release(), pretty=platform.platform())
    return AgentReport(
        agent_version=__version__,
        hostname=(hostname or socket.gethostname()).split(".")[0][:255] or "unknown",
        collected_at=datetime.now(UTC),
        hardware=hardware,
        cpu=Cpu(
            model=cpu_model,
            cores=psutil.cpu_count(logical=False),
            threads=psutil.cpu_count(logical=True),
        ),
        memory_bytes=psutil.virtual_memory().total,
        disks=disks,
        nics=read_nics(),
        os=OsInfo(**os_info),
        boot_time=datetime.fromtimestamp(psutil.boot_time(), tz=UTC),
        antivirus=antivirus,
    )


def _windows_disks() -> list[Disk]:
    disks = []
    for part in psutil.disk_partitions(all=False):
        try:
            total = psutil.disk_usage(part.mountpoint).total
        except OSError:
            continue
        disks.append(Disk(device=part.device[:255], size_bytes=total))
    return disks
