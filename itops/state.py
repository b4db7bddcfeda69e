"""The daemon's in-memory picture of the latest state, read by /metrics and the dashboard.

A scrape or a page view reads this snapshot instead of querying the database, so
neither can slow the daemon down however often it comes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from itops.status import ProbeResult, Status


@dataclass(frozen=True)
class CheckState:
    """The latest result of one check and since when its status holds."""

    last: ProbeResult
    since: datetime
    kind: str


class LiveState:
    """Thread-safe latest results per check (the web server may read from another thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checks: dict[str, CheckState] = {}
        self.values: dict[str, object] = {}

    def record(self, result: ProbeResult) -> None:
        with self._lock:
            old = self._checks.get(result.check)
            since = old.since if old and old.last.status is result.status else result.started_at
            self._checks[result.check] = CheckState(result, since, result.kind)

    def checks(self) -> dict[str, CheckState]:
        with self._lock:
            return dict(self._checks)

    def forget_except(self, names: set[str]) -> None:
        with self._lock:
            for name in set(self._checks) - names:
                del self._checks[name]

    def status(self, name: str) -> Status | None:
        state = self._checks.get(name)
        return state.last.status if state else None
