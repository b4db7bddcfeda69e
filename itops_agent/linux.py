"""Linux facts from an injectable filesystem ``root``: /sys (DMI, block devices), /proc, /etc, /var.

Every path is read under ``root`` so tests use a canned tree. Unreadable files (the DMI
serial is root-only on most distributions) give empty values, never an error: a partial
report is better than none. Commands (apt, dnf, systemctl) go through an injectable
``Runner`` and are only run against the real root.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itops_agent.run import Runner

logger = logging.getLogger(__name__)

PLACEHOLDER_IDS = {
    "",
    "0",
    "none",
    "default string",
    "to be filled by o.e.m.",
    "system serial number",
    "not specified",
    "not applicable",
    "chassis serial number",
    "0123456789",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "03000200-0400-0500-0006-000700080009",
}
SKIP_BLOCK = re.compile(r"^(loop|ram|zram|dm-|md|sr|fd|nbd)")
# Filesystems that hold data someone can fill; pseudo and read-only image filesystems are not.
DATA_FS = {
    "ext2",
    "ext3",
    "ext4",
    "xfs",
    "btrfs",
    "zfs",
    "jfs",
    "reiserfs",
    "f2fs",
    "vfat",
    "exfat",
    "ntfs",
    "ntfs3",
    "fuseblk",
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "bcachefs",
}


def usable_id(value: str) -> str:
    """The identifier, or "" when it is a vendor placeholder shared by many machines."""
    value = value.strip()
    return "" if value.lower() in PLACEHOLDER_IDS else value


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def read_dmi(root: Path) -> dict[str, Any]:
    dmi = root / "sys/class/dmi/id"
    chassis = read(dmi / "chassis_type")
    return {
        "vendor": read(dmi / "sys_vendor")[:255],
        "product": read(dmi / "product_name")[:255],
        "serial": usable_id(read(dmi / "product_serial"))[:255],
        "uuid": usable_id(read(dmi / "product_uuid")).lower()[:255],
        "chassis_type": int(chassis) if chassis.isdigit() and int(chassis) < 256 else None,
    }


def read_block_devices(root: Path) -> list[dict[str, Any]]:
    """Physical disks from /sys/block (size in 512-byte sectors), skipping virtual ones."""
    base = root / "sys/block"
    disks = []
    for dev in sorted(base.iterdir()) if base.is_dir() else []:
        if SKIP_BLOCK.match(dev.name):
            continue
        sectors = read(dev / "size")
        if not sectors.isdigit() or int(sectors) == 0:
            continue
        serial = read(dev / "device/serial") or read(dev / "serial")
        disks.append(
            {
                "device": dev.name,
                "model": read(dev / "device/model")[:255],
                "serial": usable_id(serial)[:255],
                "size_bytes": int(sectors) * 512,
            }
        )
    return disks


def read_cpu_model(root: Path, fallback: str = "") -> str:
    for line in read(root / "proc/cpuinfo").splitlines():
        if line.lower().startswith(("model name", "hardware", "processor\t: arm")):
            return line.split(":", 1)[1].strip()[:255]
    return fallback[:255]


def read_os_release(root: Path) -> dict[str, str]:
    out = {}
    for line in read(root / "etc/os-release").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip().strip('"')
    return out


def mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return None


def install_date(root: Path) -> datetime | None:
    """The installer's log directory, else ``lost+found`` (made by mkfs at installation)."""
    for candidate in ("var/log/installer", "lost+found"):
        found = mtime(root / candidate)
        if found is not None and found.year >= 1995:
            return found
    return None


def _apt_entries(text: str) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                entries.append(current)
            current = {}
            continue
        key, sep, value = line.partition(":")
        if sep:
            current[key.strip()] = value.strip()
    if current:
        entries.append(current)
    return entries


def last_update(root: Path) -> datetime | None:
    """The last *successful* package upgrade, as UTC.

    apt: the End-Date (host local time) of the newest history entry that upgraded
    something and logged no ``Error:``; unattended-upgrades' stamp file; else the dnf
    history database's modification time.
    """
    found: list[datetime] = []
    for entry in _apt_entries(read(root / "var/log/apt/history.log")):
        if "End-Date" not in entry or "Error" in entry or "Upgrade" not in entry:
            continue
        try:
            found.append(datetime.strptime(entry["End-Date"], "%Y-%m-%d  %H:%M:%S").astimezone(UTC))
        except ValueError:
            logger.debug("unparsable apt End-Date %r", entry["End-Date"])
    stamp = mtime(root / "var/lib/apt/periodic/upgrade-stamp")
    if stamp is not None:
        found.append(stamp)
    if found:
        return max(found)
    return mtime(root / "var/lib/dnf/history.sqlite")


DNF_UPDATES_AVAILABLE = 100  # ``dnf check-update``: 100 = updates, 0 = none, 1 = error
_DNF_PACKAGE = re.compile(r"^[A-Za-z0-9_+.-]+\.[A-Za-z0-9_]+$")
_DNF_SECTION_END = ("obsoleting packages", "security:")


def parse_dnf_check_update(returncode: int | None, stdout: str) -> int | None:
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


def parse_dnf_security(returncode: int | None, stdout: str) -> int | None:
    """Security advisories' packages from ``dnf updateinfo list --security``."""
    if returncode != 0:
        return None
    packages = {
        parts[2]
        for parts in (line.split() for line in stdout.splitlines())
        if len(parts) >= 3 and "sec" in parts[1].lower()
    }
    return len(packages)


def parse_apt_simulation(stdout: str) -> tuple[int, int]:
    """(pending, security) from ``apt-get -s upgrade``: ``Inst`` lines, and those from a
    ``…-security`` suite."""
    inst = [line for line in stdout.splitlines() if line.startswith("Inst ")]
    security = [line for line in inst if re.search(r"[-/]security\b", line, re.IGNORECASE)]
    return len(inst), len(security)


def parse_update_notifier(text: str) -> tuple[int | None, int | None]:
    """Ubuntu's update-notifier text: "12 updates can be applied immediately. 5 of these
    updates are standard security updates." (and the older "packages can be updated")."""
    pending = re.search(r"(\d+) (?:updates?|packages?) can be (?:applied|updated)", text)
    security = re.search(
        r"(\d+) (?:of these )?updates? (?:is a|are|is) (?:standard )?"
        r"security updates?",
        text,
    )
    if pending is None:
        return None, None
    return int(pending.group(1)), int(security.group(1)) if security else 0


def pending_updates(root: Path, run: Runner, commands: bool) -> dict[str, Any]:
    """Pending and security updates and whether a reboot is pending.

    1. Ubuntu's update-notifier file (no command), else, when ``commands`` (the real root),
    2. apt's simulated upgrade, else dnf's check-update and updateinfo from cached
       metadata (both: what is already on disk, no network, no lock).
    """
    reboot = any((root / p).exists() for p in ("run/reboot-required", "var/run/reboot-required"))
    out: dict[str, Any] = {"pending": None, "security": None, "reboot_required": reboot}
    notifier = read(root / "var/lib/update-notifier/updates-available")
    pending, security = parse_update_notifier(notifier)
    if pending is not None:
        out.update(pending=pending, security=security)
        return out
    if not commands:
        return out
    code, text = run(["apt-get", "-s", "-o", "Debug::NoLocking=1", "upgrade"], 60)
    if code == 0:
        out["pending"], out["security"] = parse_apt_simulation(text)
        return out
    code, text = run(["dnf", "check-update", "--cacheonly", "--quiet"], 120)
    out["pending"] = parse_dnf_check_update(code, text)
    if out["pending"] is not None:
        out["security"] = parse_dnf_security(
            *run(["dnf", "updateinfo", "list", "--security", "--cacheonly", "--quiet"], 120)
        )
        restart, _ = run(["needs-restarting", "-r"], 60)
        out["reboot_required"] = reboot or restart == 1
    return out


def read_filesystems(root: Path) -> list[dict[str, Any]]:
    """Data filesystems from ``proc/self/mounts`` with size and free space (statvfs).

    ``free_bytes`` is what an unprivileged user can still write (``f_bavail``), the
    figure that fills up first; bind mounts of one device are reported once.
    """
    seen_devices: set[str] = set()
    out = []
    for line in read(root / "proc/self/mounts").splitlines()[:512]:
        parts = line.split()
        if len(parts) < 3 or parts[2] not in DATA_FS:
            continue
        device, mount, fstype = parts[0], parts[1].replace("\\040", " "), parts[2]
        if device in seen_devices:
            continue
        try:
            st = os.statvfs(root / mount.lstrip("/"))
        except OSError:
            continue
        seen_devices.add(device)
        out.append(
            {
                "mount": mount[:255],
                "device": device[:255],
                "fstype": fstype[:32],
                "size_bytes": st.f_blocks * st.f_frsize,
                "free_bytes": st.f_bavail * st.f_frsize,
            }
        )
    return out[:128]


def read_memory(root: Path) -> dict[str, int] | None:
    """RAM and swap from ``proc/meminfo`` (kB there, bytes here)."""
    values: dict[str, int] = {}
    for line in read(root / "proc/meminfo").splitlines():
        key, _, rest = line.partition(":")
        number = rest.split()
        if number and number[0].isdigit():
            values[key] = int(number[0]) * 1024
    if "MemTotal" not in values:
        return None
    available = values.get("MemAvailable", values.get("MemFree", 0))
    return {
        "total_bytes": values["MemTotal"],
        "available_bytes": available,
        "swap_total_bytes": values.get("SwapTotal", 0),
        "swap_used_bytes": values.get("SwapTotal", 0) - values.get("SwapFree", 0),
    }


def read_load(root: Path, cpus: int | None) -> dict[str, Any] | None:
    parts = read(root / "proc/loadavg").split()
    try:
        load1, load5, load15 = (float(p) for p in parts[:3])
    except ValueError:
        return None
    return {
        "load1": load1,
        "load5": load5,
        "load15": load15,
        "cpu_count": cpus,
        "cpu_percent": None,
    }


def read_uptime(root: Path) -> float | None:
    parts = read(root / "proc/uptime").split()
    try:
        return float(parts[0]) if parts else None
    except ValueError:
        return None


_SYSTEMD_STATES = {
    "active": "running",
    "inactive": "stopped",
    "failed": "failed",
    "activating": "starting",
    "deactivating": "stopping",
    "reloading": "running",
}


def parse_systemctl_show(names: Sequence[str], stdout: str) -> list[dict[str, Any]]:
    """Unit states from ``systemctl show --property=Id,LoadState,ActiveState,SubState,…``.

    systemctl prints one blank-line-separated block per unit, in the order asked. A unit
    that does not exist has ``LoadState=not-found`` and is reported as ``missing``.
    """
    blocks = [b for b in stdout.strip().split("\n\n") if b.strip()]
    out = []
    for name, block in zip(names, blocks, strict=False):
        props = dict(line.partition("=")[::2] for line in block.splitlines())
        if props.get("LoadState") == "not-found":
            state = "missing"
        else:
            state = _SYSTEMD_STATES.get(props.get("ActiveState", ""), "unknown")
        out.append(
            {
                "name": name[:255],
                "state": state,
                "detail": props.get("SubState", "")[:64],
                "enabled": props.get("UnitFileState") == "enabled",
            }
        )
    for name in names[len(out) :]:
        out.append({"name": name[:255], "state": "unknown", "detail": "", "enabled": None})
    return out


def service_states(names: Sequence[str], run: Runner) -> list[dict[str, Any]]:
    if not names:
        return []
    code, text = run(
        [
            "systemctl",
            "show",
            "--no-pager",
            "--property=Id,LoadState,ActiveState,SubState,UnitFileState",
            *names,
        ],
        30,
    )
    return parse_systemctl_show(names, text if code == 0 else "")
