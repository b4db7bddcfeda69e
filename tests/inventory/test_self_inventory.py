"""The daemon inventories its own host: daily, the first time after the start-up work."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from sqlalchemy import select

from inventory.models import Asset
from itops.db.session import make_engine
from tests.daemon import Daemon

HOST = socket.gethostname().split(".")[0].lower()


def _own_host_listed(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(Asset.id).where(Asset.hostname == HOST)).first() is not None
    finally:
        engine.dispose()


def _listed_within(tmp_path: Path, inventory: str, seconds: float) -> bool:
    """Whether the daemon's own host is in the inventory within ``seconds`` of READY."""
    daemon = Daemon(tmp_path, f"[inventory]\n{inventory}\n")
    try:
        daemon.start().wait_ready()
        deadline = time.monotonic() + seconds
        while not (found := _own_host_listed(daemon.db_url)) and time.monotonic() < deadline:
            time.sleep(0.25)
        return found
    finally:
        daemon.stop()


def test_the_daemon_inventories_its_own_host_when_the_delay_is_zero(tmp_path: Path) -> None:
    assert _listed_within(tmp_path, 'collect_self_delay = "0s"', 60)


def test_the_first_self_inventory_waits_for_the_configured_delay(tmp_path: Path) -> None:
    # 12 s: well past the ~5 s an immediate `collect` takes, so an ignored delay fails
    assert not _listed_within(tmp_path, 'collect_self_delay = "1h"', 12)
