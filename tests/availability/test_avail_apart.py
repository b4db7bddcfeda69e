"""The year's KPI figures computed in a forked child equal the in-process ones; a failing
child falls back to computing in the daemon (checks.availability.apart)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checks.availability import apart
from checks.availability.models import Outage
from checks.availability.service import SERVICE, year_figures
from itops.clock import FixedClock
from itops.context import AppContext
from itops.db.session import make_engine, make_sessionmaker, session_scope
from tests.conftest import make_settings

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
UNITS = [{"id": "szkola-1", "name": "Szkoła Testowa"}]
CHECKS = [
    {"name": "www", "kind": "tcp", "host": "127.0.0.1", "port": 1},
    {"name": "poczta", "kind": "tcp", "host": "127.0.0.1", "port": 2},
    {"name": "szkola-www", "kind": "tcp", "host": "127.0.0.1", "port": 3, "unit": "szkola-1"},
]

pytestmark = pytest.mark.skipif(not apart.can_fork(), reason="needs os.fork")


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[AppContext]:
    settings = make_settings(db_url, checks=CHECKS, units=UNITS)
    engine = make_engine(db_url)
    app = AppContext(
        settings=settings,
        config_path=tmp_path / "itops.toml",
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=FixedClock(NOW),
    )
    from itops.daemon import sync_units

    sync_units(app)
    with session_scope(app.sessions) as db:
        for name, unit, day in (("www", "office", 3), ("szkola-www", "szkola-1", 4)):
            db.add(
                Outage(
                    check_name=name,
                    unit_id=unit,
                    start=datetime(2026, 3, day, 9, 0, tzinfo=UTC),
                    end=datetime(2026, 3, day, 10, 30, tzinfo=UTC),
                    cause="failure",
                    created_at=NOW,
                )
            )
    yield app
    engine.dispose()


def test_figures_from_the_forked_child_equal_those_computed_here(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    here = year_figures(ctx.settings, ctx.sessions, NOW)
    calls: list[bool] = []
    pid_file = tmp_path / "child.pid"
    real = apart.run_apart

    def counting(compute):  # type: ignore[no-untyped-def]
        def in_child():  # type: ignore[no-untyped-def]
            pid_file.write_text(str(os.getpid()))
            return compute()

        calls.append(True)
        return real(in_child)

    monkeypatch.setattr(apart, "MIN_CHECKS", 1)
    monkeypatch.setattr(apart, "run_apart", counting)
    report = SERVICE.of(ctx).refresh_year()
    assert calls == [True]
    assert int(pid_file.read_text()) != os.getpid()  # computed in another process
    assert report == here[0]
    assert SERVICE.of(ctx).year_units(report) == here[1]
    assert SERVICE.of(ctx).stamp == here[2]
    assert set(here[1]) == {"office", "szkola-1"}
    assert here[1]["szkola-1"].downtime_seconds == 5400


def test_a_failing_child_is_logged_and_the_figures_are_computed_here(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    here = year_figures(ctx.settings, ctx.sessions, NOW)
    real = apart.run_apart

    def failing(compute):  # type: ignore[no-untyped-def]
        def in_child():  # type: ignore[no-untyped-def]
            os._exit(3)  # a crash: no answer on the pipe

        return real(in_child)

    monkeypatch.setattr(apart, "MIN_CHECKS", 1)
    monkeypatch.setattr(apart, "run_apart", failing)
    with caplog.at_level(logging.WARNING, "checks.availability.service"):
        report = SERVICE.of(ctx).refresh_year()
    assert report == here[0]
    assert any("computing here" in r.getMessage() for r in caplog.records)


def test_an_exception_in_the_child_is_told_to_the_parent() -> None:
    def broken() -> int:
        raise ValueError("zepsute")

    with pytest.raises(RuntimeError, match="ValueError: zepsute"):
        apart.run_apart(broken)
    assert apart.run_apart(lambda: 6 * 7) == 42
