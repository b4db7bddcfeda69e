"""``restic``: the real restic binary (never the unrelated PyPI package of that name).

Look: ``restic snapshots --json --latest 1`` (filtered by host/tag/path) gives the time of
the newest snapshot, ``restic stats --json latest`` its restore size. Verification, on its
own slower schedule: ``restic check`` (optionally ``--read-data-subset=k/N``, rotating k so
that N runs read the whole repository). Never ``unlock``, never ``repair``: a locked
repository is UNKNOWN with a hint, not a failure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from checks.kinds.backup_base import (
    COUNT,
    REPO_MISSING,
    BackupOptions,
    ToolResult,
    last_lines,
    require_password_file,
    run_tool,
    tool_env,
    with_size,
)
from checks.kinds.backup_repo import Newest, RepositoryBackupCheck
from checks.kinds.backup_texts import TEXTS
from itops.errors import ProbeError
from itops.messages import COMMA_LIST, Summary, joined, raw
from itops.status import Measurement

# restic ≥ 0.17 exit codes; older versions say the same things only on stderr.
EXIT_REPO_MISSING = 10
EXIT_LOCKED = 11
EXIT_WRONG_PASSWORD = 12


class ResticOptions(BackupOptions):
    repository: str = Field(min_length=1)
    password_file: Path
    host: str | None = None
    tags: list[str] = Field(default_factory=list)
    path: str | None = None
    cache_dir: Path | None = None
    read_data_parts: int = Field(default=0, ge=0, le=1000)
    measure_size: bool = True
    binary: str = "restic"


def classify_failure(name: str, repository: str, result: ToolResult) -> str | None:
    """``REPO_MISSING`` for a missing repository; raises ProbeError for "cannot tell" cases.

    Returns None when the failure is none of the known ones (the caller decides).
    """
    err = result.stderr.lower()
    if result.returncode == EXIT_REPO_MISSING or (
        "unable to open config file" in err or "repository does not exist" in err
    ):
        return REPO_MISSING
    if (
        result.returncode == EXIT_LOCKED
        or "repository is already locked" in err
        or ("unable to create lock" in err)
    ):
        raise ProbeError.of(
            Summary(
                "backup.locked",
                {"name": name, "repo": repository, "tool": "restic", "unlock": "restic unlock"},
            )
        )
    if result.returncode == EXIT_WRONG_PASSWORD or "wrong password" in err:
        raise ProbeError.of(
            Summary("backup.wrong_password.restic", {"name": name, "repo": repository})
        )
    if "permission denied" in err:
        raise ProbeError.of(Summary("backup.permission.restic", {"name": name, "repo": repository}))
    return None


class ResticBackupCheck(RepositoryBackupCheck):
    """Newest snapshot's age and size; ``restic check`` as the verification run."""

    kind = "restic"
    tool = "restic"
    item = "snapshot"
    empty_code = "backup.no_snapshot"
    TEXTS = TEXTS
    Options = ResticOptions
    verify_part: int = 1

    def _base(self) -> list[str]:
        opts: ResticOptions = self.options
        argv = [opts.binary, "--repo", opts.repository, "--password-file", str(opts.password_file)]
        argv += ["--cache-dir", str(opts.cache_dir)] if opts.cache_dir else []
        return [*argv, "--no-lock"] if not self.verify else argv

    async def _run(self, *args: str) -> ToolResult:
        return await run_tool(
            [*self._base(), *args], env=tool_env(), timeout=self.config.timeout.total_seconds()
        )

    async def probe(self) -> Sequence[Measurement]:
        require_password_file(self.options.password_file, self.name)
        return await super().probe()

    async def _list(self) -> ToolResult:
        opts: ResticOptions = self.options
        filters: list[str] = []
        filters += ["--host", opts.host] if opts.host else []
        for tag in opts.tags:
            filters += ["--tag", tag]
        filters += ["--path", opts.path] if opts.path else []
        return await self._run("snapshots", "--json", *filters)

    def _parse(self, result: ToolResult) -> Any:
        return json.loads(result.stdout or "[]") or []

    def _no_json_output(self, result: ToolResult) -> str:
        return result.stdout

    async def _newest(self, data: Any) -> Newest:
        if not data:
            return Newest(len(data))
        newest = max(data, key=lambda s: datetime.fromisoformat(_iso(s["time"])))
        at = datetime.fromisoformat(_iso(newest["time"])).timestamp()
        summary = newest.get("summary") or {}
        size = summary.get("total_bytes_processed")
        if size is None and self.options.measure_size:
            stats = await self._run("stats", "--json", str(newest["id"]))
            if stats.returncode == 0:
                size = json.loads(stats.stdout or "{}").get("total_size")
        return Newest(len(data), at, size, job_runtime(summary))

    def _check_args(self) -> list[str]:
        parts = self.options.read_data_parts
        if parts == 1:
            return ["check", "--read-data"]
        if parts > 1:
            return ["check", f"--read-data-subset={self.verify_part}/{parts}"]
        return ["check"]

    def _check_ok(self) -> Summary:
        parts = self.options.read_data_parts
        if parts > 1:
            return Summary(
                "backup.check_ok.restic_part", {"part": self.verify_part, "parts": parts}
            )
        return Summary("backup.check_ok.restic")

    def _check_failed(self, result: ToolResult) -> Summary:
        output = raw(last_lines(result.stderr + result.stdout, 3))
        return Summary("backup.check_failed.restic", {"output": output})

    def _classify(self, result: ToolResult) -> str | None:
        return classify_failure(self.name, self.options.repository, result)

    def _fresh(self, summary: Summary, v: dict[str, float]) -> Summary:
        count = Summary("backup.snapshots", {"n": int(v[COUNT])})
        return joined([with_size(summary, v), count], COMMA_LIST)


def job_runtime(summary: dict[str, Any]) -> float | None:
    """The backup's own run time from a snapshot's ``summary`` (restic >= 0.17 writes
    ``backup_start`` and ``backup_end``); None before 0.17, which stores no summary."""
    start, end = summary.get("backup_start"), summary.get("backup_end")
    if not (isinstance(start, str) and isinstance(end, str)):
        return None
    try:
        began, ended = datetime.fromisoformat(_iso(start)), datetime.fromisoformat(_iso(end))
    except ValueError:
        return None
    return (ended - began).total_seconds()


def _iso(text: str) -> str:
    """restic prints nanoseconds; Python parses at most microseconds."""
    head, sep, rest = text.partition(".")
    if not sep:
        return text.replace("Z", "+00:00")
    digits = "".join(c for c in rest if c.isdigit())
    zone = rest[len(digits) :]
    return f"{head}.{digits[:6]}{zone.replace('Z', '+00:00')}"
