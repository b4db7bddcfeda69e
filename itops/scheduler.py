"""The only module that imports APScheduler (3.x): the periodic feature jobs and the
heartbeat. Checks are scheduled by :mod:`itops.engine`.

Jobs live in the memory job store and are rebuilt from config at every start and
reload: a persistent store would pickle callables and could not be shared.
``misfire_grace_time`` is set explicitly: 3.x defaults to 1 s and silently skips a job
that starts later than that on a busy loop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from itops.engine import spread

# max_instances > 1: a run that comes while the previous one is still going (a write
# waiting for SQLite's lock) is skipped by ``Scheduler`` itself, quietly and counted,
# instead of APScheduler's "maximum number of running instances reached" warning at
# every interval; ``once`` (a retry) is kept out of a running job the same way.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 3, "misfire_grace_time": 30}
logger = logging.getLogger(__name__)


class Scheduler:
    """A thin wrapper that keeps APScheduler's API in one place."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults=JOB_DEFAULTS,
            timezone=UTC,
        )

        self.running: set[str] = set()
        self.skipped: dict[str, int] = {}

    def start(self) -> None:
        self._scheduler.start()

    def _guarded(
        self, key: str, func: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[None]]:
        """``func`` run at most once at a time per ``key``; a run meanwhile is skipped."""

        async def run(*args: Any) -> None:
            if key in self.running:
                self.skipped[key] = self.skipped.get(key, 0) + 1
                logger.debug("job %s still running; this run skipped", key)
                return
            self.running.add(key)
            try:
                await func(*args)
            finally:
                self.running.discard(key)

        return run

    def every(
        self,
        job_id: str,
        seconds: float,
        func: Callable[..., Awaitable[Any]],
        *args: Any,
        first_in: float | None = None,
    ) -> None:
        """Run ``func(*args)`` every ``seconds``, first after ``first_in`` (default: spread).

        The trigger is anchored at a fixed start date, so runs never drift.
        """
        delay = spread(job_id, seconds) if first_in is None else first_in
        start = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(
            self._guarded(job_id, func),
            IntervalTrigger(seconds=seconds, start_date=start - timedelta(seconds=seconds)),
            args=args,
            id=job_id,
            replace_existing=True,
            next_run_time=start,
        )

    def once(
        self, job_id: str, delay: float, func: Callable[..., Awaitable[Any]], *args: Any
    ) -> None:
        """Run ``func(*args)`` once after ``delay`` seconds, unless the periodic job
        ``job_id`` is running then (it does the same work). A second call replaces it."""
        self._scheduler.add_job(
            self._guarded(job_id, func),
            DateTrigger(run_date=datetime.now(UTC) + timedelta(seconds=delay)),
            args=args,
            id=f"once:{job_id}",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def remove_all(self) -> None:
        self._scheduler.remove_all_jobs()

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs() if not job.id.startswith("once:")]

    def pause(self) -> None:
        if self._scheduler.running:
            self._scheduler.pause()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
