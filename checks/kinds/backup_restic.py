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

from pydantic import Field

from checks.kinds.backup_base import (
    COUNT,
    LAST_SUCCESS,
    OBSERVED_AT,
    REPO_MISSING,
    SIZE,
    VERIFY_AT,
    VERIFY_OK,
    BackupCheck,
    BackupOptions,
    ToolResult,
    at_ts,
    freshness,
    from_ts,
    last_lines,
    require_password_file,
    run_tool,
    tool_env,
    with_size,
)
from checks.kinds.backup_texts import TEXTS
from itops.errors import ProbeError
from itops.messages import COMMA_LIST, Summary, joined, raw
from itops.status import Measurement, Status

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


class ResticBackupCheck(BackupCheck):
    """Newest snapshot's age and size; ``restic check`` as the verification run."""

    kind = "restic"
    TEXTS = TEXTS
    Options = ResticOptions
    verifiable = True
    verify_part: int = 1

    @property
    def target(self) -> str:
        return str(self.options.repository)

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
        opts: ResticOptions = self.options
        require_password_file(opts.password_file, self.name)
        now = self.observed()
        if self.verify:
            return [now, *await self._check()]
        filters: list[str] = []
        filters += ["--host", opts.host] if opts.host else []
        for tag in opts.tags:
            filters += ["--tag", tag]
        filters += ["--path", opts.path] if opts.path else []
        result = await self._run("snapshots", "--json", *filters)
        if result.returncode != 0:
            return [now, *self._failure(result)]
        try:
            snapshots = json.loads(result.stdout or "[]") or []
        except json.JSONDecodeError:
            output = raw(last_lines(result.stdout))  # the tool's own words
            raise ProbeError.of(
                Summary("backup.no_json", {"name": self.name, "tool": "restic", "output": output})
            ) from None
        out = [now, Measurement(COUNT, len(snapshots))]
        if not snapshots:
            return out
        newest = max(snapshots, key=lambda s: datetime.fromisoformat(_iso(s["time"])))
        out.append(
            Measurement(
                LAST_SUCCESS, datetime.fromisoformat(_iso(newest["time"])).timestamp(), "ts"
            )
        )
        summary = newest.get("summary") or {}
        size = summary.get("total_bytes_processed")
        if size is None and opts.measure_size:
            stats = await self._run("stats", "--json", str(newest["id"]))
            if stats.returncode == 0:
                size = json.loads(stats.stdout or "{}").get("total_size")
        if size is not None:
            out.append(Measurement(SIZE, float(size), "B"))
        return out

    async def _check(self) -> list[Measurement]:
        opts: ResticOptions = self.options
        args = ["check"]
        if opts.read_data_parts == 1:
            args.append("--read-data")
        elif opts.read_data_parts > 1:
            args.append(f"--read-data-subset={self.verify_part}/{opts.read_data_parts}")
        result = await self._run(*args)
        now = self.observed().value
        if result.returncode == 0:
            self.detail = (
                Summary(
                    "backup.check_ok.restic_part",
                    {"part": self.verify_part, "parts": opts.read_data_parts},
                )
                if opts.read_data_parts > 1
                else Summary("backup.check_ok.restic")
            )
            return [Measurement(VERIFY_OK, 1), Measurement(VERIFY_AT, now, "ts")]
        failure = self._failure(result)
        if failure:
            return failure
        output = raw(last_lines(result.stderr + result.stdout, 3))
        self.detail = Summary("backup.check_failed.restic", {"output": output})
        return [Measurement(VERIFY_OK, 0), Measurement(VERIFY_AT, now, "ts")]

    def _failure(self, result: ToolResult) -> list[Measurement]:
        kind = classify_failure(self.name, self.options.repository, result)
        if kind == REPO_MISSING:
            return [Measurement(REPO_MISSING, 1)]
        if self.verify:
            return []
        raise ProbeError.of(
            Summary(
                "backup.tool_failed",
                {
                    "name": self.name,
                    "tool": "restic",
                    "code": result.returncode,
                    "output": raw(last_lines(result.stderr)),
                },
            )
        )

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = self.values(measurements)
        if v.get(REPO_MISSING):
            repo = str(self.options.repository)
            return Status.CRITICAL, Summary("backup.repo_missing", {"tool": "restic", "repo": repo})
        if self.verify:
            ok = v.get(VERIFY_OK) == 1
            return (Status.OK if ok else Status.CRITICAL), self.detail or Summary("none")
        if not v.get(COUNT):
            return Status.CRITICAL, Summary("backup.no_snapshot")
        now = at_ts(v[OBSERVED_AT])
        status, summary = freshness(from_ts(v[LAST_SUCCESS]), now, self.backup, "snapshot")
        count = Summary("backup.snapshots", {"n": int(v[COUNT])})
        return status, joined([with_size(summary, v), count], COMMA_LIST)


def _iso(text: str) -> str:
    """restic prints nanoseconds; Python parses at most microseconds."""
    head, sep, rest = text.partition(".")
    if not sep:
        return text.replace("Z", "+00:00")
    digits = "".join(c for c in rest if c.isdigit())
    zone = rest[len(digits) :]
    return f"{head}.{digits[:6]}{zone.replace('Z', '+00:00')}"
