"""The feature wired into the real daemon: a refused TCP check becomes a stored outage."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from checks.availability.models import Outage, ProbeResultRow
from itops.clock import SystemClock
from itops.context import AppContext
from itops.daemon import Daemon
from itops.db.session import make_engine, make_sessionmaker, session_scope
from itops.sdnotify import Notifier
from tests.conftest import free_port, make_settings


async def test_daemon_stores_a_confirmed_outage_and_flushes_on_stop(
    db_url: str, tmp_path: Path
) -> None:
    closed_port = free_port()
    settings = make_settings(
        db_url,
        web={"bind": f"127.0.0.1:{free_port()}"},
        checks=[
            {
                "name": "poczta",
                "kind": "tcp",
                "host": "127.0.0.1",
                "port": closed_port,
                "interval": "1s",
                "timeout": "1s",
                "confirm": 2,
            }
        ],
        availability={"flush_interval": "0.2s"},
    )
    engine = make_engine(db_url)
    ctx = AppContext(
        settings, tmp_path / "itops.toml", engine, make_sessionmaker(engine), SystemClock()
    )
    daemon = Daemon(ctx, Notifier({}))
    running = asyncio.create_task(daemon.run())
    try:
        for _ in range(300):
            await asyncio.sleep(0.1)
            with session_scope(ctx.sessions) as db:
                if db.scalars(select(Outage)).first() is not None:
                    break
        daemon.stop()
        assert await running == 0
    finally:
        engine.dispose()
    check = make_engine(db_url)
    with session_scope(make_sessionmaker(check)) as db:
        [outage] = list(db.scalars(select(Outage)))
        first_failure = db.scalars(select(ProbeResultRow.at).order_by(ProbeResultRow.at)).first()
    check.dispose()
    assert outage.end is None and outage.check_name == "poczta"
    assert outage.start == first_failure
