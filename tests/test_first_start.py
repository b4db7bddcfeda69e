"""First start on SQLite: pruning in short transactions, jobs that meet a locked database.

A first start with a year of history pruned 15,000 raw results in one transaction; the
other jobs then failed with "database is locked" (a traceback; ClamAV not retried for
15 minutes) and APScheduler warned at every interval that a run was skipped.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.models import ProbeResultRow, ProbeRollup
from checks.availability.retention import prune
from itops.config import Settings
from itops.context import AppContext
from itops.daemon import Daemon
from itops.db.models import OrgUnit
from itops.db.session import lock_wait, make_engine, make_sessionmaker, session_scope
from itops.plugins import Job
from itops.scheduler import Scheduler
from tests.conftest import make_settings

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=60)


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _raw(sessions: sessionmaker[Session], old: int, new: int) -> None:
    with session_scope(sessions) as db:
        db.add_all(
            ProbeResultRow(
                check_name="bip",
                at=(OLD if i < old else NOW) + timedelta(seconds=i),
                status=0,
                duration=0.01,
                summary="",
                reason="sample",
            )
            for i in range(old + new)
        )


def test_prune_deletes_in_short_transactions_and_keeps_the_recent_rows(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    _raw(sessions, old=5000, new=7)
    engine = sessions.kw["bind"]
    commits: list[int] = [0]
    deletes_in: list[int] = []

    @event.listens_for(engine, "commit")
    def _commit(_conn: Any) -> None:
        commits[0] += 1

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM PROBE_RESULT"):
            deletes_in.append(commits[0])

    others: list[str] = []
    database = make_url(db_url).database
    if db_url.startswith("sqlite") and database:

        @event.listens_for(sessions, "after_commit")
        def _other_writer(_session: Session) -> None:
            # Between two batches another writer takes the lock at once (no waiting).
            other = sqlite3.connect(database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                others.append("in")
            finally:
                other.close()

    settings = make_settings(db_url)
    deleted, _ = prune(sessions, settings, NOW, batch=1000)
    assert deleted == 5000
    assert len(deletes_in) >= 5
    assert len(set(deletes_in)) == len(deletes_in)  # each DELETE in its own transaction
    with session_scope(sessions) as db:
        assert db.scalar(select(func.count()).select_from(ProbeResultRow)) == 7
    if db_url.startswith("sqlite"):
        assert len(others) >= 5


def test_hourly_rollups_folded_in_small_batches_add_up_to_whole_days(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    # Two local days (Warsaw, UTC+1 in March) of 24 hourly rows each, long past retention.
    first = datetime(2026, 3, 9, 23, tzinfo=UTC)
    with session_scope(sessions) as db:
        for hour in range(48):
            db.add(
                ProbeRollup(
                    check_name="bip",
                    start=first + timedelta(hours=hour),
                    seconds=3600,
                    count=60,
                    failures=hour % 2,
                    unknowns=0,
                    latency_min=0.01 + hour / 1000,
                    latency_sum=1.0,
                    latency_max=0.2,
                    latency_p95=0.1 + hour / 1000,
                )
            )
    settings: Settings = make_settings(db_url)
    _, folded = prune(sessions, settings, NOW, batch=5)
    assert folded == 48
    with session_scope(sessions) as db:
        days = list(db.scalars(select(ProbeRollup).order_by(ProbeRollup.start)))
    assert [(d.start, d.seconds, d.count, d.failures) for d in days] == [
        (first, 86400, 1440, 12),
        (first + timedelta(days=1), 86400, 1440, 12),
    ]
    assert days[0].latency_sum == pytest.approx(24.0)
    assert days[1].latency_p95 == pytest.approx(0.1 + 47 / 1000)
    assert days[0].latency_min == pytest.approx(0.01)


@pytest.fixture
def sqlite_app(tmp_path: Path, _sqlite_template: Path) -> Iterator[AppContext]:
    """SQLite only: the lock is SQLite's (PostgreSQL's writers do not share one lock)."""
    target = tmp_path / "itops.db"
    shutil.copy(_sqlite_template, target)
    settings = make_settings(f"sqlite:///{target}")
    engine = make_engine(settings.storage.url)
    yield AppContext(
        settings=settings,
        config_path=tmp_path / "itops.toml",
        engine=engine,
        sessions=make_sessionmaker(engine),
    )
    engine.dispose()


async def test_a_job_failing_on_a_locked_database_is_retried_soon_without_traceback(
    sqlite_app: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    runs: list[str] = []

    def write_unit(ctx: AppContext) -> None:
        lock_wait.set(200)  # wait 0.2 s for the lock instead of the 30 s busy_timeout
        runs.append("run")
        with session_scope(ctx.sessions) as db:
            db.add(OrgUnit(id="szkola-retry", name="Szkoła (DEMO)"))

    daemon = Daemon(sqlite_app)
    daemon.retry_seconds = 0.3
    job = Job("write-unit", 3600, write_unit)
    database = make_url(sqlite_app.settings.storage.url).database
    assert database
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    daemon.scheduler.start()
    try:
        with caplog.at_level(logging.INFO):
            await daemon._job(job, "test:write-unit")
            holder.execute("COMMIT")
            for _ in range(200):
                # The retry logs "done" after its commit: wait for the line, not the row.
                if any("done after a retry" in r.getMessage() for r in caplog.records):
                    break
                await asyncio.sleep(0.05)
    finally:
        daemon.scheduler.shutdown()
        holder.close()
    with session_scope(sqlite_app.sessions) as db:
        assert db.get(OrgUnit, "szkola-retry") is not None
    assert len(runs) == 2
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "retrying in" in warnings[0].getMessage()
    assert "database is locked" in warnings[0].getMessage()
    assert warnings[0].exc_info is None
    assert any("done after a retry" in r.getMessage() for r in caplog.records)


async def test_a_run_due_while_the_job_still_runs_is_skipped_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()
    started: list[int] = []

    async def slow() -> None:
        started.append(1)
        await release.wait()

    scheduler = Scheduler()
    scheduler.every("slow", 0.05, slow, first_in=0)
    with caplog.at_level(logging.INFO):
        scheduler.start()
        try:
            for _ in range(200):
                if scheduler.skipped.get("slow", 0) >= 5:
                    break
                await asyncio.sleep(0.02)
            release.set()
            for _ in range(200):
                if len(started) >= 2:
                    break
                await asyncio.sleep(0.02)
        finally:
            scheduler.shutdown()
    assert scheduler.skipped["slow"] >= 5
    assert len(started) >= 2  # the job runs again once the slow run has ended
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == [], [r.getMessage() for r in noisy]
