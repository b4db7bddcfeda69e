"""PostgreSQL stopped and restarted under a running daemon (a throwaway cluster of the
test's own, never the machine's main one): the daemon keeps probing, answers /healthz
with 503 and the reason, and writes the outage it saw while the database was away."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from checks.availability.models import Outage
from itops.db.session import make_engine, make_sessionmaker, session_scope, upgrade
from tests.daemon import Daemon
from tests.faults.support import PgInstance, SwitchableTarget, get


@pytest.fixture
def pg() -> Iterator[PgInstance]:
    instance = PgInstance()
    instance.start()
    instance.create_database()
    upgrade(instance.url)
    yield instance
    instance.destroy()


def _wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_a_postgresql_restart_loses_no_outage_and_the_daemon_keeps_running(
    pg: PgInstance, tmp_path: Path
) -> None:
    target = SwitchableTarget()
    config = (
        '[daemon]\nheartbeat_interval = "200ms"\n[availability]\nflush_interval = "200ms"\n'
        '[inventory]\ncollect_interval = "1000d"\n'
        + "".join(
            f'[[checks]]\nname = "www-{i}"\nkind = "tcp"\nhost = "127.0.0.1"\n'
            f'port = {target.port}\ninterval = "1s"\ntimeout = "1s"\nconfirm = 2\n'
            for i in range(3)
        )
    )
    daemon = Daemon(tmp_path, config, migrate=False, db_url=pg.url)
    try:
        daemon.start()
        daemon.wait_ready(60)
        assert daemon.get("/healthz")[0] == 200
        pg.stop()
        down_at = datetime.now(UTC)
        target.down()  # an outage happens while the database is away
        assert _wait_for(lambda: get(daemon.url("/healthz"))[0] == 503, 15)
        status, body = get(daemon.url("/healthz"))
        assert status == 503 and "database unavailable" in body
        time.sleep(3)  # two failed probes 1 s apart confirm the outage
        target.up()
        up_at = datetime.now(UTC)
        time.sleep(1)
        assert daemon.proc is not None and daemon.proc.poll() is None
        pg.start()
        assert _wait_for(lambda: get(daemon.url("/healthz"))[0] == 200, 30), daemon.log.read_text()[
            -3000:
        ]
        engine = make_engine(pg.url)

        def written() -> list[Outage]:
            with session_scope(make_sessionmaker(engine)) as db:
                return [o for o in db.scalars(select(Outage)) if o.end is not None]

        assert _wait_for(lambda: len(written()) == 3, 45), daemon.log.read_text()[-3000:]
        outages = written()
        engine.dispose()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(30) == 0
    finally:
        daemon.stop()
        target.down()
    assert sorted(o.check_name for o in outages) == ["www-0", "www-1", "www-2"]
    for outage in outages:
        assert down_at <= outage.start <= up_at
        assert outage.end is not None and up_at <= outage.end <= up_at + (up_at - down_at)
    log = daemon.log.read_text()
    assert "database unavailable, keeping" in log
    assert "database reachable again" in log
    assert log.count("database unavailable, keeping") == 1  # logged once, then backoff
