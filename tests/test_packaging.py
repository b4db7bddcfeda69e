"""What a new machine sees: `make run`, the systemd units, one apscheduler import."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_make_run_serves_healthz_within_60_seconds(tmp_path: Path) -> None:
    port = free_port()
    example = (REPO / "config" / "itops.example.toml").read_text(encoding="utf-8")
    config = tmp_path / "itops.toml"
    config.write_text(example.replace("8080", str(port)), encoding="utf-8")
    env = {**os.environ, "ITOPS_DATABASE_URL": f"sqlite:///{tmp_path}/var/itops.db"}
    log = (tmp_path / "make.log").open("wb")
    proc = subprocess.Popen(
        ["make", "-C", str(REPO), "run", f"CONFIG={config}", f"VAR={tmp_path}/var"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    status = r.status
                    break
            except OSError:
                time.sleep(0.5)
        assert status == 200, (tmp_path / "make.log").read_text()
        output = (tmp_path / "make.log").read_text()
        assert f"http://127.0.0.1:{port}" in output
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
        log.close()


def test_the_daemon_unit_is_hardened_and_speaks_notify() -> None:
    unit = (REPO / "systemd" / "itops.service").read_text(encoding="utf-8")
    for line in (
        "Type=notify",
        "Restart=on-failure",
        "StateDirectory=itops",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "User=itops",
    ):
        assert re.search(rf"^{re.escape(line)}$", unit, re.M), line
    assert re.search(r"^WatchdogSec=\d+", unit, re.M)


def test_apscheduler_is_imported_in_one_module_only() -> None:
    importers = [
        p.relative_to(REPO).as_posix()
        for package in ("itops", "checks", "inventory", "reports")
        if (REPO / package).exists()
        for p in (REPO / package).rglob("*.py")
        if re.search(r"^\s*(from|import) apscheduler", p.read_text(encoding="utf-8"), re.M)
    ]
    assert importers == ["itops/scheduler.py"]
