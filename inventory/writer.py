"""The single writer of agent reports: concurrent reports stored in batches.

Request handlers validate a report, hand it over (``submit``) and wait; one thread
takes whatever has queued up while it was busy (up to ``max_batch``), stores it in one
transaction (``inventory.intake.store_reports``) and only after the commit answers each
waiting request and runs the parts' after-commit work. Under load a batch grows, so a
commit, the token lock and the candidate queries are shared by many reports; when idle
a report is stored at once, alone.

Each report stays all-or-nothing: when a batch fails to store or commit, it is rolled
back whole and every report in it is retried alone, so one bad report costs only its
own answer. Nothing in here is relied on for correctness across processes: several
itops nodes each run a writer and the database's locks and constraints keep them apart.

The thread ends after ``idle_seconds`` without work and starts again on the next
report, so a test or a CLI that never stops it leaks nothing.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from inventory.intake import Parts, Received, Refused, StoredReport, store_reports
from inventory.payload import AgentReport
from itops.context import AppContext
from itops.db.session import lock_wait, session_scope
from itops.events import Event
from itops.messages import Summary
from itops.report_parts import AfterCommit
from itops.status import Status
from itops.web.offloop import REQUEST_LOCK_WAIT_MS

logger = logging.getLogger(__name__)

Outcome = StoredReport | Refused
AGENT_REPORT = "agent_report"
RETRIES = 2  # a report retried alone after a conflict with another node's transaction


@dataclass(frozen=True)
class _Job:
    received: Received
    future: Future[Outcome]


class ReportWriter:
    """One per process and AppContext (see the module docstring)."""

    def __init__(
        self, ctx: AppContext, parts: Parts, max_batch: int = 200, idle_seconds: float = 5.0
    ) -> None:
        self.ctx = ctx
        self.parts = parts
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # Figures for the bench and the tests (written by the writer thread only).
        self.batches = 0  # committed batches
        self.stored = 0  # reports in them
        self.largest_batch = 0
        self.busy_seconds = 0.0  # time spent storing and committing
        self.cpu_seconds = 0.0  # CPU time of this thread in it

    def submit(self, received: Received) -> Future[Outcome]:
        """Queue a validated report; the future resolves after its commit (or refusal).

        A storage failure the request should answer with 503 (the database is down)
        comes back as the future's exception."""
        future: Future[Outcome] = Future()
        self._queue.put(_Job(received, future))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="itops-report-writer", daemon=True
                )
                self._thread.start()
        return future

    def _run(self) -> None:
        # The requests wait for this thread: its writes wait for another writer's lock
        # (a long CSV import) only as briefly as a request's own would, then answer 503.
        lock_wait.set(REQUEST_LOCK_WAIT_MS)
        while True:
            try:
                first = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                self._write(batch)
            except BaseException as exc:  # never leave a request waiting forever
                logger.exception("the report writer failed")
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(exc)
            self.busy_seconds += time.perf_counter() - started
            self.cpu_seconds += time.thread_time() - cpu

    def _write(self, batch: Sequence[_Job]) -> None:
        try:
            outcomes, after = self._store(batch)
        except Exception as exc:
            if _lock_timeout(exc):  # retrying would only wait again: 503 for all of them
                for job in batch:
                    job.future.set_exception(exc)
                return
            if len(batch) == 1:
                self._write_alone(batch[0], exc)
                return
            logger.info(
                "a batch of %d reports failed (%s); storing them one by one",
                len(batch),
                type(exc).__name__,
            )
            for job in batch:
                self._write_alone(job, None)
            return
        self.batches += 1
        self.stored += len(batch)
        self.largest_batch = max(self.largest_batch, len(batch))
        self._finish(batch, outcomes, after)

    def _write_alone(self, job: _Job, failed: Exception | None) -> None:
        """One report in a transaction of its own, retried after a conflict."""
        for attempt in range(RETRIES + 1):
            if failed is None:
                try:
                    outcomes, after = self._store([job])
                except Exception as exc:  # noqa: BLE001 - classified below
                    failed = exc
                else:
                    self._finish([job], outcomes, after)
                    return
            if isinstance(failed, DataError):
                logger.warning(
                    "agent report of %s refused by the database: %s",
                    job.received.report.hostname,
                    _first_line(failed),
                )
                job.future.set_result(
                    Refused(
                        422,
                        "the report holds a value the database cannot store; nothing was stored",
                    )
                )
                return
            transient = isinstance(failed, IntegrityError | OperationalError)
            if not transient or _lock_timeout(failed) or attempt == RETRIES:
                break
            failed = None
            time.sleep(0.05 * (attempt + 1))
        assert failed is not None  # noqa: S101 - set by the loop above
        if not isinstance(failed, OperationalError):
            logger.error(
                "agent report of %s not stored", job.received.report.hostname, exc_info=failed
            )
        job.future.set_exception(failed)

    def _store(self, batch: Sequence[_Job]) -> tuple[list[Outcome], list[AfterCommit]]:
        with session_scope(self.ctx.sessions) as db:
            outcomes, after = store_reports(db, [j.received for j in batch], self.parts)
        return outcomes, after

    def _finish(
        self, batch: Sequence[_Job], outcomes: Sequence[Outcome], after: Sequence[AfterCommit]
    ) -> None:
        """Committed: answer the requests, then the work that waited for the commit."""
        for job, outcome in zip(batch, outcomes, strict=True):
            job.future.set_result(outcome)
        for run in after:
            try:
                run()
            except Exception:
                logger.exception("after-commit work of a report part failed")
        stored = {
            o.hostname: j.received.now
            for j, o in zip(batch, outcomes, strict=True)
            if isinstance(o, StoredReport)
        }
        if stored:
            _announce(self.ctx, batch, outcomes, stored)


def publish(ctx: AppContext, stored: StoredReport, report: AgentReport, at: datetime) -> None:
    """``agent_report`` on the event bus, after the report's commit."""
    ctx.events.publish(
        Event(
            kind=AGENT_REPORT,
            subject=stored.hostname,
            status=Status.OK,
            at=at,
            summary=Summary("inventory.agent_report"),
            data={
                "hostname": stored.hostname,
                "asset_id": stored.asset_id,
                "antivirus": report.antivirus,
                "reported_at": at.isoformat(),
            },
        )
    )


def _announce(
    ctx: AppContext, batch: Sequence[_Job], outcomes: Sequence[Outcome], stored: dict[str, datetime]
) -> None:
    from inventory.metrics import note_agent_reports

    note_agent_reports(ctx, stored)
    for job, outcome in zip(batch, outcomes, strict=True):
        if isinstance(outcome, StoredReport):
            publish(ctx, outcome, job.received.report, job.received.now)


def _lock_timeout(exc: BaseException) -> bool:
    """SQLite's write lock stayed taken for the whole (bounded) wait."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__
