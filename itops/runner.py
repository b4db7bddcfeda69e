"""Run one check: bounded concurrency, per-check timeout, every error → a result.

Nothing a check does can raise out of here: a bug or a refused permission becomes an
UNKNOWN result with a hint (a monitoring gap), logged once where it is handled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any, Protocol

from itops.check import Check
from itops.clock import Clock
from itops.errors import ProbeError
from itops.messages import Summary
from itops.status import ProbeResult, Status

logger = logging.getLogger(__name__)


class ResultSink(Protocol):
    """Receives every result; must be cheap (sinks batch their own writes)."""

    def submit(self, result: ProbeResult) -> None: ...


class CheckRunner:
    """Runs checks with a concurrency bound and tracks what is in flight, for draining."""

    def __init__(self, clock: Clock, max_concurrency: int, sinks: Iterable[ResultSink]) -> None:
        self.clock = clock
        self.sinks = list(sinks)
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._closed = False

    async def run(self, check: Check[Any]) -> ProbeResult | None:
        """Probe and evaluate ``check`` once and hand the result to every sink."""
        if self._closed:
            return None
        async with self._semaphore:
            if self._closed:
                return None
            result = await self._run(check)
        self.submit(result)
        return result

    async def probe(self, check: Check[Any]) -> ProbeResult | None:
        """Probe and evaluate ``check`` once, without the runner's own concurrency bound
        (the caller bounds it, as the check engine does) and without handing the result on;
        None once draining has begun."""
        if self._closed:
            return None
        return await self._run(check)

    def submit(self, result: ProbeResult) -> None:
        """Hand ``result`` to every sink; a failing sink is logged and the others go on."""
        for sink in self.sinks:
            try:
                sink.submit(result)
            except Exception:
                logger.exception("result sink %r failed for check %s", sink, result.check)

    async def _run(self, check: Check[Any]) -> ProbeResult:
        started = self.clock.now()
        t0 = time.monotonic()
        timeout = check.config.timeout.total_seconds()
        try:
            # asyncio.timeout, not wait_for: the probe runs in this task instead of one more
            # task per probe (wait_for wraps the coroutine in a task of its own).
            async with asyncio.timeout(timeout):
                measurements = await check.probe()
            status, summary = check.evaluate(measurements)
        except TimeoutError:
            measurements, status = (), check.timeout_status
            summary = Summary("check.timeout", {"seconds": timeout})
        except ProbeError as exc:
            measurements, status, summary = (), Status.UNKNOWN, exc.summary()
        except Exception as exc:
            logger.exception("check %s (%s) raised", check.name, check.kind)
            measurements, status = (), Status.UNKNOWN
            error = f"{type(exc).__name__}: {exc}"
            summary = Summary("check.internal_error", {"error": error})
        return ProbeResult(
            check=check.name,
            kind=check.kind,
            status=status,
            summary=summary,
            started_at=started,
            duration=time.monotonic() - t0,
            measurements=tuple(measurements),
        )

    def track(self, task: asyncio.Task[Any]) -> None:
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def drain(self, deadline: float) -> int:
        """Stop taking work and wait up to ``deadline`` seconds; return probes cancelled."""
        self._closed = True
        pending = {t for t in self._in_flight if not t.done()}
        if not pending:
            return 0
        _, still = await asyncio.wait(pending, timeout=deadline)
        for t in still:
            t.cancel()
        return len(still)
