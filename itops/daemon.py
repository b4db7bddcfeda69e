"""``itops run``: check engine, scheduler and web server in one asyncio loop, driven by signals.

1. Refuse to start on a database below the migrations' head.
2. Record the monitoring gap since the last heartbeat; sync units from config.
3. Build checks and feature jobs from config; start uvicorn, the check engine (checks) and
   the scheduler (heartbeat, feature jobs).
4. READY=1 to systemd; WATCHDOG=1 from the loop itself (a stalled loop stops pinging).
5. SIGTERM/SIGINT: STOPPING=1, stop the web server, the engine and the scheduler, drain running
   probes with a deadline (APScheduler 3 would cancel them), final heartbeat, exit 0.
   SIGHUP: reload a config that validates, otherwise log and keep the old one.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn

from itops import config as config_mod
from itops import heartbeat, units
from itops.check import Check
from itops.config import OFFICE_UNIT, Settings
from itops.context import AppContext, derive_settings
from itops.daemon_parts import (
    THROTTLE_PRUNE,
    LiveStateSink,
    Server,
    bounded,
    call_hook,
    gap_event,
    shielded,
)
from itops.db.session import ensure_current, lock_wait, session_scope, transient_problem
from itops.errors import ConfigError
from itops.plugins import Feature, Job, features
from itops.runner import CheckRunner, ResultSink
from itops.scheduler import Scheduler
from itops.sdnotify import Notifier
from itops.web.app import create_app
from itops.workers import build_engine

logger = logging.getLogger(__name__)

# systemd is asked for shutdown_timeout plus this (EXTEND_TIMEOUT_USEC) when stopping.
STOP_MARGIN_SECONDS = 10
DERIVE_SECONDS = 300.0  # how often checks derived from the database are brought up to date
RETRY_SECONDS = 15.0  # first retry of a job that failed on a locked/unreachable database
RETRY_MAX_SECONDS = 300.0  # retries back off (doubling) up to this, or the job's interval


def build_checks(ctx: AppContext, feats: list[Feature[Any]]) -> list[Check[Any]]:
    """Every feature's scheduled checks for the running config (``Feature.checks``)."""
    return [check for feat in feats if feat.checks for check in feat.checks(ctx)]


def sync_units(ctx: AppContext) -> None:
    """Mirror the office and its units from config into ``org_unit`` (see itops.units)."""
    units.sync_units(ctx.sessions, ctx.settings)


class Daemon:
    """One running itops: owns the scheduler, the check runner and the web server."""

    def __init__(
        self, ctx: AppContext, notifier: Notifier | None = None, freeze_gc: bool = False
    ) -> None:
        self.ctx = ctx
        self.freeze_gc = freeze_gc  # ``itops run``: see run()
        self.notifier = notifier or Notifier()
        self.scheduler = Scheduler()
        self.features: list[Feature[Any]] = features()
        sinks: list[ResultSink] = [LiveStateSink(ctx)]
        for feat in self.features:
            if feat.build:
                feat.build(ctx)
        for feat in self.features:
            sinks.extend(feat.sinks(ctx, feat.service(ctx)) if feat.sinks else ())
            for subscriber in feat.subscribers(ctx, feat.service(ctx)) if feat.subscribers else ():
                ctx.events.subscribe(subscriber)
        concurrency = ctx.settings.daemon.max_concurrency
        self.runner = CheckRunner(ctx.clock, concurrency, sinks)
        self.engine = build_engine(ctx, self.runner, len(build_checks(ctx, self.features)))
        self._check_names: set[str] = set()
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._jobs: set[asyncio.Task[Any]] = set()
        self.abandoned = 0  # jobs still running in threads after the drain deadline
        self._workers = ThreadPoolExecutor(thread_name_prefix="itops-worker")
        self.retry_seconds = RETRY_SECONDS
        self._failures: dict[str, int] = {}  # job id -> consecutive database failures
        self._file_settings = ctx.settings  # before Feature.derive (see _derive)

    async def run(self) -> int:
        ensure_current(self.ctx.engine)
        # Our own worker threads for asyncio.to_thread, so shutdown can wait for them.
        asyncio.get_running_loop().set_default_executor(self._workers)
        now = self.ctx.clock.now()
        self.ctx.started_at = now
        gap = await asyncio.to_thread(
            heartbeat.start, self.ctx.sessions, now, self._year_start(now)
        )
        await asyncio.to_thread(sync_units, self.ctx)
        self.ctx.settings = await asyncio.to_thread(self._derived)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self._stop.set)
        loop.add_signal_handler(signal.SIGINT, self._stop.set)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        for feat in self.features:
            if feat.start:
                await call_hook(feat.start, self.ctx)
        if gap is not None:
            self.ctx.events.publish(gap_event(gap))
        server = Server(
            uvicorn.Config(
                create_app(self.ctx),
                host=self.ctx.settings.web.host,
                port=self.ctx.settings.web.port,
                log_config=None,
                access_log=False,
                lifespan="off",
                # X-Forwarded-For only from [web] trusted_proxies (uvicorn's default would
                # believe any process on 127.0.0.1, which could then dodge the lockout)
                proxy_headers=bool(self.ctx.settings.web.trusted_proxies),
                forwarded_allow_ips=list(self.ctx.settings.web.trusted_proxies),
            )
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                logger.error("the web server could not start on %s", self.ctx.settings.web.bind)
                return 1
            await asyncio.sleep(0.05)
        self._schedule()
        self.engine.start()
        self.scheduler.start()
        logger.info("itops serving on http://%s", self.ctx.settings.web.bind)
        await asyncio.to_thread(self._hint_first_user)
        if self.freeze_gc:
            # What start-up built (imports, the settings of every check, the app, the
            # schedule) lives as long as the process: out of the collector's full scans,
            # which with 10,000 checks took 0.13-1.7 s each with the GIL held, so every
            # scrape, page and probe result waited (bench/metrics.py --live). ``itops run``
            # disabled the collector for start-up: one full collection of its garbage
            # here, then freeze, then collect as usual. The workers freeze too.
            gc.collect()
            gc.freeze()
            gc.enable()
        self.notifier.notify("READY=1")
        if self.notifier.watchdog_seconds:
            self._spawn(self._watchdog(self.notifier.watchdog_seconds / 2))
        await self._stop.wait()
        return await self._shutdown(server, serving)

    async def _shutdown(self, server: Server, serving: asyncio.Task[None]) -> int:
        """Stop within ``shutdown_timeout`` whatever a job does: one deadline for every
        step, database writes waiting for SQLite's lock no longer than what is left;
        what is still running then is abandoned (the CLI exits without it)."""
        logger.info("stopping")
        deadline = self.ctx.settings.daemon.shutdown_timeout.total_seconds()
        # The unit's TimeoutStopSec may be shorter than a configured shutdown_timeout.
        stop_usec = int((deadline + STOP_MARGIN_SECONDS) * 1e6)
        self.notifier.notify(f"STOPPING=1\nEXTEND_TIMEOUT_USEC={stop_usec}")
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline

        def left(reserve: float = 0.0) -> float:
            remaining = max(0.0, end - loop.time() - reserve)
            lock_wait.set(int(remaining * 1000))  # for the writes started from here on
            return remaining

        server.should_exit = True
        self.engine.stop()
        self.scheduler.pause()
        # Probes and jobs get the deadline less a reserve for the stops and the final beat.
        drain = left(min(1.0, deadline / 4))
        probes = asyncio.ensure_future(self.engine.drain(drain))  # alongside the jobs
        if self._jobs:
            _, late = await asyncio.wait(set(self._jobs), timeout=drain)
            if late:
                logger.warning("%d jobs did not finish within %.1f s", len(late), drain)
                self.abandoned = len(late)
        cancelled = await probes
        if cancelled:
            logger.warning("%d probes did not finish within %.1f s", cancelled, drain)
        stopping = [f for f in self.features if f.stop]
        done = await asyncio.gather(
            *(bounded(call_hook(f.stop, self.ctx), left()) for f in stopping)
        )  # independent: side by side
        for feat, stopped in zip(stopping, done, strict=True):
            if not stopped:
                logger.warning("feature %s did not stop in time; abandoned", feat.name)
                self.abandoned += 1
        for task in self._tasks:
            task.cancel()
        try:
            await asyncio.wait_for(serving, timeout=min(2.0, left()))
        except TimeoutError:
            server.force_exit = True
        self.scheduler.shutdown()
        if not await bounded(asyncio.to_thread(self._final_heartbeat), left() + 0.2):
            logger.error("final heartbeat not written within the shutdown timeout")
            self.abandoned += 1
        # Short: the drain above already waited; an abandoned job is not waited for again.
        await self._threads_finished(timeout=min(left(), 0.5 if self.abandoned else 3.0))
        if not self.abandoned:
            self.ctx.engine.dispose()  # a thread still running may hold a connection
        logger.info("stopped")
        return 0

    async def _threads_finished(self, timeout: float) -> None:
        """Wait for work still running in worker threads before the engine is disposed:
        cancelling a task does not stop its thread, and a connection it opened after
        ``dispose()`` would never be closed."""
        loop = asyncio.get_running_loop()
        waiter = ThreadPoolExecutor(1, thread_name_prefix="itops-join")
        joined = loop.run_in_executor(waiter, self._workers.shutdown, True)
        try:
            await asyncio.wait_for(asyncio.shield(joined), timeout)
        except TimeoutError:
            logger.warning("worker threads still running after %.1f s; stopping anyway", timeout)
            self.abandoned = max(self.abandoned, 1)  # the CLI must not wait for them
        finally:
            waiter.shutdown(wait=False)  # a `with` block would wait for the join itself
        # The loop may outlive the daemon (tests): give it a fresh default executor.
        loop.set_default_executor(ThreadPoolExecutor())

    def stop(self) -> None:
        self._stop.set()

    def _year_start(self, now: datetime) -> datetime:
        """Midnight of 1 January, office time, of ``now``'s year (as UTC)."""
        tz = ZoneInfo(self.ctx.settings.office.timezone)
        local = now.astimezone(tz)
        return datetime(local.year, 1, 1, tzinfo=tz).astimezone(UTC)

    def _hint_first_user(self) -> None:
        from sqlalchemy import func, select

        from itops.db.models import User

        with session_scope(self.ctx.sessions) as db:
            if db.scalar(select(func.count()).select_from(User)) == 0:
                logger.warning(
                    "no users yet: create one with `itops --config %s user add LOGIN --role admin`",
                    self.ctx.config_path,
                )

    def reload(self) -> None:
        """SIGHUP: take a new config only if it validates completely."""
        try:
            settings = config_mod.load(self.ctx.config_path)
        except ConfigError as exc:
            logger.error("config reload refused, keeping the running config: %s", exc)
            return
        if settings.storage.url != self.ctx.settings.storage.url:
            logger.warning("[storage] url changes need a restart; keeping the old database")
            settings = settings.model_copy(update={"storage": self.ctx.settings.storage})
        self._file_settings = settings
        self.ctx.settings = self._derived(fallback=settings)
        self.scheduler.remove_all()
        self._schedule()
        sync_units(self.ctx)
        self.ctx.state.forget_except(self._check_names)
        self._reloaded()
        logger.info("config reloaded: %d checks", len(self._check_names))

    def _reloaded(self) -> None:
        """Each feature's ``reloaded`` hook; one that fails is logged, the others still run."""
        for feat in self.features:
            if feat.reloaded is None:
                continue
            try:
                feat.reloaded(self.ctx)
            except Exception as exc:
                logger.error(
                    "%s: after the settings changed: %s",
                    feat.name,
                    str(getattr(exc, "orig", None) or exc).strip().splitlines()[0],
                )

    def _derived(self, fallback: Settings | None = None) -> Settings:
        """The file's settings completed from the database (``Feature.derive``); when the
        database cannot be read now, ``fallback`` (default: the running settings, so the
        derived checks stay scheduled) until the next refresh."""
        try:
            return derive_settings(self._file_settings, self.ctx.sessions)
        except Exception as exc:
            logger.error(
                "checks derived from the database (host groups) not refreshed: %s",
                str(getattr(exc, "orig", None) or exc).strip().splitlines()[0],
            )
            return fallback or self.ctx.settings

    async def _rederive(self) -> None:
        await self._tracked(self._apply_derived())

    async def _apply_derived(self) -> None:
        """Every few minutes: a host that started reporting gets its group's check, one
        that left the inventory loses it; nothing changes when nothing did."""
        settings = await asyncio.to_thread(self._derived)
        if settings == self.ctx.settings:
            return
        self.ctx.settings = settings
        checks = build_checks(self.ctx, self.features)
        self._check_names = {check.name for check in checks}
        self.engine.schedule(checks)
        self.ctx.state.forget_except(self._check_names)
        await asyncio.to_thread(self._reloaded)
        logger.info("checks derived from the database changed: %d checks", len(checks))

    def _schedule(self) -> None:
        settings = self.ctx.settings
        self.scheduler.every(
            "heartbeat", settings.daemon.heartbeat_interval.total_seconds(), self._beat, first_in=0
        )
        checks = build_checks(self.ctx, self.features)
        self._check_names = {check.name for check in checks}
        self.engine.schedule(checks)
        self.scheduler.every(
            "login-throttle-prune",
            86400,
            self._job,
            THROTTLE_PRUNE,
            "login-throttle-prune",
            first_in=0,
        )
        self.scheduler.every("derive", DERIVE_SECONDS, self._rederive)
        for feat in self.features:
            for job in feat.jobs(self.ctx, feat.service(self.ctx)) if feat.jobs else ():
                key = f"{feat.name}:{job.id}"
                self.scheduler.every(
                    key,
                    job.seconds,
                    self._job,
                    job,
                    key,
                    first_in=job.first_in,
                )

    async def _job(self, job: Job, key: str) -> None:
        await self._tracked(self._run_job(job, key))

    async def _run_job(self, job: Job, key: str) -> None:
        """Run one job; a job that failed on a locked or unreachable database is retried
        soon (15 s, doubling up to its interval or 5 min), logged in one line; any other
        failure is logged with its traceback and waits for the next interval."""
        try:
            await call_hook(job.func, self.ctx)
        except Exception as exc:
            problem = transient_problem(exc)
            if problem is None:
                logger.exception("job %s failed", job.id)
                return
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
            cap = min(RETRY_MAX_SECONDS, job.seconds)
            delay = min(cap, self.retry_seconds * 2 ** (failures - 1))
            logger.warning(
                "job %s failed (database busy or unreachable: %s); retrying in %g s",
                job.id,
                problem,
                delay,
            )
            if not self._stop.is_set():
                self.scheduler.once(key, delay, self._job, job, key)
            return
        if self._failures.pop(key, None):
            logger.info("job %s done after a retry", job.id)

    async def _tracked(self, coro: Any) -> None:
        """Run a job so that shutdown can wait for it: a job in a worker thread keeps going
        when its task is cancelled and must not touch the engine after it is disposed."""
        task = asyncio.ensure_future(coro)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        await shielded(task)

    async def _beat(self) -> None:
        await self._tracked(self._write_beat())

    async def _write_beat(self) -> None:
        """Write the heartbeat; its failure is the daemon's storage problem (``/healthz``).

        A problem is logged when it starts or changes and once when it ends, not at
        every beat, while the daemon goes on probing.
        """
        try:
            written = await asyncio.to_thread(self._write_heartbeat, False)
        except Exception as exc:
            problem = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            if problem != self.ctx.storage_problem:
                logger.error("heartbeat not written (database problem, still probing): %s", problem)
            self.ctx.storage_problem = problem
            return
        if self.ctx.storage_problem is not None:
            logger.info("database writable again")
        self.ctx.storage_problem = None
        self.ctx.state.heartbeat_at = written

    def _write_heartbeat(self, clean: bool) -> datetime:
        now = self.ctx.clock.now()
        with session_scope(self.ctx.sessions) as db:
            heartbeat.beat(db, now, clean_shutdown=clean)
        return now

    def _final_heartbeat(self) -> None:
        try:
            self._write_heartbeat(True)
        except Exception as exc:
            logger.error("final heartbeat not written: %s", exc)

    async def _watchdog(self, every: float) -> None:
        while True:
            self.notifier.notify("WATCHDOG=1")
            await asyncio.sleep(every)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


__all__ = ["Daemon", "OFFICE_UNIT", "build_checks"]
