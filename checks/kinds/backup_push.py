"""``push``: a dead-man's switch for backup jobs that run elsewhere.

The job calls ``/ping/<token>/start`` when it begins and ``/ping/<token>`` when it
succeeds (``/fail`` or ``/<exit-code>`` when it does not). itops measures the run time
between start and success (a run shorter than ``min_runtime`` is suspicious: an empty
source, a skipped step) and raises CRITICAL when the success ping is missing after
``period + grace`` or after the cron ``schedule`` + ``grace``.

The pings live in the database; the check reads them through an injected ``source`` so
probe/evaluate stay the same contract as every other kind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from checks.kinds.backup_base import (
    LAST_SUCCESS,
    OBSERVED_AT,
    RUNTIME,
    BackupCheck,
    BackupOptions,
    at_ts,
    deadline,
    freshness,
    from_ts,
    ts,
)
from checks.kinds.backup_texts import TEXTS
from itops.config import Duration
from itops.errors import ProbeError
from itops.messages import COMMA_LIST, Summary, joined
from itops.status import Measurement, Status

LAST_START = "last_start_ts"
LAST_FAIL = "last_fail_ts"
EXIT_CODE = "exit_code"
FIRST_SEEN = "first_seen_ts"


class PushOptions(BackupOptions):
    token: UUID
    min_runtime: Duration | None = None


@dataclass(frozen=True)
class PushFacts:
    """What the stored pings say about one push backup."""

    first_seen: datetime
    last_success: datetime | None = None
    last_start: datetime | None = None
    last_fail: datetime | None = None
    exit_code: int | None = None
    runtime: float | None = None


PushSource = Callable[[str], PushFacts]


class PushBackupCheck(BackupCheck):
    """Late, failed or suspiciously short runs of a job that pings itops."""

    kind = "push"
    TEXTS = TEXTS
    Options = PushOptions
    source: PushSource | None = None

    @property
    def target(self) -> str:
        return f"/ping/{self.options.token}"

    async def probe(self) -> Sequence[Measurement]:
        if self.source is None:
            raise ProbeError.of(Summary("backup.needs_daemon", {"name": self.name}))
        facts = await asyncio.to_thread(self.source, self.name)
        out = [self.observed(), Measurement(FIRST_SEEN, ts(facts.first_seen), "ts")]
        for name, value in (
            (LAST_SUCCESS, facts.last_success),
            (LAST_START, facts.last_start),
            (LAST_FAIL, facts.last_fail),
        ):
            if value is not None:
                out.append(Measurement(name, ts(value), "ts"))
        if facts.exit_code is not None:
            out.append(Measurement(EXIT_CODE, facts.exit_code))
        if facts.runtime is not None:
            out.append(Measurement(RUNTIME, facts.runtime, "s"))
        return out

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = self.values(measurements)
        now = at_ts(v[OBSERVED_AT])
        success, fail = v.get(LAST_SUCCESS), v.get(LAST_FAIL)
        if fail is not None and (success is None or fail >= success):
            code, ago = v.get(EXIT_CODE), now.timestamp() - fail
            if code is not None:
                return Status.CRITICAL, Summary("backup.job_exit", {"code": int(code), "ago": ago})
            return Status.CRITICAL, Summary("backup.job_failed", {"ago": ago})
        if success is None:
            first = at_ts(v[FIRST_SEEN])
            limit = deadline(
                first,
                max_age=None,
                period=self.backup.period,
                schedule=self.backup.schedule,
                grace=self.backup.grace,
            )
            if limit is not None and now > limit.at:
                ago = (now - first).total_seconds()
                return Status.CRITICAL, Summary("backup.no_ping_since_start", {"ago": ago})
            return Status.UNKNOWN, Summary("backup.waiting")
        status, summary = freshness(from_ts(success), now, self.backup, "ping")
        parts = [summary]
        runtime = v.get(RUNTIME)
        if runtime is not None:
            minimum = self.options.min_runtime
            if status is Status.OK and minimum is not None and runtime < minimum.total_seconds():
                status = Status.WARNING
                short = {"runtime": runtime, "min": minimum.total_seconds()}
                parts.append(Summary("backup.run_too_short", short))
            else:
                parts.append(Summary("backup.run_took", {"runtime": runtime}))
        notes = [joined(parts, COMMA_LIST) if len(parts) > 1 else summary]
        start = v.get(LAST_START)
        if start is not None and start > success:
            notes.append(Summary("backup.running_since", {"ago": now.timestamp() - start}))
        return status, joined(notes)
