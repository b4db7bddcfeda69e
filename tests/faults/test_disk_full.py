"""The SQLite data directory on a small tmpfs that fills up: /healthz says 503 and why,
the daemon keeps probing, and it writes what it kept once space returns."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from checks.availability.models import Outage
from itops.db.session import make_engine, make_sessionmaker, session_scope
from tests.daemon import Daemon
from tests.faults.support import SwitchableTarget, get


@pytest.fixture
def small_disk(tmp_path: Path, _sqlite_template: Path) -> Iterator[Path]:
    """A 6 MiB tmpfs holding a migrated database (root only; CI runs as root)."""
    if os.geteuid() != 0:
        message = "mounting a tmpfs needs root (the CI runs as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    mount = tmp_path / "data"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", str(mount)],
        check=True,
        capture_output=True,
    )
    try:
        shutil.copy(_sqlite_template, mount / "itops.db")
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)


def _fill(directory: Path) -> Path:
    """Write until ENOSPC; unbuffered, so closing the file has nothing left to flush."""
    filler = directory / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def _wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_a_full_disk_answers_503_with_the_reason_and_recovers_when_space_returns(
    small_disk: Path, tmp_path: Path
) -> None:
    target = SwitchableTarget()
    db_url = f"sqlite:///{small_disk / 'itops.db'}"
    config = (
        '[daemon]\nheartbeat_interval = "200ms"\n'
        '[availability]\nflush_interval = "200ms"\nraw_sample_every = "200ms"\n'
        '[inventory]\ncollect_interval = "1000d"\n'
        + "".join(
            f'[[checks]]\nname = "www-{i}"\nkind = "tcp"\nhost = "127.0.0.1"\n'
            f'port = {target.port}\ninterval = "1s"\ntimeout = "1s"\nconfirm = 2\n'
            for i in range(20)
        )
    )
    daemon = Daemon(tmp_path, config, migrate=False, db_url=db_url)
    try:
        daemon.start()
        daemon.wait_ready(60)
        assert daemon.get("/healthz")[0] == 200
        filler = _fill(small_disk)
        assert _wait_for(lambda: get(daemon.url("/healthz"))[0] == 503, 30), daemon.log.read_text()[
            -3000:
        ]
        status, body = get(daemon.url("/healthz"))
        assert status == 503 and "disk is full" in body
        down_at = datetime.now(UTC)
        target.down()  # an outage while nothing can be written
        time.sleep(3)  # two failed probes 1 s apart confirm the outage
        target.up()
        up_at = datetime.now(UTC)
        assert daemon.proc is not None and daemon.proc.poll() is None
        filler.unlink()
        assert _wait_for(lambda: get(daemon.url("/healthz"))[0] == 200, 30)
        engine = make_engine(db_url)

        def written() -> list[Outage]:
            with session_scope(make_sessionmaker(engine)) as db:
                return [o for o in db.scalars(select(Outage)) if o.end is not None]

        assert _wait_for(lambda: len(written()) == 20, 45), daemon.log.read_text()[-3000:]
        outages = written()
        engine.dispose()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(30) == 0
    finally:
        daemon.stop()
        target.down()
    for outage in outages:
        assert down_at <= outage.start <= up_at
    log = daemon.log.read_text()
    assert "database or disk is full" in log
    assert "database writable again" in log
