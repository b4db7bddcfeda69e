"""Real daemon + real browser for the end-to-end tests (Playwright on Debian's chromium).

``Daemon`` runs ``itops --config … run`` as a subprocess on a free port with a temp
SQLite database; users are created through the CLI. ``Browser`` wraps one Playwright
page with what every flow needs: log in, run axe-core (fail on serious or critical
violations), refuse any Content-Security-Policy violation, save a screenshot.

Adding a feature flow after merge (e.g. in tests/web/test_web_browser_inventory.py):

    pytestmark = [pytest.mark.slow]

    @pytest.fixture(scope="module")
    def daemon_config_extra() -> str:          # optional: TOML the feature needs
        return '[[backups]]\\nname = "x"\\n…'

    def test_add_asset(web: Browser) -> None:
        web.login("it_officer")
        web.open("/inventory")
        …fill the form with web.page…
        web.check_page("inventory")             # axe + screenshot
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itops.auth import ROLES
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
ITOPS = str(Path(sys.executable).parent / "itops")  # the installed console script
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "Haslo-Przegladarki-123"
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def role_login(role: str) -> str:
    return f"web_{role}"


@dataclass
class Daemon:
    """One ``itops run`` subprocess; ``url`` is its dashboard."""

    workdir: Path
    port: int
    config: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ITOPS, "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            input=input_text,
            timeout=60,
            check=False,
            env=_env(),
        )

    def prepare(self, template: Path) -> None:
        """The session's migrated template database and one user per role.

        In process, not through the CLI: a browser module needs them once, and seven
        Python start-ups (``db upgrade``, ``user add`` per role) cost ~8 s of CPU each
        time. The CLI's own commands have their tests (tests/web/test_web_cli.py).
        """
        from itops import auth
        from itops.db.session import make_engine, make_sessionmaker, session_scope

        shutil.copy(template, self.workdir / "itops.db")
        engine = make_engine(f"sqlite:///{self.workdir / 'itops.db'}")
        try:
            with session_scope(make_sessionmaker(engine)) as db:
                for role in ROLES:
                    now = datetime.now(UTC)
                    auth.add_user(db, role_login(role), role, PASSWORD, now, "Jan Testowy")
        finally:
            engine.dispose()

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [ITOPS, "--config", str(self.config), "run"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=_env(),
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("itops run exited:\n" + self.log.read_text())
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as reply:  # noqa: S310
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise AssertionError("itops run did not answer /healthz:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


class Target:
    """A TCP service on 127.0.0.1 that accepts (and drops) connections until closed; a
    context manager too (closed on leaving). The browser tests' probe target."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(timeout=5)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ITOPS_DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    return env


@dataclass
class Browser:
    """A Playwright page on the daemon with the checks every flow shares."""

    page: Any
    daemon: Daemon
    csp_violations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        def on_console(msg: Any) -> None:
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
                self.csp_violations.append(msg.text)

        self.page.on("console", on_console)

    def open(self, path: str) -> Any:
        return self.page.goto(self.daemon.url + path)

    def login(self, role: str, password: str = PASSWORD) -> None:
        self.open("/login")
        self.page.get_by_label("Login").fill(role_login(role))
        self.page.get_by_label("Hasło").fill(password)
        self.page.get_by_role("button", name="Zaloguj").click()
        self.page.wait_for_load_state()

    def logout(self) -> None:
        self.page.get_by_role("button", name="Wyloguj").click()
        self.page.wait_for_load_state()

    def axe_violations(self) -> list[dict[str, Any]]:
        """Serious and critical WCAG 2.1 A/AA violations on the current page."""
        if not hasattr(self, "_axe_source"):
            assert AXE.exists(), f"{AXE} missing: run `make axe` (make test does)"
            self._axe_source = AXE.read_text(encoding="utf-8")
        # evaluate() is not subject to the page's CSP, unlike an injected <script> tag; a
        # page looked at again (another width, same document) has it already
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(self._axe_source + "\n;void 0")
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))",
            AXE_TAGS,
        )
        return [v for v in result if v["impact"] in ("serious", "critical")]

    def screenshot(self, name: str) -> Path | None:
        """A full-page PNG under test-output/screenshots, for people to look at: only with
        ``ITOPS_SCREENSHOTS=1`` (``make screenshots``), since no assertion reads it and
        encoding tall pages was a large share of the browser tests' time."""
        if os.environ.get("ITOPS_SCREENSHOTS") != "1":
            return None
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_page(self, name: str) -> None:
        """Screenshot, then fail on serious/critical axe violations or CSP violations."""
        self.screenshot(name)
        violations = self.axe_violations()
        assert violations == [], f"axe on {name}:\n" + json.dumps(violations, indent=1)
        assert self.csp_violations == [], self.csp_violations
