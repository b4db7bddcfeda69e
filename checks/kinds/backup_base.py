"""What every backup kind shares: freshness rules, measurement names, subprocess calls.

A backup has three separate signals (freshness, verification, plausibility) because a
liveness signal alone stays green while the backup itself silently stopped. Every kind
reports them as measurements with the names below, so storage and metrics need no
per-kind code.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from itops import formats
from itops.check import Check, Options
from itops.clock import Clock, SystemClock
from itops.errors import ProbeError
from itops.messages import COMMA_LIST, Summary, joined
from itops.status import Measurement, Status

if TYPE_CHECKING:
    from checks.backups.public import BackupConfig

logger = logging.getLogger(__name__)

# Measurement names every kind uses (timestamps are Unix seconds, unit "ts").
OBSERVED_AT = "observed_at"
LAST_SUCCESS = "last_success_ts"
SIZE = "size_bytes"
VERIFY_OK = "verify_ok"
VERIFY_AT = "verify_ts"
RUNTIME = "runtime_seconds"
COUNT = "count"
REPO_MISSING = "repo_missing"

LOCAL_TZ = "Europe/Warsaw"


def ts(value: datetime) -> float:
    return value.timestamp()


def from_ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def at_ts(value: float) -> datetime:
    """A measurement timestamp that is known to be present, as an aware UTC datetime."""
    return datetime.fromtimestamp(value, UTC)


def human_age(seconds: float) -> str:
    """ "3 d 4 h", "5 h 10 min", "42 min", "12 s": how officers read an age (logs, CLI)."""
    return formats.age(seconds, "en")


def human_size(size: float) -> str:
    """ "1.5 GiB" (logs, CLI; pages and messages write the reader's decimal comma)."""
    return formats.size(size, "en")


@dataclass(frozen=True)
class Deadline:
    """When the next successful run had to exist at the latest, and the rule that says so."""

    at: datetime
    rule: Summary


def deadline(
    last_success: datetime,
    *,
    max_age: timedelta | None,
    period: timedelta | None,
    schedule: str | None,
    grace: timedelta,
    tz: str = LOCAL_TZ,
) -> Deadline | None:
    """The earliest of the configured limits after ``last_success``.

    ``max_age`` is a hard limit (no grace); ``period`` and the cron ``schedule`` (local
    time, so a 02:00 job stays at 02:00 across DST) get ``grace`` for a slow run.
    """
    found: list[Deadline] = []
    if max_age is not None:
        rule = Summary("backup.rule.max_age", {"limit": max_age.total_seconds()})
        found.append(Deadline(last_success + max_age, rule))
    if period is not None:
        found.append(
            Deadline(
                last_success + period + grace,
                Summary(
                    "backup.rule.period",
                    {"period": period.total_seconds(), "grace": grace.total_seconds()},
                ),
            )
        )
    if schedule is not None:
        from croniter import croniter

        local = last_success.astimezone(ZoneInfo(tz))
        expected = croniter(schedule, local).get_next(datetime)
        found.append(
            Deadline(
                expected.astimezone(UTC) + grace,
                Summary("backup.rule.schedule", {"schedule": schedule}),
            )
        )
    return min(found, key=lambda d: d.at) if found else None


def freshness(
    last_success: datetime | None, now: datetime, config: BackupConfig, subject: str
) -> tuple[Status, Summary]:
    """CRITICAL when no successful run exists or the deadline after the last one passed.
    ``subject`` is one of ``backup_texts.SUBJECTS`` (file, snapshot, archive, ping)."""
    if last_success is None:
        return Status.CRITICAL, Summary(f"backup.not_found.{subject}")
    age = (now - last_success).total_seconds()
    limit = deadline(
        last_success,
        max_age=config.max_age,
        period=config.period,
        schedule=config.schedule,
        grace=config.grace,
    )
    if limit is not None and now > limit.at:
        return Status.CRITICAL, Summary(
            f"backup.too_old.{subject}", {"age": age, "rule": limit.rule}
        )
    return Status.OK, Summary(f"backup.newest.{subject}", {"age": age})


def with_size(summary: Summary, values: dict[str, float]) -> Summary:
    """ "newest snapshot is 3 h old, 1.5 GiB" when the size is known."""
    if SIZE not in values:
        return summary
    return joined([summary, Summary("backup.size", {"size": values[SIZE]})], COMMA_LIST)


class BackupOptions(Options):
    """Base of a backup kind's own keys."""


class BackupCheck(Check[Any]):
    """A backup kind: a Check whose config is a ``[[backups]]`` entry.

    ``verify=True`` builds the slower verification run (``restic check`` …) of the same
    backup; the daemon schedules it on ``verify_interval``. ``clock`` is injectable so
    evaluation stays pure: the probe records ``observed_at`` and evaluate uses only that.
    """

    kind: ClassVar[str]
    Options: ClassVar[type[Options]] = BackupOptions
    counts_for_kpi_default = False
    timeout_status = Status.UNKNOWN
    verifiable: ClassVar[bool] = False

    def __init__(
        self, config: BackupConfig, *, verify: bool = False, clock: Clock | None = None
    ) -> None:
        if verify:
            config = config.model_copy(update={"timeout": config.verify_timeout})
        super().__init__(config)
        self.backup: BackupConfig = config
        self.verify = verify
        self.clock: Clock = clock or SystemClock()
        self.detail: Summary | None = None  # the probe's words for evaluate (a path, a check)

    def observed(self) -> Measurement:
        return Measurement(OBSERVED_AT, ts(self.clock.now()), "ts")

    @staticmethod
    def values(measurements: Sequence[Measurement]) -> dict[str, float]:
        return {m.name: m.value for m in measurements}


def tool_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no inherited RESTIC_PASSWORD/BORG_PASSPHRASE can leak in."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/var/lib/itops"),
        "LC_ALL": "C.UTF-8",
    }
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    stdout: str
    stderr: str


async def run_tool(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    timeout: float,
    pass_fds: Sequence[int] = (),
) -> ToolResult:
    """Run a backup tool without a shell; kill it (not leave it behind) on timeout."""
    binary = shutil.which(argv[0], path=env.get("PATH"))
    if binary is None:
        package = "borgbackup" if argv[0] == "borg" else argv[0]
        raise ProbeError.of(Summary("backup.not_installed", {"tool": argv[0], "package": package}))
    proc = await asyncio.create_subprocess_exec(
        binary,
        *argv[1:],
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        pass_fds=tuple(pass_fds),
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except (TimeoutError, asyncio.CancelledError):
        if proc.returncode is None:
            # Its own session: the whole group goes (restic's ssh for sftp repositories too).
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            await proc.wait()
        raise
    return ToolResult(
        proc.returncode if proc.returncode is not None else -1,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
    )


def last_lines(text: str, count: int = 2) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:])[:400]


def require_password_file(path: os.PathLike[str] | str, name: str) -> None:
    """A readable password file, or a clear UNKNOWN naming the file."""
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except FileNotFoundError:
        code = "backup.password_missing"
    except PermissionError:
        code = "backup.password_unreadable"
    except IsADirectoryError:
        code = "backup.password_directory"
    else:
        return
    raise ProbeError.of(Summary(code, {"name": name, "path": str(path)})) from None
