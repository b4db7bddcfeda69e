"""The daemon's small parts (``itops.daemon``): the live-state sink, uvicorn without its
signal handlers, the hooks caller, bounded and shielded awaits, the monitoring-gap event
and the login-throttle job. Its log lines keep the daemon's logger name."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Iterator
from typing import Any

import uvicorn

from itops import heartbeat
from itops.context import AppContext
from itops.db.session import session_scope
from itops.events import MONITORING_GAP, Event
from itops.messages import Summary
from itops.plugins import Job
from itops.status import ProbeResult, Status

logger = logging.getLogger("itops.daemon")


class LiveStateSink:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def submit(self, result: ProbeResult) -> None:
        self.ctx.state.record(result)


class Server(uvicorn.Server):
    """uvicorn without its own signal handlers: the daemon owns SIGTERM/SIGINT/SIGHUP."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def prune_login_throttle(ctx: AppContext) -> None:
    """Daily: forget failed-login counters whose window and lock are over."""
    from itops.web import throttle

    with session_scope(ctx.sessions) as db:
        deleted = throttle.prune(db, ctx.settings.web, ctx.clock.now())
    if deleted:
        logger.info("login throttle: %d expired rows deleted", deleted)


THROTTLE_PRUNE = Job("login-throttle-prune", 86400, prune_login_throttle)


def gap_event(gap: heartbeat.Unwatched) -> Event:
    """The time itops itself was not watching, told once at start (after subscribers start)."""
    end = gap.end
    crashed = gap.reason == heartbeat.CRASHED
    return Event(
        MONITORING_GAP,
        "itops",
        Status.CRITICAL if crashed else Status.WARNING,
        end,
        Summary("itops.gap", {"seconds": (end - gap.start).total_seconds(), "reason": gap.reason}),
        {"start": gap.start, "end": end, "reason": str(gap.reason), "code": gap.reason.code},
    )


async def shielded(task: asyncio.Task[Any]) -> None:
    """Await ``task`` shielded. When the scheduler's shutdown cancels the waiting wrapper
    (the drain deadline has passed), the task itself was already waited for or abandoned
    on purpose: that is the end of the job, not an error with a traceback in the log."""
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            current.uncancel()


async def bounded(awaitable: Any, timeout: float) -> bool:
    """Await ``awaitable`` for at most ``timeout`` seconds; whether it finished. A sync
    function already running in a thread goes on there (abandoned, not waited for)."""
    try:
        await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        return False
    return True


async def call_hook(func: Any, ctx: AppContext) -> Any:
    """Await an async hook; run a blocking one in a thread."""
    if inspect.iscoroutinefunction(func):
        return await func(ctx)
    return await asyncio.to_thread(func, ctx)
