"""The first hour of a new user: the README's commands work as typed, in its order.

Run as the user would: `make` and `.venv/bin/itops` through subprocesses, in a folder laid
out like a fresh clone (the repository's files linked in, no ``var/``), with the command
lines taken from the README itself so the test follows what the README says.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port, write_config

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "pierwsze-Haslo-DEMO-2026"  # noqa: S105 - a test password
pytestmark = pytest.mark.slow


def readme_first_user_command() -> str:
    """The command line the README gives for the first user, exactly as printed there."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    after = readme.split("Create the first", 1)[1]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block, "no command block after 'Create the first user' in the README"
    lines = [line for line in block.group(1).splitlines() if "user add" in line]
    assert len(lines) == 1, block.group(1)
    return lines[0].strip()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A folder that looks like a fresh clone: every top-level entry linked, no var/."""
    folder = tmp_path / "itops"
    folder.mkdir()
    for entry in REPO.iterdir():
        if entry.name in {"var", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}:
            continue
        (folder / entry.name).symlink_to(entry)
    return folder


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITOPS_")}
    env["ITOPS_STRICT_EVENT_LOOP"] = "1"
    return env


class Running:
    """`make run` in the clone, stopped with its whole process group."""

    def __init__(self, folder: Path, port: int, *args: str) -> None:
        self.folder = folder
        self.port = port
        self.log_path = folder.parent / "make-run.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            ["make", "run", *args],
            cwd=folder,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=_env(),
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_serving(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"make run did not serve /healthz:\n{self.log()}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()


@pytest.fixture
def running(clone: Path) -> Iterator[Running]:
    # `make config` writes var/itops.toml; the user's copy gets a free port (8080 may be taken
    # on a shared machine), which is what the README invites: edit your copy.
    done = subprocess.run(
        ["make", "config"], cwd=clone, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    config = clone / "var" / "itops.toml"
    port = free_port()
    text = config.read_text(encoding="utf-8")
    assert 'bind = "127.0.0.1:8080"' in text
    config.write_text(
        text.replace('bind = "127.0.0.1:8080"', f'bind = "127.0.0.1:{port}"'), encoding="utf-8"
    )
    daemon = Running(clone, port)
    try:
        daemon.wait_serving()
        yield daemon
    finally:
        daemon.stop()


def _login(daemon: Running, login: str, password: str) -> int:
    """Log in as a browser would; a 503 (the database busy at first start, with
    Retry-After) is asked again, as the page itself tells the user to."""
    for _ in range(30):
        try:
            return _login_once(daemon, login, password)
        except urllib.error.HTTPError as exc:
            if exc.code != 503:
                raise
            time.sleep(1)
    return 503


def _login_once(daemon: Running, login: str, password: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(daemon.url("/login"), timeout=10) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    assert token
    form = urllib.parse.urlencode(
        {"login": login, "password": password, "csrf_token": token.group(1), "next": "/"}
    ).encode()
    with opener.open(daemon.url("/login"), data=form, timeout=30) as answer:
        answer.read()
    try:
        with opener.open(daemon.url("/"), timeout=30) as home:
            return int(home.status) if "/login" not in home.geturl() else 401
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_readme_first_user_command_works_after_make_run(running: Running) -> None:
    command = readme_first_user_command()
    assert command.startswith(".venv/bin/itops --config var/itops.toml ")
    # shell=True: the README's line, exactly as a user types it
    done = subprocess.run(  # noqa: S602
        command,
        shell=True,
        cwd=running.folder,
        env=_env(),
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "user admin (admin) created" in done.stdout
    # The running daemon (started by `make run`) sees the user: same database.
    assert _login(running, "admin", PASSWORD) == 200
    with sqlite3.connect(running.folder / "var" / "itops.db") as conn:
        assert conn.execute("SELECT role FROM app_user WHERE login = 'admin'").fetchall() == [
            ("admin",)
        ]
    assert "make run" in running.log() or "itops serving" in running.log()


def _itops(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "itops", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
        input="",
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("user", "list"),
        ("kpi", "--year", "2026"),
        ("db", "current"),
        ("outages", "list"),
        ("run",),
    ],
)
def test_a_command_on_a_missing_sqlite_file_says_so_and_creates_nothing(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    missing = tmp_path / "lib" / "itops" / "itops.db"
    config = write_config(tmp_path / "itops.toml", f"sqlite:///{missing}")
    done = _itops(config, *argv)
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"no database file at {missing}" in done.stderr
    assert "itops db upgrade" in done.stderr
    assert "Traceback" not in done.stderr
    assert not missing.exists()
    assert not missing.parent.exists()


def test_db_upgrade_creates_the_missing_file_and_then_commands_work(tmp_path: Path) -> None:
    target = tmp_path / "lib" / "itops.db"
    config = write_config(tmp_path / "itops.toml", f"sqlite:///{target}")
    assert _itops(config, "db", "upgrade").returncode == 0
    assert target.exists()
    done = _itops(config, "user", "list")
    assert done.returncode == 0, done.stderr


SELF_CHECKS = (
    "itops-self",
    "bip",
    "demo-poczta",
    "demo-ezd",
    "demo-serwer-plikow",
    "demo-ksiegowosc",
    "demo-ewidencja",
    "demo-www",
    "demo-internet",
    "demo-szkola-siec",
)


def test_the_demo_and_self_checks_follow_the_configured_bind(running: Running) -> None:
    # `running` moved [web] bind off 8080 in var/itops.toml: the checks that point at
    # itops itself must be OK there within their first probes, not refused on 8080.
    pattern = re.compile(r'^itops_check_status\{check="([^"]+)",kind="[^"]+"\} (\S+)$', re.M)
    states: dict[str, str] = {}
    for _ in range(240):
        with urllib.request.urlopen(running.url("/metrics"), timeout=10) as answer:  # noqa: S310
            states = dict(pattern.findall(answer.read().decode()))
        if all(states.get(name) == "0" for name in SELF_CHECKS):
            break
        time.sleep(0.5)
    assert {name: states.get(name) for name in SELF_CHECKS} == dict.fromkeys(SELF_CHECKS, "0")
