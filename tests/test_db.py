"""Storage rules that hold on every engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from checks.availability.models import MonitoringGap
from itops.context import AppContext
from itops.db.models import OrgUnit
from itops.db.session import make_engine, ping, session_scope


def test_times_come_back_as_aware_utc(ctx: AppContext) -> None:
    warsaw_summer = timezone(timedelta(hours=2))
    start = datetime(2026, 7, 1, 9, 30, tzinfo=warsaw_summer)
    with session_scope(ctx.sessions) as db:
        db.add(MonitoringGap(start=start, end=None, reason="test"))
    with session_scope(ctx.sessions) as db:
        gap = db.scalars(select(MonitoringGap)).one()
    assert gap.start == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert gap.start.utcoffset() == timedelta(0)


def test_naive_times_are_refused(ctx: AppContext) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        with session_scope(ctx.sessions) as db:
            db.add(MonitoringGap(start=datetime(2026, 7, 1, 9, 30), end=None, reason="x"))  # noqa: DTZ001
    with session_scope(ctx.sessions) as db:
        assert db.scalars(select(MonitoringGap)).all() == []


def test_a_failed_transaction_writes_nothing(ctx: AppContext) -> None:
    with pytest.raises(RuntimeError):
        with session_scope(ctx.sessions) as db:
            db.add(OrgUnit(id="biblioteka", name="Biblioteka"))
            db.flush()
            raise RuntimeError("crash in the middle")
    with session_scope(ctx.sessions) as db:
        assert db.get(OrgUnit, "biblioteka") is None


def test_foreign_keys_are_enforced(ctx: AppContext) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with session_scope(ctx.sessions) as db:
            db.add(MonitoringGap(unit_id="no-such-unit", start=ctx.clock.now(), reason="x"))


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_ping_reports_an_unreachable_database() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    problem = ping(engine)
    assert problem is not None and "connect" in problem.lower()
