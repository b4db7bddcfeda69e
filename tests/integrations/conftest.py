"""A real ``itops run`` subprocess on a free port, scraped by promtool and Prometheus."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port, write_config

ITOPS = str(Path(sys.executable).parent / "itops")
TOKEN = "token-testowy-metryk-0001"
UP_CHECK = "Serwer Urzędu — WWW"
DOWN_CHECK = "Drukarka, pokój 12"


@dataclass(frozen=True)
class RunningItops:
    port: int
    token: str
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, token: str | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path)  # noqa: S310 - http://127.0.0.1 only
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def clean_env() -> dict[str, str]:
    """The test process's environment without settings that would redirect the daemon."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ITOPS_DATABASE_URL", "ITOPS_CONFIG", "NOTIFY_SOCKET", "WATCHDOG_USEC")
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, process: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"itops exited with {process.returncode} while waiting for {what}")
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="package")
def running_itops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningItops]:
    folder = tmp_path_factory.mktemp("itops-run")
    port = free_port()
    token_file = folder / "metrics.token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    closed_port = free_port()
    extra = f"""metrics_token_file = "{token_file}"

[daemon]
heartbeat_interval = "1s"

[[checks]]
name = "{UP_CHECK}"
kind = "tcp"
host = "127.0.0.1"
port = {port}
interval = "1s"
confirm = 1

[[checks]]
name = "{DOWN_CHECK}"
kind = "tcp"
host = "127.0.0.1"
port = {closed_port}
interval = "1s"
confirm = 1
"""
    config = write_config(folder / "itops.toml", f"sqlite:///{folder / 'itops.db'}", port, extra)
    env = clean_env()
    subprocess.run(
        [ITOPS, "--config", str(config), "db", "upgrade"], check=True, env=env, capture_output=True
    )
    log = (folder / "itops.log").open("wb")
    process = subprocess.Popen(
        [ITOPS, "--config", str(config), "run"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    daemon = RunningItops(port, TOKEN, folder, process)
    try:

        def ready() -> bool:
            try:
                status, body = daemon.get("/metrics", TOKEN)
            except OSError:
                return False
            text = body.decode()
            return (
                status == 200
                and "itops_heartbeat_timestamp_seconds " in text
                and text.count("itops_check_status{") == 2
                and f'itops_check_status{{check="{UP_CHECK}",kind="tcp"}} 0' in text
            )

        wait_for(ready, 30, "the first scrape with both checks", process)
        yield daemon
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
