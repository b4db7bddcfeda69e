"""``borg``: BorgBackup 1.x through its own binary.

Look: ``borg info --json --last 1`` (time and original size of the newest archive, with
``TZ=UTC`` so borg's naive timestamps are UTC). Verification: ``borg check`` (repository
and archives; ``--verify-data`` if asked), never ``--repair``. The passphrase goes
through ``BORG_PASSPHRASE_FD`` from ``password_file``: never in the environment or argv.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
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
from itops.messages import Summary, raw
from itops.status import Measurement, Status


class BorgOptions(BackupOptions):
    repository: str = Field(min_length=1)
    password_file: Path | None = None
    prefix: str | None = None
    base_dir: Path | None = None
    verify_data: bool = False
    lock_wait: int = Field(default=5, ge=0, le=3600)
    binary: str = "borg"


def log_messages(stderr: str) -> list[dict[str, object]]:
    """Parse ``--log-json`` lines; plain text lines become messages without msgid."""
    out: list[dict[str, object]] = []
    for line in stderr.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            out.append({"message": line})
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


def classify_failure(name: str, repository: str, result: ToolResult) -> str | None:
    """``REPO_MISSING`` for a missing repository; ProbeError for "cannot tell" cases."""
    msgs = log_messages(result.stderr)
    ids = {str(m.get("msgid")) for m in msgs if m.get("msgid")}
    if ids & {"Repository.DoesNotExist", "Repository.InvalidRepository"}:
        return REPO_MISSING
    if ids & {"LockTimeout", "LockFailed", "LockError", "LockErrorT"}:
        raise ProbeError.of(
            Summary(
                "backup.locked",
                {"name": name, "repo": repository, "tool": "borg", "unlock": "borg break-lock"},
            )
        )
    if ids & {"PassphraseWrong", "PasswordRetriesExceeded", "NoPassphraseFailure"}:
        raise ProbeError.of(
            Summary("backup.wrong_password.borg", {"name": name, "repo": repository})
        )
    text = " ".join(str(m.get("message", "")) for m in msgs).lower()
    if "permission denied" in text:
        raise ProbeError.of(Summary("backup.permission.borg", {"name": name, "repo": repository}))
    return None


class BorgBackupCheck(BackupCheck):
    """Newest archive's age and size; ``borg check`` as the verification run."""

    kind = "borg"
    TEXTS = TEXTS
    Options = BorgOptions
    verifiable = True

    @property
    def target(self) -> str:
        return str(self.options.repository)

    async def _run(self, *args: str) -> ToolResult:
        opts: BorgOptions = self.options
        extra = {
            "TZ": "UTC",
            "BORG_RELOCATED_REPO_ACCESS_IS_OK": "no",
            "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK": "no",
            "BORG_EXIT_CODES": "legacy",
        }
        if opts.base_dir:
            extra["BORG_BASE_DIR"] = str(opts.base_dir)
        fds: list[int] = []
        fd = -1
        if opts.password_file is not None:
            require_password_file(opts.password_file, self.name)
            fd = os.open(opts.password_file, os.O_RDONLY)
            fds.append(fd)
            extra["BORG_PASSPHRASE_FD"] = str(fd)
        else:
            extra["BORG_PASSPHRASE"] = ""
        argv = [opts.binary, "--log-json", "--lock-wait", str(opts.lock_wait), *args]
        try:
            return await run_tool(
                argv,
                env=tool_env(extra),
                timeout=self.config.timeout.total_seconds(),
                pass_fds=fds,
            )
        finally:
            if fd >= 0:
                os.close(fd)

    async def probe(self) -> Sequence[Measurement]:
        opts: BorgOptions = self.options
        now = self.observed()
        if self.verify:
            return [now, *await self._check()]
        args = ["info", "--json", "--last", "1"]
        args += ["--glob-archives", f"{opts.prefix}*"] if opts.prefix else []
        result = await self._run(*args, opts.repository)
        if result.returncode != 0:
            return [now, *self._failure(result)]
        try:
            data = json.loads(result.stdout)
        except json.JSONDecodeError:
            output = raw(last_lines(result.stderr))  # the tool's own words
            raise ProbeError.of(
                Summary("backup.no_json", {"name": self.name, "tool": "borg", "output": output})
            ) from None
        archives = data.get("archives") or []
        out = [now, Measurement(COUNT, len(archives))]
        if not archives:
            return out
        newest = archives[-1]
        when = datetime.fromisoformat(newest.get("end") or newest["start"]).replace(tzinfo=UTC)
        out.append(Measurement(LAST_SUCCESS, when.timestamp(), "ts"))
        size = (newest.get("stats") or {}).get("original_size")
        if size is not None:
            out.append(Measurement(SIZE, float(size), "B"))
        return out

    async def _check(self) -> list[Measurement]:
        opts: BorgOptions = self.options
        args = ["check", *(["--verify-data"] if opts.verify_data else []), opts.repository]
        result = await self._run(*args)
        now = self.observed().value
        if result.returncode == 0:
            self.detail = Summary("backup.check_ok.borg")
            return [Measurement(VERIFY_OK, 1), Measurement(VERIFY_AT, now, "ts")]
        failure = self._failure(result)
        if failure:
            return failure
        errors = [
            str(m.get("message", "")).strip()
            for m in log_messages(result.stderr)
            if m.get("levelname") in ("ERROR", "CRITICAL") or "levelname" not in m
        ]
        found = (
            raw(" | ".join(errors[:2]))
            if any(errors[:2])
            else Summary("backup.see_output", {"tool": "borg"})
        )
        self.detail = Summary("backup.check_failed.borg", {"output": found})
        return [Measurement(VERIFY_OK, 0), Measurement(VERIFY_AT, now, "ts")]

    def _failure(self, result: ToolResult) -> list[Measurement]:
        if classify_failure(self.name, self.options.repository, result) == REPO_MISSING:
            return [Measurement(REPO_MISSING, 1)]
        if self.verify:
            return []
        messages = " ".join(str(m.get("message", "")) for m in log_messages(result.stderr))
        raise ProbeError.of(
            Summary(
                "backup.tool_failed",
                {
                    "name": self.name,
                    "tool": "borg",
                    "code": result.returncode,
                    "output": raw(last_lines(messages)),
                },
            )
        )

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = self.values(measurements)
        if v.get(REPO_MISSING):
            repo = str(self.options.repository)
            return Status.CRITICAL, Summary("backup.repo_missing", {"tool": "borg", "repo": repo})
        if self.verify:
            ok = v.get(VERIFY_OK) == 1
            return (Status.OK if ok else Status.CRITICAL), self.detail or Summary("none")
        if not v.get(COUNT):
            return Status.CRITICAL, Summary("backup.no_archive")
        now = at_ts(v[OBSERVED_AT])
        status, summary = freshness(from_ts(v[LAST_SUCCESS]), now, self.backup, "archive")
        return status, with_size(summary, v)
