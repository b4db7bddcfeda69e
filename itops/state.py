"""The daemon's in-memory picture of the latest state, read by /metrics and the dashboard.

A scrape or a page view reads this snapshot instead of querying the database, so
neither can slow the daemon down however often it comes.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime

from itops.status import ProbeResult, Status


@dataclass(frozen=True)
class CheckState:
    """The latest result of one check and since when its status holds."""

    last: ProbeResult
    since: datetime
    kind: str


LATENESS_BUCKETS: tuple[float, ...] = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)
"""Upper bounds (seconds) of ``itops_probe_lateness_seconds``; fine at the low end, where a
healthy engine lives, so a bench can estimate p50/p99 from outside."""

SKIP_REASONS = ("still_running", "missed_slot")
_RESULT = {status: status.name.lower() for status in Status}  # the ``result`` label


@dataclass(frozen=True)
class ProbeCounts:
    """A consistent copy of :class:`ProbeStats` for one scrape."""

    probes: dict[tuple[str, str], int]
    skipped: dict[str, int]
    lateness_buckets: tuple[int, ...]  # per bucket (not cumulative), +Inf last
    lateness_sum: float
    lateness_count: int


class ProbeStats:
    """Counters of the check engine: probes by kind and result, skips, start lateness.

    Counted on the event loop, read by a scrape in a worker thread (hence the lock); one
    increment per probe, never a log line per probe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._probes: dict[tuple[str, str], int] = {}
        self._skipped = dict.fromkeys(SKIP_REASONS, 0)
        self._buckets = [0] * (len(LATENESS_BUCKETS) + 1)
        self._sum = 0.0
        self._count = 0
        self._remote: dict[int, ProbeCounts] = {}
        self._base: list[ProbeCounts] = []

    def expect(self, kinds: set[str]) -> None:
        """Start the counters of these kinds at 0, so ``rate()`` sees their first probes."""
        with self._lock:
            for kind in kinds:
                for status in Status:
                    self._probes.setdefault((kind, status.name.lower()), 0)

    def probed(self, kind: str, status: Status) -> None:
        key = (kind, _RESULT[status])
        with self._lock:
            self._probes[key] = self._probes.get(key, 0) + 1

    def started(self, lateness: float) -> None:
        """A probe started ``lateness`` seconds after it was due."""
        with self._lock:
            self._buckets[bisect_left(LATENESS_BUCKETS, lateness)] += 1
            self._sum += lateness
            self._count += 1

    def skipped(self, reason: str, count: int = 1) -> None:
        with self._lock:
            self._skipped[reason] += count

    def absorb(self, source: int, counts: ProbeCounts) -> None:
        """The latest totals of worker ``source`` (summed into every snapshot)."""
        with self._lock:
            self._remote[source] = counts

    def retire(self, source: int) -> None:
        """Worker ``source`` died: keep what it counted, its successor starts from 0."""
        with self._lock:
            gone = self._remote.pop(source, None)
            if gone is not None:
                self._base.append(gone)
                self._base[:] = [_sum(self._base)]

    def snapshot(self) -> ProbeCounts:
        with self._lock:
            own = ProbeCounts(
                dict(self._probes),
                dict(self._skipped),
                tuple(self._buckets),
                self._sum,
                self._count,
            )
            if not self._remote and not self._base:
                return own
            return _sum([own, *self._base, *self._remote.values()])


def _sum(parts: list[ProbeCounts]) -> ProbeCounts:
    probes: dict[tuple[str, str], int] = {}
    skipped: dict[str, int] = {}
    buckets = [0] * (len(LATENESS_BUCKETS) + 1)
    for part in parts:
        for key, value in part.probes.items():
            probes[key] = probes.get(key, 0) + value
        for reason, value in part.skipped.items():
            skipped[reason] = skipped.get(reason, 0) + value
        for i, value in enumerate(part.lateness_buckets):
            buckets[i] += value
    return ProbeCounts(
        probes,
        skipped,
        tuple(buckets),
        sum(p.lateness_sum for p in parts),
        sum(p.lateness_count for p in parts),
    )


Cursor = tuple[int, int]
"""Where a reader of :meth:`LiveState.changes` stopped: (membership version, journal end)."""


class LiveState:
    """Thread-safe latest results per check (the web server may read from another thread).

    Besides the latest result per check it keeps a short journal of which checks got a
    result, so a reader that renders every check (``/metrics``) can redo only those
    (:meth:`changes`) instead of comparing 10,000 checks at every scrape.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checks: dict[str, CheckState] = {}
        self.heartbeat_at: datetime | None = None  # the last heartbeat written
        self.probes = ProbeStats()
        self._journal: list[str] = []
        self._journal_base = 0  # journal position of self._journal[0]
        self._membership = 0  # bumped whenever a check appears or goes

    def record(self, result: ProbeResult) -> None:
        with self._lock:
            old = self._checks.get(result.check)
            since = old.since if old and old.last.status is result.status else result.started_at
            self._checks[result.check] = CheckState(result, since, result.kind)
            if old is None:
                self._membership += 1
            journal = self._journal
            journal.append(result.check)
            if len(journal) > max(4096, 4 * len(self._checks)):
                drop = len(journal) // 2  # a reader further behind rescans everything
                del journal[:drop]
                self._journal_base += drop

    def checks(self) -> dict[str, CheckState]:
        with self._lock:
            return dict(self._checks)

    def changes(
        self, cursor: Cursor | None
    ) -> tuple[dict[str, CheckState], Cursor, set[str] | None]:
        """Every check, the cursor to pass next time, and the names that got a result since
        ``cursor``; None instead of names when anything may have changed (first call, a
        check appeared or went, or the journal no longer reaches back to ``cursor``)."""
        with self._lock:
            end = self._journal_base + len(self._journal)
            now: Cursor = (self._membership, end)
            checks = dict(self._checks)
            if cursor is None or cursor[0] != self._membership or cursor[1] < self._journal_base:
                return checks, now, None
            return checks, now, set(self._journal[cursor[1] - self._journal_base :])

    def updates(self, cursor: Cursor | None) -> tuple[Cursor, dict[str, CheckState], bool]:
        """Like :meth:`changes`, without copying every check when few changed: the cursor
        to pass next time, the states of the checks that got a result since ``cursor``,
        and False; or every check and True when anything may have changed. (/metrics
        calls it twice per scrape; copying 10,000 checks each time held the lock that
        ``record`` takes on the event loop.)"""
        with self._lock:
            end = self._journal_base + len(self._journal)
            now: Cursor = (self._membership, end)
            if cursor is None or cursor[0] != self._membership or cursor[1] < self._journal_base:
                return now, dict(self._checks), True
            checks = self._checks
            names = self._journal[cursor[1] - self._journal_base :]
            return now, {name: checks[name] for name in names}, False

    def pending(self, cursor: Cursor | None) -> int | None:
        """How many results were recorded since ``cursor`` (None: a reader at ``cursor``
        would get every check from :meth:`updates`)."""
        with self._lock:
            if cursor is None or cursor[0] != self._membership or cursor[1] < self._journal_base:
                return None
            return self._journal_base + len(self._journal) - cursor[1]

    def forget_except(self, names: set[str]) -> None:
        with self._lock:
            gone = set(self._checks) - names
            for name in gone:
                del self._checks[name]
            if gone:
                self._membership += 1

    def status(self, name: str) -> Status | None:
        state = self._checks.get(name)
        return state.last.status if state else None
