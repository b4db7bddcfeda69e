"""SIGTERM ends ``itops run`` within ``[daemon] shutdown_timeout``, whatever its jobs do.

The blocking job here is the most ordinary one: another process holds SQLite's write
lock (a CLI import, a backup tool), so the daemon's heartbeat and availability flush sit
in SQLite's busy handler for up to 30 s, and so would the final heartbeat. Before, such
runs took 20-40 s to stop ("1 jobs did not finish within 8 s") against the unit's
``TimeoutStopSec=20s``.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import time
from pathlib import Path

from tests.daemon import Daemon

SHUTDOWN = 2.0
MARGIN = 3.0  # process exit, interpreter teardown, a loaded machine
CONFIG = (
    f'[daemon]\nheartbeat_interval = "200ms"\nshutdown_timeout = "{SHUTDOWN:g}s"\n'
    '[availability]\nflush_interval = "200ms"\n[inventory]\ncollect_interval = "1000d"\n'
)


def test_sigterm_ends_the_daemon_within_its_shutdown_timeout_while_jobs_block(
    tmp_path: Path,
) -> None:
    daemon = Daemon(tmp_path, CONFIG)
    db_file = tmp_path / "itops.db"
    holder: sqlite3.Connection | None = None
    try:
        daemon.start().wait_ready(60)
        holder = sqlite3.connect(str(db_file), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the jobs now block in SQLite's busy handler
        time.sleep(1.5)
        start = time.monotonic()
        daemon.signal(signal.SIGTERM)
        code = daemon.wait(60)
        took = time.monotonic() - start
        # systemd is told how long the stop may take (the unit's TimeoutStopSec may be
        # shorter than a configured shutdown_timeout)
        asked = daemon.notify.wait_for(f"EXTEND_TIMEOUT_USEC={int((SHUTDOWN + 10) * 1e6)}", 1)
    finally:
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
        daemon.stop()
    log = daemon.log.read_text()
    assert code == 0, log
    assert took < SHUTDOWN + MARGIN, f"stopping took {took:.1f} s; log:\n{log[-3000:]}"
    assert "Traceback" not in log
    assert re.search(r"did not finish within|still running", log), log[-3000:]
    assert asked


def test_the_unit_allows_the_default_shutdown_timeout_plus_a_margin() -> None:
    from itops.config_core import Daemon as DaemonSection

    unit = (Path(__file__).resolve().parents[2] / "systemd" / "itops.service").read_text()
    found = re.search(r"^TimeoutStopSec=(\d+)s$", unit, re.MULTILINE)
    assert found, "TimeoutStopSec missing from systemd/itops.service"
    default = DaemonSection().shutdown_timeout.total_seconds()
    assert int(found.group(1)) >= default + 10
