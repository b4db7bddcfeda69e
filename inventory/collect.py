"""Collect this host's report for ``itops agent`` and the daemon: ``itops_agent`` + validation.

The collection itself lives in ``itops_agent`` (psutil and the standard library only, so
it also ships alone as the ``itops-agent`` distribution); here its dictionary becomes the
validated ``AgentReport`` the rest of itops works with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from inventory.payload import AgentReport, Disk, Hardware
from itops_agent import collect as _collect
from itops_agent import linux
from itops_agent.linux import parse_dnf_check_update, usable_id
from itops_agent.run import Runner, run_command
from itops_agent.windows import parse_windows_status

__all__ = [
    "collect",
    "parse_dnf_check_update",
    "parse_windows_status",
    "read_block_devices",
    "read_dmi",
    "usable_id",
]


def read_dmi(root: Path) -> Hardware:
    return Hardware.model_validate(linux.read_dmi(root))


def read_block_devices(root: Path) -> list[Disk]:
    return [Disk.model_validate(d) for d in linux.read_block_devices(root)]


def collect(
    root: Path = Path("/"),
    system: str | None = None,
    windows_status: str | None = None,
    hostname: str | None = None,
    services: Sequence[str] = (),
    run: Runner = run_command,
    with_software: bool = True,
    now: datetime | None = None,
) -> AgentReport:
    """This host's validated report. ``system`` and ``windows_status`` let tests take the
    Windows path; ``run`` replaces the system commands (apt, dnf, systemctl)."""
    return AgentReport.model_validate(
        _collect.collect(root, system, windows_status, hostname, services, run, with_software, now)
    )
