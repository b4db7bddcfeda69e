"""The half restic and borg share: a repository tool listed, checked and judged alike.

A repository kind says how to run its tool, how to list and read the newest snapshot or
archive, how to verify and how to name a failure; the order of the steps, the
measurements and the judgement are here once (``backup_restic``, ``backup_borg``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar

from checks.kinds.backup_base import (
    COUNT,
    LAST_SUCCESS,
    OBSERVED_AT,
    REPO_MISSING,
    RUNTIME,
    SIZE,
    VERIFY_AT,
    VERIFY_OK,
    BackupCheck,
    ToolResult,
    at_ts,
    freshness,
    from_ts,
    last_lines,
    with_size,
)
from itops.errors import ProbeError
from itops.messages import Summary, raw
from itops.status import Measurement, Status


class Newest:
    """What a listing says: how many snapshots/archives, the newest one's time and size,
    and how long the backup job that made it ran (seconds; None where the tool does not
    say)."""

    def __init__(
        self,
        count: int,
        at: float | None = None,
        size: float | None = None,
        runtime: float | None = None,
    ) -> None:
        self.count, self.at, self.size, self.runtime = count, at, size, runtime


class RepositoryBackupCheck(BackupCheck):
    """Newest snapshot/archive's age and size; the tool's own check as verification."""

    tool: ClassVar[str]  # "restic", "borg": in messages
    item: ClassVar[str]  # "snapshot", "archive": in the freshness text
    empty_code: ClassVar[str]  # the Summary code of a repository with nothing in it
    verifiable = True

    @property
    def target(self) -> str:
        return str(self.options.repository)

    # -- what each tool says differently ---------------------------------------------
    async def _run(self, *args: str) -> ToolResult:
        raise NotImplementedError

    async def _list(self) -> ToolResult:
        """Run the listing of the newest snapshots/archives."""
        raise NotImplementedError

    def _parse(self, result: ToolResult) -> Any:
        """The listing's JSON (raises JSONDecodeError)."""
        return json.loads(result.stdout)

    def _no_json_output(self, result: ToolResult) -> str:
        return result.stderr

    async def _newest(self, data: Any) -> Newest:
        raise NotImplementedError

    def _check_args(self) -> list[str]:
        raise NotImplementedError

    def _check_ok(self) -> Summary:
        raise NotImplementedError

    def _check_failed(self, result: ToolResult) -> Summary:
        raise NotImplementedError

    def _classify(self, result: ToolResult) -> str | None:
        """``REPO_MISSING``, None, or raises ProbeError for "cannot tell" cases."""
        raise NotImplementedError

    def _failure_output(self, result: ToolResult) -> str:
        return result.stderr

    def _fresh(self, summary: Summary, v: dict[str, float]) -> Summary:
        """The freshness verdict with what else the tool measured (size, count)."""
        return with_size(summary, v)

    # -- the common steps ---------------------------------------------------------------
    async def probe(self) -> Sequence[Measurement]:
        now = self.observed()
        if self.verify:
            return [now, *await self._check()]
        result = await self._list()
        if result.returncode != 0:
            return [now, *self._failure(result)]
        try:
            data = self._parse(result)
        except json.JSONDecodeError:
            output = raw(last_lines(self._no_json_output(result)))  # the tool's own words
            raise ProbeError.of(
                Summary("backup.no_json", {"name": self.name, "tool": self.tool, "output": output})
            ) from None
        newest = await self._newest(data)
        out = [now, Measurement(COUNT, newest.count)]
        if not newest.count:
            return out
        if newest.at is not None:
            out.append(Measurement(LAST_SUCCESS, newest.at, "ts"))
        if newest.size is not None:
            out.append(Measurement(SIZE, float(newest.size), "B"))
        if newest.runtime is not None and newest.runtime >= 0:
            out.append(Measurement(RUNTIME, float(newest.runtime), "s"))
        return out

    async def _check(self) -> list[Measurement]:
        result = await self._run(*self._check_args())
        now = self.observed().value
        if result.returncode == 0:
            self.detail = self._check_ok()
            return [Measurement(VERIFY_OK, 1), Measurement(VERIFY_AT, now, "ts")]
        failure = self._failure(result)
        if failure:
            return failure
        self.detail = self._check_failed(result)
        return [Measurement(VERIFY_OK, 0), Measurement(VERIFY_AT, now, "ts")]

    def _failure(self, result: ToolResult) -> list[Measurement]:
        if self._classify(result) == REPO_MISSING:
            return [Measurement(REPO_MISSING, 1)]
        if self.verify:
            return []
        raise ProbeError.of(
            Summary(
                "backup.tool_failed",
                {
                    "name": self.name,
                    "tool": self.tool,
                    "code": result.returncode,
                    "output": raw(last_lines(self._failure_output(result))),
                },
            )
        )

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = self.values(measurements)
        if v.get(REPO_MISSING):
            repo = str(self.options.repository)
            return Status.CRITICAL, Summary(
                "backup.repo_missing", {"tool": self.tool, "repo": repo}
            )
        if self.verify:
            ok = v.get(VERIFY_OK) == 1
            return (Status.OK if ok else Status.CRITICAL), self.detail or Summary("none")
        if not v.get(COUNT):
            return Status.CRITICAL, Summary(self.empty_code)
        now = at_ts(v[OBSERVED_AT])
        status, summary = freshness(from_ts(v[LAST_SUCCESS]), now, self.backup, self.item)
        return status, self._fresh(summary, v)
