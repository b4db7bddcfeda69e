"""Latency of a real ``itops run`` while a long write runs: probes, a logged-in browser,
big inventory CSV files and the two ways of importing them (CLI process, dashboard).

Used by ``tests/faults/test_stall.py`` (bounds) and ``bench/stall.py`` (figures).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults.support import ADMIN, PASSWORD, report

HEADER = (
    "inventory_no;category;manufacturer;model;serial;purchase_date;purchase_document;"
    "price;location;holder;status;retired_date"
)


def inventory_csv(path: Path, rows: int, prefix: str = "S") -> Path:
    """``rows`` new DEMO desktops, valid, so the whole file is imported. Short fields keep
    ~80 bytes a row, so about 95,000 rows fit the dashboard's 8 MiB upload limit."""
    lines = [HEADER]
    lines.extend(
        f"{prefix}-{i:07d};desktop;Dell;O;SN-{prefix}{i:07d};2024-01-02;F/{i};"
        f"1000,50;P{i % 50};Jan Testowy;in_use;"
        for i in range(1, rows + 1)
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Browser:
    """A logged-in dashboard user (cookie jar + the page's CSRF token)."""

    def __init__(self, base: str, login: str = ADMIN, password: str = PASSWORD) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with self.opener.open(f"{base}/login", timeout=30) as page:
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
        assert found, "no CSRF token on /login"
        form = urllib.parse.urlencode(
            {"login": login, "password": password, "csrf_token": found.group(1), "next": "/"}
        ).encode()
        with self.opener.open(f"{base}/login", data=form, timeout=30) as answer:
            text = answer.read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', text)
        assert token, "login failed"
        self.csrf = token.group(1)

    def get(self, path: str, timeout: float) -> int:
        try:
            with self.opener.open(self.base + path, timeout=timeout) as answer:
                answer.read()
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def upload(self, path: str, file: Path, timeout: float = 600) -> int:
        """POST ``file`` as the multipart field ``file`` (the import form)."""
        boundary = uuid.uuid4().hex
        body = b"".join(
            [
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{self.csrf}\r\n".encode(),
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{file.name}"\r\nContent-Type: text/csv\r\n\r\n'.encode(),
                file.read_bytes(),
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            self.base + path,
            data=body,
            method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                answer.read()
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


@dataclass
class Series:
    """Latencies of one endpoint, polled back to back."""

    name: str
    seconds: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    @property
    def worst(self) -> float:
        return max(self.seconds, default=0.0)


class Poller(threading.Thread):
    """Requests one endpoint again and again (a pause of ``gap`` between) until stopped."""

    def __init__(
        self, name: str, call: Callable[[], int], stop: threading.Event, gap: float = 0.05
    ) -> None:
        super().__init__(daemon=True)
        self.series = Series(name)
        self.call, self.stop, self.gap = call, stop, gap

    def run(self) -> None:
        while not self.stop.is_set():
            start = time.monotonic()
            try:
                status = self.call()
            except (urllib.error.URLError, OSError, http.client.HTTPException):
                status = 0
            self.series.seconds.append(time.monotonic() - start)
            self.series.statuses.append(status)
            self.stop.wait(self.gap)


def plain_get(url: str, timeout: float = 120) -> Callable[[], int]:
    def call() -> int:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310
                answer.read()
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    return call


def agent_post(base: str, host: str, token: str, timeout: float = 120) -> Callable[[], int]:
    variant = [0]

    def call() -> int:
        variant[0] = 1 - variant[0]
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            f"{base}/api/v1/agent/report",
            data=report(host, variant[0]),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                answer.read()
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    return call


def pollers(
    base: str, browser: Browser, host: str, token: str, stop: threading.Event
) -> list[Poller]:
    """``/healthz``, a static file, ``/metrics``, two pages and the agent API."""
    return [
        Poller("/healthz", plain_get(f"{base}/healthz"), stop),
        Poller("/static/style.css", plain_get(f"{base}/static/style.css"), stop),
        Poller("/metrics", plain_get(f"{base}/metrics"), stop),
        Poller("/ (Pulpit)", lambda: browser.get("/", 120), stop),
        Poller("/inventory/employees", lambda: browser.get("/inventory/employees", 120), stop),
        Poller("agent API", agent_post(base, host, token), stop),
    ]


def cli_import(config: Path, csv_file: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """``itops inventory import FILE`` in a process of its own."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "itops",
            "--config",
            str(config),
            "inventory",
            "import",
            str(csv_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
