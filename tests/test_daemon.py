"""``itops run`` as systemd runs it: notify protocol, signals, reload, monitoring gaps."""

from __future__ import annotations

import re
import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from itops.messages import Summary, from_stored, render
from tests.daemon import Daemon

pytestmark = pytest.mark.slow


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path)
    yield d
    d.stop()


def test_sigterm_after_ready_exits_0_and_says_stopping(daemon: Daemon) -> None:
    daemon.start().wait_ready()
    assert daemon.get("/healthz") == (200, "ok\n")
    daemon.signal(signal.SIGTERM)
    # within systemd's TimeoutStopSec (20 s), generous for a loaded CI machine
    assert daemon.wait(timeout=20) == 0
    assert daemon.notify.wait_for("STOPPING=1", timeout=1)


def test_sigint_stops_the_daemon_cleanly_too(daemon: Daemon) -> None:
    daemon.start().wait_ready()
    daemon.signal(signal.SIGINT)
    assert daemon.wait(timeout=20) == 0


def test_watchdog_pings_are_sent_when_systemd_asks_for_them(daemon: Daemon) -> None:
    daemon.start(env={"WATCHDOG_USEC": "400000"}).wait_ready()
    time.sleep(1.2)
    daemon.notify.wait_for("never", timeout=0.5)
    pings = [t for t, m in daemon.notify.messages if m == "WATCHDOG=1"]
    assert len(pings) >= 3


def test_an_unmigrated_database_is_refused_naming_the_command(tmp_path: Path) -> None:
    d = Daemon(tmp_path, migrate=False)
    try:
        d.start()
        assert d.wait(timeout=30) == 3
        assert "itops db upgrade" in d.log.read_text()
    finally:
        d.stop()


def test_sighup_with_a_broken_config_keeps_the_running_one(daemon: Daemon) -> None:
    daemon.start().wait_ready()
    good = daemon.config.read_text()
    daemon.config.write_text(good.replace("[web]", "[web]\nbnd = 1"), encoding="utf-8")
    daemon.signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "reload refused" not in daemon.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "web.bnd: unknown key" in daemon.log.read_text()
    assert daemon.get("/healthz")[0] == 200


def test_sighup_with_a_valid_config_schedules_the_new_checks(daemon: Daemon) -> None:
    daemon.start().wait_ready()
    assert "reloaded-check" not in daemon.get("/metrics")[1]
    with daemon.config.open("a", encoding="utf-8") as f:
        f.write(
            '\n[[checks]]\nname = "reloaded-check"\nkind = "tcp"\nhost = "127.0.0.1"\n'
            f'port = {daemon.port}\ninterval = "1s"\n'
        )
    daemon.signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        metrics = daemon.get("/metrics")[1]
        sample = r'^itops_check_status\{check="reloaded-check",kind="tcp"\} 0(\.0)?$'
        if re.search(sample, metrics, re.M):
            break
        time.sleep(0.2)
    else:
        raise AssertionError(daemon.log.read_text())
    # the reload recorded the new check in the check history (watched from now on)
    database = daemon.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT event, kind, target FROM check_history WHERE check_name = 'reloaded-check'"
        ).fetchall()
    assert rows == [("added", "tcp", f"127.0.0.1:{daemon.port}")]


def test_the_time_itops_was_killed_becomes_a_monitoring_gap(daemon: Daemon) -> None:
    daemon.start().wait_ready()
    assert daemon.proc is not None
    daemon.proc.kill()
    daemon.wait()
    time.sleep(1.5)
    daemon.notify.messages.clear()
    daemon.start().wait_ready()
    database = daemon.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT reason, start, \"end\" FROM monitoring_gap WHERE reason LIKE '%crash%'"
        ).fetchall()
    assert len(rows) == 1
    _, start, end = rows[0]
    assert start < end


def test_the_first_start_records_the_year_so_far_as_not_monitored(daemon: Daemon) -> None:
    """Installed in November: January to November was watched by nobody, so it is a gap,
    neither available nor down, and no notification goes out about it."""
    daemon.start().wait_ready()
    daemon.stop()
    database = daemon.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        rows = conn.execute('SELECT reason, start, "end" FROM monitoring_gap').fetchall()
    [(reason, start, end)] = rows
    # stored as a code (issue 13): read back in the reader's language
    assert from_stored(reason) == Summary("itops.before_start")
    assert render(from_stored(reason), "pl") == "przed pierwszym uruchomieniem itops"
    year = datetime.now(ZoneInfo("Europe/Warsaw")).year
    first_of_january = datetime(year, 1, 1, tzinfo=ZoneInfo("Europe/Warsaw")).astimezone(UTC)
    assert start.startswith(first_of_january.strftime("%Y-%m-%d %H:%M:%S")), start
    assert end > start


def test_log_lines_are_single_lines_for_journald(daemon: Daemon) -> None:
    daemon.start(env={"JOURNAL_STREAM": "8:1234"}).wait_ready()
    daemon.stop()
    lines = daemon.log.read_text().splitlines()
    assert any(line.startswith("INFO itops.daemon: itops serving on") for line in lines)


def test_with_worker_processes_checks_are_probed_reloaded_and_stopped(tmp_path: Path) -> None:
    import psutil

    d = Daemon(tmp_path, extra_config="[daemon]\nworkers = 2\n")
    try:
        d.start().wait_ready()
        assert d.proc is not None
        # Only the probe workers: the daemon's own inventory job may be running apt-get.
        children = [
            c for c in psutil.Process(d.proc.pid).children() if "itops.workers" in c.cmdline()
        ]
        assert len(children) == 2
        with d.config.open("a", encoding="utf-8") as f:
            f.write(
                '\n[[checks]]\nname = "w-check"\nkind = "tcp"\nhost = "127.0.0.1"\n'
                f'port = {d.port}\ninterval = "1s"\n'
            )
        d.signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        sample = r'^itops_check_status\{check="w-check",kind="tcp"\} 0(\.0)?$'
        while not re.search(sample, d.get("/metrics")[1], re.M):
            assert time.monotonic() < deadline, d.log.read_text()
            time.sleep(0.2)
        assert re.search(
            r'^itops_probes_total\{kind="tcp",result="ok"\} [1-9]', d.get("/metrics")[1], re.M
        )
        d.signal(signal.SIGTERM)
        assert d.wait(timeout=40) == 0
        assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
    finally:
        d.stop()
