"""systemd: every unit verifies cleanly, and a stalled event loop stops the watchdog pings."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from itops.context import AppContext
from itops.daemon import Daemon
from itops.db.session import upgrade
from itops.sdnotify import Notifier
from tests.conftest import free_port, make_settings
from tests.fakes import NotifySocket

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "systemd"
INSTALLED_ITOPS = "/opt/itops/.venv/bin/itops"

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None and not os.environ.get("CI"),
    reason="systemd-analyze not installed (make test installs it)",
)


def verify(folder: Path, *names: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(folder / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy_units(target: Path) -> list[str]:
    """The shipped units with ExecStart pointing at this venv's itops (which exists)."""
    names = sorted(p.name for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))
    itops = str(Path(sys.executable).parent / "itops")
    for name in names:
        text = (UNITS / name).read_text(encoding="utf-8")
        (target / name).write_text(text.replace(INSTALLED_ITOPS, itops), encoding="utf-8")
    return names


@needs_systemd_analyze
def test_all_units_verify_without_any_warning(tmp_path: Path) -> None:
    names = copy_units(tmp_path)
    assert {"itops.service", "itops-agent.service", "itops-agent.timer"} <= set(names)
    result = verify(tmp_path, *names)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


@needs_systemd_analyze
def test_the_verification_would_catch_a_misspelt_key(tmp_path: Path) -> None:
    copy_units(tmp_path)
    unit = tmp_path / "itops.service"
    unit.write_text(
        unit.read_text(encoding="utf-8").replace("[Service]\n", "[Service]\nNicee=5\n"),
        encoding="utf-8",
    )
    result = verify(tmp_path, "itops.service")
    assert "Unknown key" in result.stderr


def test_agent_unit_runs_the_agent_command_once_with_server_and_token_file() -> None:
    unit = (UNITS / "itops-agent.service").read_text(encoding="utf-8")
    match = re.search(r"^ExecStart=(.+)$", unit, re.M)
    assert match is not None
    command = match.group(1).split()
    assert command[:2] == [INSTALLED_ITOPS, "agent"]
    assert "--server" in command and "--token-file" in command
    assert re.search(r"^Type=oneshot$", unit, re.M)


def test_agent_timer_runs_daily_and_catches_up_missed_runs() -> None:
    timer = (UNITS / "itops-agent.timer").read_text(encoding="utf-8")
    assert re.search(r"^(OnCalendar=daily|OnUnitActiveSec=(1d|24h))$", timer, re.M)
    for line in ("Persistent=true", "WantedBy=timers.target"):
        assert re.search(rf"^{re.escape(line)}$", timer, re.M), line


async def wait_until(predicate: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_stalled_event_loop_stops_the_watchdog_pings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'itops.db'}"
    upgrade(url)
    settings = make_settings(url, web={"bind": f"127.0.0.1:{free_port()}"})
    ctx = AppContext.create(settings, tmp_path / "itops.toml")
    recorder = NotifySocket(tmp_path / "notify.sock")
    notifier = Notifier(
        {
            "NOTIFY_SOCKET": str(recorder.path),
            "WATCHDOG_USEC": "200000",
            "WATCHDOG_PID": str(os.getpid()),
        }
    )
    daemon = Daemon(ctx, notifier)
    running = asyncio.create_task(daemon.run())
    try:
        await wait_until(lambda: len(recorder.pings()) >= 3)
        stall_start = time.monotonic()
        time.sleep(2.0)  # blocking on purpose: this is the daemon's own event loop
        stall_end = time.monotonic()
        await wait_until(lambda: any(t > stall_end for t in recorder.pings()))
    finally:
        daemon.stop()
        assert await running == 0
        recorder.close()
    pings = recorder.pings()
    during = [t for t in pings if stall_start + 0.3 < t < stall_end]
    assert during == []
    assert any(t < stall_start for t in pings)
    assert any(t > stall_end for t in pings)
