"""The check engine: one heap of due times drives every check's probes on the event loop.

Why not APScheduler (which keeps the periodic feature jobs): with one job per check, past
~700 probes/s its own wake-ups were 86 % of the main thread, and half of that was a log line
per skipped run. Here:

1. Each check has one entry in a heap ordered by its next due time, kept on the monotonic
   clock (``loop.time()``): an NTP step of the wall clock neither delays nor hurries a check.
   Result timestamps still come from the injected :class:`~itops.clock.Clock`.
2. The first due time is a stable per-check offset in ``[0, interval)`` (a hash of the
   name), so equal intervals do not fire together and a restart keeps the spread.
3. No drift: the next due time is the previous *due* time plus the interval, not the start
   time plus the interval. Slots that passed while the engine was behind are skipped and
   counted (``missed_slot``), never run in a burst.
4. At most ``max_concurrency`` probes run at once; due checks beyond that wait in the heap in
   due order, and their lateness (start minus due) is what the histogram shows.
5. A check still running when it is due again is not started twice: the slot is counted
   (``still_running``), not logged.
6. :meth:`CheckEngine.schedule` takes the whole new check list (start or SIGHUP): unchanged
   checks keep their phase, changed ones are rescheduled, removed ones stop; a result of a
   removed check that was still in flight is counted but not recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

from itops.check import Check, Options
from itops.runner import CheckRunner
from itops.state import ProbeStats

logger = logging.getLogger(__name__)

# A timer may fire this much before its due time (the loop's clock resolution); such an
# entry counts as due, with lateness 0.
_EARLY = 1e-3


def spread(key: str, period: float) -> float:
    """A stable offset in [0, period) so equal-interval jobs do not all fire together."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 * period


def next_slot(due: float, interval: float, now: float) -> tuple[float, int]:
    """The first slot ``due + k * interval`` (k >= 1) after ``now``, and how many slots
    (``k - 1``) passed in between without a probe."""
    missed = max(0, math.floor((now - due) / interval)) if now > due else 0
    following = due + (missed + 1) * interval
    if following <= now:  # floating-point edge: never return a slot in the past
        missed += 1
        following += interval
    return following, missed


@dataclass(eq=False)
class _Entry:
    check: Check[Options]
    interval: float
    generation: int = 0
    running: bool = False
    alive: bool = True


class CheckEngine:
    """Schedules every configured check and runs its probes through a :class:`CheckRunner`.

    Everything runs on the event loop thread (timer callbacks, no task per check); a probe is
    one task, tracked by the runner so shutdown can drain it.
    """

    def __init__(self, runner: CheckRunner, stats: ProbeStats, max_concurrency: int) -> None:
        self.runner = runner
        self.stats = stats
        self.max_concurrency = max_concurrency
        self._entries: dict[str, _Entry] = {}
        self._heap: list[tuple[float, int, _Entry, int]] = []
        self._seq = itertools.count()
        self._in_flight = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf
        self._stopped = False

    # -- configuration -------------------------------------------------------------------

    def schedule(self, checks: Iterable[Check[Options]]) -> None:
        """Make ``checks`` the running set (at start and on every config reload)."""
        wanted = {check.name: check for check in checks}
        now = self._now()
        for name in list(self._entries.keys() - wanted.keys()):
            self._entries.pop(name).alive = False
        for name, check in wanted.items():
            interval = check.config.interval.total_seconds()
            entry = self._entries.get(name)
            if entry is not None and entry.check.config == check.config:
                continue
            if entry is None:
                entry = self._entries[name] = _Entry(check, interval)
            else:  # changed: new settings take effect now; the old heap item is void
                entry.check, entry.interval = check, interval
                entry.generation += 1
            self._push(entry, now + spread(f"check:{name}", interval))
        self.stats.expect({check.kind for check in wanted.values()})
        self._arm()

    def names(self) -> list[str]:
        return sorted(self._entries)

    def next_due(self, name: str) -> float | None:
        """When ``name`` is next due (``loop.time()`` seconds), None if not scheduled."""
        entry = self._entries.get(name)
        if entry is None:
            return None
        return min(
            (due for due, _, e, gen in self._heap if e is entry and gen == entry.generation),
            default=None,
        )

    # -- running -------------------------------------------------------------------------

    def start(self) -> None:
        """Begin probing (call from the event loop)."""
        self._loop = asyncio.get_running_loop()
        self._stopped = False
        self._arm()

    def stop(self) -> None:
        """Start no more probes; running ones go on (the runner's drain waits for them)."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._timer_at = None, math.inf

    async def drain(self, deadline: float) -> int:
        """Stop, then wait up to ``deadline`` s for running probes; return those cancelled."""
        self.stop()
        return await self.runner.drain(deadline)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _now(self) -> float:
        loop = self._loop
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
        if loop is None:
            import time

            return time.monotonic()  # same clock as the default event loop's time()
        return loop.time()

    def _push(self, entry: _Entry, due: float) -> None:
        heapq.heappush(self._heap, (due, next(self._seq), entry, entry.generation))

    def _arm(self) -> None:
        """Keep one loop timer at the earliest due time (none while at the bound)."""
        if self._loop is None or self._stopped:
            return
        heap = self._heap
        if not heap or self._in_flight >= self.max_concurrency:
            return
        due = heap[0][0]
        if due >= self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = due
        self._timer = self._loop.call_at(due, self._tick)

    def _tick(self) -> None:
        self._timer, self._timer_at = None, math.inf
        loop = self._loop
        if self._stopped or loop is None:
            return
        now = loop.time()
        heap, stats = self._heap, self.stats
        while heap and heap[0][0] <= now + _EARLY and self._in_flight < self.max_concurrency:
            due, _, entry, generation = heapq.heappop(heap)
            if not entry.alive or generation != entry.generation:
                continue
            following, missed = next_slot(due, entry.interval, now)
            if missed:
                stats.skipped("missed_slot", missed)
            self._push(entry, following)
            if entry.running:
                stats.skipped("still_running")
                continue
            stats.started(max(0.0, now - due))
            entry.running = True
            self._in_flight += 1
            task = loop.create_task(self._probe(entry))
            self.runner.track(task)
        self._arm()

    async def _probe(self, entry: _Entry) -> None:
        check = entry.check
        try:
            result = await self.runner.probe(check)
        finally:
            entry.running = False
            self._in_flight -= 1
            if self._in_flight == self.max_concurrency - 1:
                self._arm()  # was at the bound: due checks may be waiting
        if result is None:
            return
        self.stats.probed(result.kind, result.status)
        if entry.alive:
            self.runner.submit(result)


__all__ = ["CheckEngine", "next_slot", "spread"]
