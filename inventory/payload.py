"""The agent report: what ``collect`` produces and ``/api/v1/agent/report`` accepts.

The server's pydantic schema of what ``itops_agent`` (Python) and ``agent/windows``
(PowerShell) send, with bounds on every list and string, so a malformed or oversized
report is rejected (4xx) before anything is stored. The agents build plain JSON and do
not import this module (the agent distribution carries no pydantic). New sections are
optional, so reports from older agents stay valid.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION: Literal[1] = 1

Short = Annotated[str, Field(max_length=255)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hardware(_Model):
    vendor: Short = ""
    product: Short = ""
    serial: Short = ""
    uuid: Short = ""
    chassis_type: int | None = Field(default=None, ge=0, le=255)


class Cpu(_Model):
    model: Short = ""
    cores: int | None = Field(default=None, ge=0, le=4096)
    threads: int | None = Field(default=None, ge=0, le=16384)


class Disk(_Model):
    device: Short
    model: Short = ""
    serial: Short = ""
    size_bytes: int = Field(ge=0)


class Nic(_Model):
    name: Short
    mac: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")]


class OsInfo(_Model):
    system: Short = ""
    name: Short = ""
    version: Short = ""
    build: Short = ""
    pretty: Short = ""
    install_date: AwareDatetime | None = None
    last_update: AwareDatetime | None = None
    pending_updates: int | None = Field(default=None, ge=0, le=100_000)


class Filesystem(_Model):
    mount: Short
    device: Short = ""
    fstype: Annotated[str, Field(max_length=32)] = ""
    size_bytes: int = Field(ge=0)
    free_bytes: int = Field(ge=0)


class Memory(_Model):
    total_bytes: int = Field(ge=0)
    available_bytes: int = Field(ge=0)
    swap_total_bytes: int = Field(default=0, ge=0)
    swap_used_bytes: int = Field(default=0, ge=0)


class Load(_Model):
    load1: float | None = Field(default=None, ge=0)
    load5: float | None = Field(default=None, ge=0)
    load15: float | None = Field(default=None, ge=0)
    cpu_count: int | None = Field(default=None, ge=1, le=16384)
    cpu_percent: float | None = Field(default=None, ge=0, le=100)


ServiceState = Literal["running", "stopped", "failed", "starting", "stopping", "missing",
                       "unknown"]


class Service(_Model):
    name: Short
    state: ServiceState
    detail: Annotated[str, Field(max_length=64)] = ""
    enabled: bool | None = None


class Updates(_Model):
    """Pending updates as the host sees them; None = the agent could not tell."""

    pending: int | None = Field(default=None, ge=0, le=100_000)
    security: int | None = Field(default=None, ge=0, le=100_000)
    reboot_required: bool | None = None
    last_success: AwareDatetime | None = None


class Package(_Model):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    version: Annotated[str, Field(max_length=128)] = ""
    publisher: Short = ""


class AgentReport(_Model):
    """One host's report, as POSTed by ``itops agent``."""

    schema_version: Literal[1] = SCHEMA_VERSION
    agent_version: Short = ""
    hostname: Annotated[str, Field(min_length=1, max_length=255,
                                   pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    collected_at: AwareDatetime
    hardware: Hardware = Field(default_factory=Hardware)
    cpu: Cpu = Field(default_factory=Cpu)
    memory_bytes: int = Field(default=0, ge=0)
    disks: list[Disk] = Field(default_factory=list, max_length=128)
    nics: list[Nic] = Field(default_factory=list, max_length=128)
    os: OsInfo = Field(default_factory=OsInfo)
    boot_time: AwareDatetime | None = None
    uptime_seconds: float | None = Field(default=None, ge=0)
    filesystems: list[Filesystem] = Field(default_factory=list, max_length=128)
    memory: Memory | None = None
    load: Load | None = None
    services: list[Service] = Field(default_factory=list, max_length=256)
    updates: Updates | None = None
    # None: not collected (older agent or --no-software); [] would mean "nothing installed".
    software: list[Package] | None = Field(default=None, max_length=10_000)
    antivirus: dict[str, Any] | None = None

    @field_validator("antivirus")
    @classmethod
    def _small_antivirus(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(value) > 64:
            raise ValueError("at most 64 antivirus fields")
        return value


def fingerprint(report: AgentReport) -> dict[str, Any]:
    """The parts whose change means a repair or reinstall happened (RAM, disks, CPU, OS)."""
    gib = 1024**3
    return {
        "cpu": f"{report.cpu.model} ({report.cpu.cores or '?'} cores)",
        "memory_gib": round(report.memory_bytes / gib) if report.memory_bytes else None,
        "disks": sorted(
            f"{d.model or '?'} {d.serial or '?'} {round(d.size_bytes / 1e9)} GB"
            for d in report.disks
        ),
        "os_install_date": _iso_day(report.os.install_date),
    }


def _iso_day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None
