"""The agent report: what ``collect`` produces and ``/api/v1/agent/report`` accepts.

The server's pydantic schema of what ``itops_agent`` (Python) and ``agent/windows``
(PowerShell) send. The agents build plain JSON and do not import this module (the agent
distribution carries no pydantic). New sections are optional, so reports from older
agents stay valid.

Every value is bounded so that whatever passes validation can be stored on SQLite and
PostgreSQL alike: strings fit their columns and hold no NUL (PostgreSQL text cannot),
integers fit a BIGINT, numbers are finite, times lie between 1990 and a day after the
server's clock, and the JSON nests at most ``MAX_DEPTH`` levels (checked on the raw
bytes, before parsing). A report that fails gets 422 naming the field; nothing of it is
written.

Sections owned by other features (``antivirus``) are kept here as flat objects of
bounded scalars; their owner parses them strictly (``itops.report_parts``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError

SCHEMA_VERSION: Literal[1] = 1
MAX_DEPTH = 8  # a report nests 3 levels (report → disks → disk); a part adds none
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
BIGINT_MAX = 2**63 - 1
MAX_PART_FIELDS = 64
MAX_PROBLEMS = 20


def no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL; no agent sends one on purpose."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


def reference_now(info: ValidationInfo | None) -> datetime:
    """The server's clock when validating a received report, the host's otherwise."""
    context = info.context if info is not None else None
    found = context.get("now") if isinstance(context, dict) else None
    return found if isinstance(found, datetime) else datetime.now(UTC)


def sane_time(value: datetime, info: ValidationInfo) -> datetime:
    """Between 1990-01-01 and a day after the reference clock."""
    latest = reference_now(info) + FUTURE_SLACK
    try:
        if value < EARLIEST:
            raise ValueError("is before 1990")
        if value > latest:
            raise ValueError(f"is more than a day after the server's clock ({latest:%Y-%m-%d})")
        value.astimezone(UTC)  # the stored form must exist (no overflow near year 1 / 9999)
    except OverflowError:
        raise ValueError("is out of range") from None
    return value


Moment = Annotated[AwareDatetime, AfterValidator(sane_time)]


Count = Annotated[int, Field(strict=True, ge=0, le=BIGINT_MAX)]
# Strings without NUL, at most as long as the columns they are copied into.
Short = Annotated[str, Field(max_length=255), AfterValidator(no_nul)]
Text200 = Annotated[str, Field(max_length=200), AfterValidator(no_nul)]
Text128 = Annotated[str, Field(max_length=128), AfterValidator(no_nul)]
Text64 = Annotated[str, Field(max_length=64), AfterValidator(no_nul)]
Text32 = Annotated[str, Field(max_length=32), AfterValidator(no_nul)]
Seconds = Annotated[float, Field(ge=0, le=1e11)]  # finite (model config), a few millennia


def part_scalar(value: Any) -> Any:
    """A value of an owned section: null, true/false, a bounded integer or finite number,
    or a string of at most 255 characters. Nothing nested."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -BIGINT_MAX - 1 <= value <= BIGINT_MAX:
            raise ValueError("integer out of range")
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return value
    if isinstance(value, str):
        if len(value) > 255:
            raise ValueError("longer than 255 characters")
        return no_nul(value)
    raise ValueError("must be a string, number, true/false or null (nothing nested)")


Hostname = Annotated[
    str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
PartKey = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
PartFields = dict[PartKey, Annotated[Any, PlainValidator(part_scalar)]]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Hardware(_Model):
    vendor: Text200 = ""  # inv_asset.manufacturer
    product: Text200 = ""  # inv_asset.model
    serial: Text128 = ""  # inv_asset.serial
    uuid: Text64 = ""  # inv_asset.hardware_uuid
    chassis_type: Annotated[int, Field(strict=True, ge=0, le=255)] | None = None


class Cpu(_Model):
    model: Short = ""
    cores: Annotated[int, Field(strict=True, ge=0, le=4096)] | None = None
    threads: Annotated[int, Field(strict=True, ge=0, le=16384)] | None = None


class Disk(_Model):
    device: Short
    model: Short = ""
    serial: Short = ""
    size_bytes: Count


class Nic(_Model):
    name: Short
    mac: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")]


class OsInfo(_Model):
    system: Short = ""
    name: Short = ""
    version: Short = ""
    build: Short = ""
    pretty: Short = ""
    install_date: Moment | None = None
    last_update: Moment | None = None
    pending_updates: Annotated[int, Field(strict=True, ge=0, le=100_000)] | None = None


class Filesystem(_Model):
    mount: Short
    device: Short = ""
    fstype: Text32 = ""
    size_bytes: Count
    free_bytes: Count


class Memory(_Model):
    total_bytes: Count
    available_bytes: Count
    swap_total_bytes: Count = 0
    swap_used_bytes: Count = 0


class Load(_Model):
    load1: Annotated[float, Field(ge=0, le=1e6)] | None = None
    load5: Annotated[float, Field(ge=0, le=1e6)] | None = None
    load15: Annotated[float, Field(ge=0, le=1e6)] | None = None
    cpu_count: Annotated[int, Field(strict=True, ge=1, le=16384)] | None = None
    cpu_percent: Annotated[float, Field(ge=0, le=100)] | None = None


ServiceState = Literal["running", "stopped", "failed", "starting", "stopping", "missing", "unknown"]


class Service(_Model):
    name: Short
    state: ServiceState
    detail: Text64 = ""
    enabled: bool | None = None


class Updates(_Model):
    """Pending updates as the host sees them; None = the agent could not tell."""

    pending: Annotated[int, Field(strict=True, ge=0, le=100_000)] | None = None
    security: Annotated[int, Field(strict=True, ge=0, le=100_000)] | None = None
    reboot_required: bool | None = None
    last_success: Moment | None = None


class Package(_Model):
    name: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(no_nul)]
    version: Text128 = ""
    publisher: Short = ""


class AgentReport(_Model):
    """One host's report, as POSTed by ``itops agent``."""

    schema_version: Literal[1] = SCHEMA_VERSION
    agent_version: Short = ""
    hostname: Hostname
    collected_at: Moment
    hardware: Hardware = Field(default_factory=Hardware)
    cpu: Cpu = Field(default_factory=Cpu)
    memory_bytes: Count = 0
    disks: list[Disk] = Field(default_factory=list, max_length=128)
    nics: list[Nic] = Field(default_factory=list, max_length=128)
    os: OsInfo = Field(default_factory=OsInfo)
    boot_time: Moment | None = None
    uptime_seconds: Seconds | None = None
    filesystems: list[Filesystem] = Field(default_factory=list, max_length=128)
    memory: Memory | None = None
    load: Load | None = None
    services: list[Service] = Field(default_factory=list, max_length=256)
    updates: Updates | None = None
    # None: not collected (older agent or --no-software); [] would mean "nothing installed".
    software: list[Package] | None = Field(default=None, max_length=10_000)
    antivirus: PartFields | None = None

    @field_validator("antivirus")
    @classmethod
    def _small_antivirus(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(value) > MAX_PART_FIELDS:
            raise ValueError(f"at most {MAX_PART_FIELDS} antivirus fields")
        return value


class ReportInvalid(ValueError):
    """A received report failed validation: ``problems`` are "field.path: reason" lines;
    ``status`` 400 when the body is not JSON at all, else 422."""

    def __init__(self, problems: list[str], status: int = 422) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        self.status = status
        super().__init__("; ".join(self.problems))


_KEEP_ONLY_STRUCTURE = bytes(c for c in range(256) if c not in b'"[]{}')
_INNERMOST = re.compile(rb"[\[{][\]}]")


def json_depth_exceeds(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when ``body`` nests arrays/objects deeper than ``limit`` (strings skipped).

    Runs on the raw bytes, in C-speed passes (a 2 MiB software list takes milliseconds on
    the event loop), so a hostile document is refused before any parser recurses into it:
    escaped backslashes and quotes are dropped, then everything but quotes and brackets,
    then what lies between quotes; each pass then removes the innermost bracket pairs. Unbalanced
    input is left to the parser to refuse as not JSON.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    text = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    text = b"".join(text.translate(None, _KEEP_ONLY_STRUCTURE).split(b'"')[::2])
    for _ in range(limit):
        text, removed = _INNERMOST.subn(b"", text)
        if not text or not removed:
            return False
    return bool(_INNERMOST.search(text))


def problems_of(exc: PydanticValidationError, prefix: str = "") -> list[str]:
    """One "field.path: reason" line per failing field (unions collapsed to one line)."""
    seen: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in error["loc"]]
        # Union and validator branches add their type names to the path: drop them.
        loc = [
            p
            for p in loc
            if not p.startswith(("function-", "constrained-"))
            and p not in ("bool", "int", "float", "str", "json-or-python[json=")
        ]
        path = ".".join([prefix, *loc] if prefix else loc) or "body"
        message = str(error["msg"]).removeprefix("Value error, ")
        seen.setdefault(path, message)
    return [f"{path}: {why}" for path, why in seen.items()]


def parse_report(body: bytes, now: datetime) -> AgentReport:
    """Parse and validate a received report as of the server's ``now``; ``ReportInvalid``."""
    if json_depth_exceeds(body):
        raise ReportInvalid([f"body: nested deeper than {MAX_DEPTH} levels"])
    try:
        return AgentReport.model_validate_json(body, context={"now": now})
    except PydanticValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors(include_url=False)):
            raise ReportInvalid(["body: not JSON (or not UTF-8)"], status=400) from None
        raise ReportInvalid(problems_of(exc)) from None


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
