"""Collect one host's report as a JSON-ready dictionary (the server validates it).

Inventory (hardware, disks, NICs, OS) and health (filesystems, memory and swap, load,
uptime, named services, updates, installed software) in one document, the schema of
``inventory.payload.AgentReport``. ``root``, ``system``, ``windows_status`` and ``run``
let tests take either path on canned data.
"""

from __future__ import annotations

import platform
import re
import socket
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from itops_agent import SCHEMA_VERSION, __version__, linux, software, windows
from itops_agent.run import Runner, run_command


def read_nics() -> list[dict[str, str]]:
    nics = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        for addr in addrs:
            if addr.family == psutil.AF_LINK and addr.address:
                mac = addr.address.replace("-", ":").lower()
                valid = re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac)
                if valid and mac != "00:00:00:00:00:00":
                    nics.append({"name": name[:255], "mac": mac})
    return nics[:128]


def psutil_filesystems() -> list[dict[str, Any]]:
    """Filesystems as psutil sees them (Windows drive letters, other systems)."""
    out = []
    for part in psutil.disk_partitions(all=False)[:128]:
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError:
            continue
        out.append(
            {
                "mount": part.mountpoint[:255],
                "device": part.device[:255],
                "fstype": part.fstype[:32],
                "size_bytes": usage.total,
                "free_bytes": usage.free,
            }
        )
    return out


def psutil_memory() -> dict[str, int]:
    vm, sw = psutil.virtual_memory(), psutil.swap_memory()
    return {
        "total_bytes": vm.total,
        "available_bytes": vm.available,
        "swap_total_bytes": sw.total,
        "swap_used_bytes": sw.used,
    }


def _linux(root: Path, services: Sequence[str], run: Runner, with_software: bool) -> dict[str, Any]:
    # Commands see the real system: run them for the real root, or when a test injects them.
    commands = root == Path("/") or run is not run_command
    rel = linux.read_os_release(root)
    updates = linux.pending_updates(root, run, commands)
    last = linux.last_update(root)
    updates["last_success"] = last.isoformat() if last else None
    memory = linux.read_memory(root) or psutil_memory()
    inst = linux.install_date(root)
    return {
        "hardware": linux.read_dmi(root),
        "disks": linux.read_block_devices(root),
        "cpu_model": linux.read_cpu_model(root, platform.processor()),
        "os": {
            "name": rel.get("NAME", "Linux")[:255],
            "version": rel.get("VERSION_ID", "")[:255],
            "build": platform.release()[:255],
            "pretty": rel.get("PRETTY_NAME", "Linux")[:255],
            "install_date": inst.isoformat() if inst else None,
            "last_update": updates["last_success"],
            "pending_updates": updates["pending"],
        },
        "filesystems": linux.read_filesystems(root),
        "memory": memory,
        "load": linux.read_load(root, psutil.cpu_count(logical=True)),
        "uptime_seconds": linux.read_uptime(root),
        "services": (
            linux.service_states(services, run)
            if commands
            else linux.parse_systemctl_show(services, "")
        ),
        "updates": updates,
        "software": software.linux_software(root, run, commands) if with_software else None,
    }


def _windows(
    status_json: str | None, services: Sequence[str], with_software: bool
) -> dict[str, Any]:
    status = windows.parse_windows_status(
        status_json if status_json is not None else windows.run_powershell()
    )
    caption = status["os_caption"] or f"Windows {platform.release()}"
    real = status_json is None
    return {
        "cpu_model": platform.processor()[:255],
        "antivirus": status["antivirus"],
        "os": {
            "name": "Windows",
            "version": status["os_version"] or platform.version(),
            "build": status["os_build"],
            "pretty": caption.removeprefix("Microsoft ").strip()[:255],
            "install_date": status["install_date"],
            "last_update": status["last_update"],
            "pending_updates": status["updates"]["pending"],
        },
        "disks": [
            {"device": f["device"], "size_bytes": f["size_bytes"]} for f in psutil_filesystems()
        ]
        if real
        else [],
        "filesystems": psutil_filesystems() if real else [],
        "memory": psutil_memory(),
        "load": {
            "load1": None,
            "load5": None,
            "load15": None,
            "cpu_count": psutil.cpu_count(logical=True),
            "cpu_percent": psutil.cpu_percent(interval=0.5) if real else None,
        },
        "last_boot": status["last_boot"],
        "services": windows.windows_services(services) if real and services else [],
        "updates": status["updates"],
        "software": (
            software.shape_uninstall_entries(software.windows_registry_entries())
            if real and with_software
            else None
        ),
    }


def collect(
    root: Path = Path("/"),
    system: str | None = None,
    windows_status: str | None = None,
    hostname: str | None = None,
    services: Sequence[str] = (),
    run: Runner = run_command,
    with_software: bool = True,
    now: datetime | None = None,
) -> dict[str, Any]:
    """This host's report as a dictionary ready for ``json.dumps``."""
    system = system or platform.system()
    now = now or datetime.now(UTC)
    parts: dict[str, Any] = {
        "disks": [],
        "hardware": {},
        "cpu_model": platform.processor()[:255],
        "os": {},
    }
    if system == "Linux":
        parts = _linux(root, services, run, with_software)
    elif system == "Windows":
        parts = _windows(windows_status, services, with_software)
    else:
        parts["os"] = {"name": system, "version": platform.release(), "pretty": platform.platform()}
    uptime = parts.pop("uptime_seconds", None)
    last_boot = parts.pop("last_boot", None)
    if uptime is not None:
        boot = (now - timedelta(seconds=uptime)).isoformat()
    else:
        boot = last_boot or datetime.fromtimestamp(psutil.boot_time(), tz=UTC).isoformat()
        uptime = max(0.0, (now - datetime.fromisoformat(boot)).total_seconds())
    memory = parts.get("memory") or psutil_memory()
    report = {
        "schema_version": SCHEMA_VERSION,
        "agent_version": __version__,
        "hostname": (hostname or socket.gethostname()).split(".")[0][:255] or "unknown",
        "collected_at": now.isoformat(),
        "cpu": {
            "model": parts.pop("cpu_model"),
            "cores": psutil.cpu_count(logical=False),
            "threads": psutil.cpu_count(logical=True),
        },
        "memory_bytes": memory["total_bytes"],
        "nics": read_nics(),
        "boot_time": boot,
        "uptime_seconds": round(uptime, 1),
        **parts,
    }
    report["os"] = {"system": system, **report["os"]}
    return {k: v for k, v in report.items() if v is not None}
