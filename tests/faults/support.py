"""Traffic for the fault tests: a switchable TCP target, agents and a register writer
driving a real ``itops run`` over HTTP, each remembering what the daemon acknowledged."""

from __future__ import annotations

import hashlib
import http.client
import http.cookiejar
import json
import re
import shutil
import socket
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from inventory.api import create_token
from inventory.payload import AgentReport, Disk, Hardware, Nic
from inventory.register import service
from itops import auth
from itops.db.models import Employee, OrgUnit
from itops.db.session import make_engine, make_sessionmaker, session_scope

PASSWORD = "haslo-testowe-fault-123"  # invented test password
ADMIN, OFFICER = "adam.admin", "marek.monitor"
EMPLOYEE = "EMP-TEST-0001"


class SwitchableTarget:
    """A TCP listener on a fixed port that can be taken down (refused) and brought back."""

    def __init__(self) -> None:
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.up()

    def up(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(512)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._thread = threading.Thread(target=self._accept, args=(sock,), daemon=True)
        self._thread.start()

    def down(self) -> None:
        if self._sock is not None:
            self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
            self._sock = None
        if self._thread is not None:
            self._thread.join(5)

    @staticmethod
    def _accept(sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.close()


def seed_office(db_url: str, hosts: list[str]) -> dict[str, str]:
    """Users, an employee with a notice, an authorised monitoring officer and one agent
    token per host (returned) in the database the daemon will use."""
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            if db.get(OrgUnit, "office") is None:
                db.add(OrgUnit(id="office", name="Urząd Testowy"))
            auth.add_user(db, ADMIN, "admin", PASSWORD, now, "Adam Testowy")
            auth.add_user(db, OFFICER, "monitoring_officer", PASSWORD, now, "Marek Testowy")
            db.add(
                Employee(
                    code=EMPLOYEE,
                    full_name="Jan Testowy",
                    unit_id="office",
                    position="referent",
                    hired_on=date(2020, 3, 1),
                )
            )
            db.flush()
            service.grant(db, now, ADMIN, OFFICER, "computer_content", date(2020, 1, 1))
            service.record_notice(db, now, ADMIN, EMPLOYEE, date(2020, 1, 2), "Regulamin 2026")
            for host in hosts:
                tokens[host] = create_token(db, host, now)
    finally:
        engine.dispose()
    return tokens


def report(host: str, variant: int) -> bytes:
    """A report whose disk set alternates between two fingerprints (variant 0 / 1)."""
    disks = [
        Disk(device=f"sd{'ab'[i]}", model="TEST SSD", serial=f"{host}-D{i}", size_bytes=256 * 10**9)
        for i in range(1 + variant)
    ]
    digest = hashlib.sha256(host.encode()).hexdigest()
    body = AgentReport(
        agent_version="fault-test",
        hostname=host,
        collected_at=datetime.now(UTC),
        hardware=Hardware(vendor="Test", product="Test PC", serial=f"SN-{host}", chassis_type=3),
        memory_bytes=8 * 1024**3,
        disks=disks,
        nics=[Nic(name="eth0", mac=":".join(["02", *re.findall("..", digest[:10])]))],
    )
    return body.model_dump_json().encode()


@dataclass
class AgentLog:
    """What one agent sent and what the daemon acknowledged."""

    host: str
    sent: int = 0
    acked: list[dict[str, Any]] = field(default_factory=list)


class Agent(threading.Thread):
    """Reports back to back, alternating fingerprints, until stopped."""

    def __init__(self, base: str, host: str, token: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.stop = base, token, stop
        self.log = AgentLog(host)

    def run(self) -> None:
        variant = 0
        while not self.stop.is_set():
            request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
                f"{self.base}/api/v1/agent/report",
                data=report(self.log.host, variant),
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self.token}",
                },
            )
            self.log.sent += 1
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    self.log.acked.append({"variant": variant, **json.loads(response.read())})
            except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException):
                self.stop.wait(0.05)  # the daemon is down or dying: try again
            variant = 1 - variant


class RegisterClient:
    """A logged-in monitoring officer recording inspection acts through the JSON API."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""
        self.sent: list[str] = []
        self.acked: dict[str, int] = {}
        self.refused: list[str] = []

    def login(self) -> None:
        with self.opener.open(f"{self.base}/login", timeout=10) as page:
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
        assert found, "no CSRF token on /login"
        form = urllib.parse.urlencode(
            {"login": OFFICER, "password": PASSWORD, "csrf_token": found.group(1), "next": "/"}
        ).encode()
        with self.opener.open(f"{self.base}/login", data=form, timeout=30) as answer:
            answer.read()
        with self.opener.open(f"{self.base}/register", timeout=10) as page:
            text = page.read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', text)
        assert token, "not logged in"
        self.csrf = token.group(1)

    def act(self, number: int) -> None:
        label = f"kill test act {number}"
        # Inside the authorisation, which was recorded a moment before the daemon started.
        end = datetime.now(UTC) - timedelta(seconds=0.5)
        body = json.dumps(
            {
                "employee": EMPLOYEE,
                "resource": "INV-TEST-0001",
                "scopes": ["computer_content"],
                "purpose": "proper_use",
                "justification": label,
                "start": (end - timedelta(seconds=1)).isoformat(),
                "end": end.isoformat(),
                "outcome": "Nie stwierdzono nieprawidłowości.",
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            f"{self.base}/api/register/acts",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-CSRF-Token": self.csrf},
        )
        self.sent.append(label)
        try:
            with self.opener.open(request, timeout=10) as answer:
                self.acked[label] = json.loads(answer.read())["seq"]
        except urllib.error.HTTPError as exc:  # an answer, not a dying daemon: keep it
            self.refused.append(f"{exc.code} {exc.read().decode(errors='replace')[:300]}")
            raise


class RegisterWriter(threading.Thread):
    def __init__(self, client: RegisterClient, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client, self.stop = client, stop

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            try:
                self.client.act(number)
            except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException):
                self.stop.wait(0.05)


def employee_id(sessions: Any) -> int:
    with session_scope(sessions) as db:
        return int(db.scalar(select(Employee.id).where(Employee.code == EMPLOYEE)) or 0)


class PgInstance:
    """A throwaway PostgreSQL cluster on a free 127.0.0.1 port, which a test may stop and
    restart (never the machine's main cluster). Runs as the ``postgres`` user when the
    test runs as root (initdb refuses root)."""

    def __init__(self) -> None:
        import glob
        import os
        import tempfile

        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = Path(bins[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="itops-fault-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/itops"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=120, check=check, cwd=self.dir
        )

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "pg.log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def create_database(self, name: str = "itops") -> None:
        from sqlalchemy import create_engine, text

        admin = create_engine(
            self.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)
