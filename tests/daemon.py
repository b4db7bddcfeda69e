"""Start the real ``itops run`` as a subprocess, with a fake systemd notify socket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from itops.db.session import upgrade
from tests.conftest import free_port, write_config
from tests.fakes import NotifySocket


class Daemon:
    """``itops --config FILE run`` on a free port with a migrated SQLite database."""

    def __init__(
        self, tmp: Path, extra_config: str = "", migrate: bool = True, db_url: str | None = None
    ) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.db_url = db_url or f"sqlite:///{tmp}/itops.db"
        if migrate:
            upgrade(self.db_url)
        self.config = write_config(tmp / "itops.toml", self.db_url, self.port, extra_config)
        self.notify = NotifySocket(tmp / "notify.sock")
        self.log = tmp / "daemon.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None

    def env(self, **extra: str) -> dict[str, str]:
        """The test's environment without anything that would redirect the database."""
        env = {
            k: v for k, v in os.environ.items() if k not in ("ITOPS_DATABASE_URL", "ITOPS_CONFIG")
        }
        return {**env, **extra}

    def start(self, env: dict[str, str] | None = None) -> Daemon:
        full_env = self.env(NOTIFY_SOCKET=str(self.notify.path), **(env or {}))
        if self._log_handle is None:
            self._log_handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "itops", "--config", str(self.config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=self._log_handle,
            env=full_env,
        )
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        if not self.notify.wait_for("READY=1", timeout):
            raise AssertionError(f"no READY=1; log:\n{self.log.read_text()}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 15) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.notify.close()
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
