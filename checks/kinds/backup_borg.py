"""``borg``: BorgBackup 1.x through its own binary.

Look: ``borg info --json --last 1`` (time and original size of the newest archive, with
``TZ=UTC`` so borg's naive timestamps are UTC). Verification: ``borg check`` (repository
and archives; ``--verify-data`` if asked), never ``--repair``. The passphrase goes
through ``BORG_PASSPHRASE_FD`` from ``password_file``: never in the environment or argv.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from checks.kinds.backup_base import (
    REPO_MISSING,
    BackupOptions,
    ToolResult,
    require_password_file,
    run_tool,
    tool_env,
)
from checks.kinds.backup_repo import Newest, RepositoryBackupCheck
from checks.kinds.backup_texts import TEXTS
from itops.errors import ProbeError
from itops.messages import Summary, raw


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


class BorgBackupCheck(RepositoryBackupCheck):
    """Newest archive's age and size; ``borg check`` as the verification run."""

    kind = "borg"
    tool = "borg"
    item = "archive"
    empty_code = "backup.no_archive"
    TEXTS = TEXTS
    Options = BorgOptions

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

    async def _list(self) -> ToolResult:
        opts: BorgOptions = self.options
        args = ["info", "--json", "--last", "1"]
        args += ["--glob-archives", f"{opts.prefix}*"] if opts.prefix else []
        return await self._run(*args, opts.repository)

    async def _newest(self, data: Any) -> Newest:
        archives = data.get("archives") or []
        if not archives:
            return Newest(len(archives))
        newest = archives[-1]
        when = datetime.fromisoformat(newest.get("end") or newest["start"]).replace(tzinfo=UTC)
        size = (newest.get("stats") or {}).get("original_size")
        return Newest(len(archives), when.timestamp(), size, archive_runtime(newest))

    def _check_args(self) -> list[str]:
        opts: BorgOptions = self.options
        return ["check", *(["--verify-data"] if opts.verify_data else []), opts.repository]

    def _check_ok(self) -> Summary:
        return Summary("backup.check_ok.borg")

    def _check_failed(self, result: ToolResult) -> Summary:
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
        return Summary("backup.check_failed.borg", {"output": found})

    def _classify(self, result: ToolResult) -> str | None:
        return classify_failure(self.name, self.options.repository, result)

    def _failure_output(self, result: ToolResult) -> str:
        return " ".join(str(m.get("message", "")) for m in log_messages(result.stderr))


def archive_runtime(archive: dict[str, Any]) -> float | None:
    """How long ``borg create`` ran for an archive: ``borg info --json`` gives its
    ``duration`` (seconds), else its ``start`` and ``end``; None when neither is there."""
    duration = archive.get("duration")
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        return float(duration)
    start, end = archive.get("start"), archive.get("end")
    if isinstance(start, str) and isinstance(end, str):
        try:
            return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
        except ValueError:
            return None
    return None
