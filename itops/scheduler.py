"""The only module that imports APScheduler (3.x): the periodic feature jobs and the
heartbeat. Checks are scheduled by :mod:`itops.engine`.

Jobs live in the memory job store and are rebuilt from config at every start and
reload: a persistent store would pickle callables and could not be shared.
``misfire_grace_time`` is set explicitly: 3.x defaults to 1 s and silently skips a job
that starts later than that on a busy loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from itops.engine import spread

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}


class Scheduler:
    """A thin wrapper that keeps APScheduler's API in one place."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults=JOB_DEFAULTS,
            timezone=UTC,
        )

    def start(self) -> None:
        self._scheduler.start()

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
            func,
            IntervalTrigger(seconds=seconds, start_date=start - timedelta(seconds=seconds)),
            args=args,
            id=job_id,
            replace_existing=True,
            next_run_time=start,
        )

    def remove_all(self) -> None:
        self._scheduler.remove_all_jobs()

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def pause(self) -> None:
        if self._scheduler.running:
            self._scheduler.pause()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
