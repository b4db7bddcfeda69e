"""The outage tracker's writes: typed operations queued in memory, flushed in one transaction.

1. ``queue()`` (on the daemon's loop, under the tracker's lock) appends the operations of
   one probe result and adds the result to its check's hourly rollup.
2. ``flush()`` (a job in a worker thread) takes the queue and the finished rollup hours
   and writes them in one transaction; a failed transaction puts them back in front.
3. While the database is unreachable (restart, full disk, lock held too long) the queue
   stays in memory and probing goes on; attempts back off exponentially from
   ``flush_interval`` up to ``MAX_RETRY_SECONDS``, and the problem is logged once, then
   once more when the buffered rows are written.
4. Past ``max_raw`` buffered raw samples the oldest half are shed (logged): availability
   is answered from the outage and gap rows, which are never dropped.
"""

from __future__ import annotations

import logging
import threading
import time as time_mod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.models import MonitoringGap, Outage, ProbeResultRow
from checks.availability.rollups import Rollup, hour_of, write_rollups
from itops.db.session import session_scope
from itops.messages import Summary, stored_within
from itops.status import ProbeResult

logger = logging.getLogger(__name__)

MAX_RETRY_SECONDS = 30.0
MAX_BUFFERED_RAW = 200_000


@dataclass
class OpenInterval:
    """An outage or gap row being tracked; ``id`` is set once the row is written."""

    start: datetime
    id: int | None = None


@dataclass(frozen=True)
class RawSample:
    """Keep this result as a raw ``probe_result`` row (``reason``: change, failure, sample)."""

    result: ProbeResult
    reason: str


@dataclass(frozen=True)
class OutageOpened:
    check: str
    unit: str
    interval: OpenInterval
    summary: Summary


@dataclass(frozen=True)
class OutageClosed:
    interval: OpenInterval
    end: datetime


@dataclass(frozen=True)
class GapOpened:
    check: str
    unit: str
    interval: OpenInterval
    summary: Summary


@dataclass(frozen=True)
class GapClosed:
    interval: OpenInterval
    end: datetime


Operation = RawSample | OutageOpened | OutageClosed | GapOpened | GapClosed


class Writer:
    """The queue and its flushing; ``lock`` is shared with the tracker's state machine, so
    operations are queued in the order the machine made them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        lock: threading.Lock,
        flush_interval: Callable[[], float],
        after_write: Callable[[Session], None],
    ) -> None:
        self.sessions = sessions
        self.max_raw = MAX_BUFFERED_RAW
        self._lock = lock
        self._flush_interval = flush_interval
        self._after_write = after_write
        self._flush_lock = threading.Lock()  # one flush at a time: a close needs its open's id
        self._ops: list[Operation] = []
        self._rollups: dict[tuple[str, datetime], Rollup] = {}
        self._raw_queued = 0
        self._raw_shed = 0
        self._failures = 0
        self._retry_at = 0.0

    def queue(self, ops: Iterable[Operation], result: ProbeResult) -> None:
        """Queue one result's operations and roll it up (the caller holds the lock)."""
        for op in ops:
            self._ops.append(op)
            if isinstance(op, RawSample):
                self._raw_queued += 1
                if self._raw_queued > self.max_raw:
                    self._shed_raw()
        key = (result.check, hour_of(result.started_at))
        acc = self._rollups.get(key)
        if acc is None:
            acc = self._rollups[key] = Rollup()
        acc.add(result)

    def close_now(self, op: GapClosed) -> None:
        """Queue a gap's closing that no result brought (the caller holds the lock)."""
        self._ops.append(op)

    def queued_raw(self) -> int:
        with self._lock:
            return self._raw_queued

    def _shed_raw(self) -> None:
        """Drop the oldest half of the queued raw samples (called under the lock)."""
        excess = self._raw_queued - self.max_raw // 2
        kept: list[Operation] = []
        for op in self._ops:
            if excess > 0 and isinstance(op, RawSample):
                excess -= 1
                continue
            kept.append(op)
        dropped = len(self._ops) - len(kept)
        self._ops, self._raw_queued = kept, self._raw_queued - dropped
        self._raw_shed += dropped
        logger.warning(
            "database still unavailable: dropped the %d oldest buffered raw "
            "samples (%d in all); outages and gaps are kept",
            dropped,
            self._raw_shed,
        )

    def flush(self, now: datetime, *, everything: bool = False) -> int:
        """Write queued rows and finished rollup hours in one transaction; return rows."""
        with self._flush_lock:
            if not everything and time_mod.monotonic() < self._retry_at:
                return 0
            try:
                written = self._flush(now, everything)
            except SQLAlchemyError as exc:
                self._note_failure(exc, everything)
                return 0
            if self._failures:
                logger.info(
                    "database reachable again: wrote %d buffered rows after %d failed attempts",
                    written,
                    self._failures,
                )
                self._failures, self._retry_at = 0, 0.0
            return written

    def _note_failure(self, exc: SQLAlchemyError, final: bool) -> None:
        self._failures += 1
        delay = min(MAX_RETRY_SECONDS, self._flush_interval() * 2**self._failures)
        self._retry_at = time_mod.monotonic() + delay
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        with self._lock:
            queued = len(self._ops)
        if final:
            logger.error(
                "database unavailable at shutdown, %d queued writes lost: %s", queued, reason
            )
        elif self._failures == 1:
            logger.error(
                "database unavailable, keeping %d queued writes in memory and retrying "
                "with backoff: %s",
                queued,
                reason,
            )
        else:
            logger.warning(
                "database still unavailable (attempt %d, %d writes queued), next try in %.1f s: %s",
                self._failures,
                queued,
                delay,
                reason,
            )

    def _flush(self, now: datetime, everything: bool) -> int:
        current = hour_of(now)
        with self._lock:
            ops, self._ops, self._raw_queued = self._ops, [], 0
            ready = {k: v for k, v in self._rollups.items() if everything or k[1] < current}
            for key in ready:
                del self._rollups[key]
        if not ops and not ready:
            with session_scope(self.sessions) as db:
                self._after_write(db)
            return 0
        try:
            with session_scope(self.sessions) as db:
                written = write_operations(db, ops, now)
                written += write_rollups(db, ready)
                self._after_write(db)
        except Exception:
            with self._lock:
                self._ops[:0] = ops
                self._raw_queued = sum(1 for op in self._ops if isinstance(op, RawSample))
                for key, acc in ready.items():
                    self._rollups.setdefault(key, acc)
            raise
        return written


def write_operations(db: Session, ops: list[Operation], now: datetime) -> int:
    """Apply the operations in order; raw samples go in one bulk insert."""
    raws: list[dict[str, Any]] = []
    for op in ops:
        if isinstance(op, RawSample):
            result = op.result
            measured = result.service_time()
            raws.append(
                {
                    "check_name": result.check,
                    "at": result.started_at,
                    "status": int(result.status),
                    "duration": result.duration,
                    "summary": stored_within(result.summary, 500),
                    "reason": op.reason,
                    "service_ms": measured.ms if measured is not None else None,
                }
            )
        elif isinstance(op, OutageOpened):
            row = Outage(
                check_name=op.check,
                unit_id=op.unit,
                start=op.interval.start,
                cause="failure",
                source="probe",
                summary=stored_within(op.summary, 500),
                note="",
                created_at=now,
            )
            db.add(row)
            db.flush()
            op.interval.id = row.id
        elif isinstance(op, GapOpened):
            gap = MonitoringGap(
                unit_id=op.unit,
                check_name=op.check,
                start=op.interval.start,
                reason=stored_within(op.summary, 200),
            )
            db.add(gap)
            db.flush()
            op.interval.id = gap.id
        else:
            closed: Outage | MonitoringGap | None = (
                db.get(Outage, op.interval.id)
                if isinstance(op, OutageClosed)
                else db.get(MonitoringGap, op.interval.id)
            )
            if closed is not None:
                closed.end = op.end
    if raws:
        db.execute(insert(ProbeResultRow), raws)
    return len(ops)
