"""Web fixtures: an in-process ASGI client with a cookie jar, users of every role.

The client drives the assembled app (core + every feature's routes) without a
server, so the role matrix and the security tests stay fast; the browser tests in
``test_web_browser.py`` run the real daemon instead.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from starlette.applications import Starlette

from itops import auth
from itops.auth import ROLES
from itops.context import AppContext
from itops.db.session import session_scope
from itops.web.app import create_app

from .browser import CHROMIUM, CHROMIUM_ARGS, LAPTOP, Browser, Daemon, Target

PASSWORD = "Haslo-Testowe-123"
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name.lower()]

    @property
    def location(self) -> str | None:
        return self.header("location")


@dataclass
class AsgiClient:
    """Just enough of a browser: cookies, forms, headers; exceptions propagate."""

    app: Starlette
    address: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)
    keep_server_errors: bool = False

    async def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        parts = urlsplit(path)
        body = urlencode(form).encode() if form is not None else b""
        raw_headers = [(b"host", b"testserver")]
        if form is not None:
            raw_headers.append((b"content-type", b"application/x-www-form-urlencoded"))
            raw_headers.append((b"content-length", str(len(body)).encode()))
        if self.cookies:
            jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            raw_headers.append((b"cookie", jar.encode()))
        for k, v in (headers or {}).items():
            raw_headers.append((k.lower().encode(), v.encode()))
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": parts.path,
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": raw_headers,
            "client": (self.address, 50000),
            "server": ("testserver", 80),
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        status, out_headers, chunks = 0, [], []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                out_headers = [(k.decode().lower(), v.decode()) for k, v in message["headers"]]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, send)
        except Exception:
            # Starlette re-raises after sending its 500 page; keep the page when asked to
            if not self.keep_server_errors or status != 500:
                raise
        reply = Reply(status, out_headers, b"".join(chunks))
        for cookie in reply.all("set-cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", "null") or "expires=thu, 01 jan 1970" in cookie.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return reply

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, form: dict[str, str] | None = None, **kw: Any) -> Reply:
        return await self.request("POST", path, form=form if form is not None else {}, **kw)

    async def csrf(self) -> str:
        """The session's CSRF token, as a page's forms carry it."""
        page = await self.get("/login")
        match = _CSRF_RE.search(page.text)
        assert match, "no csrf_token field on /login"
        return match.group(1)

    async def login(self, login: str, password: str = PASSWORD) -> Reply:
        token = await self.csrf()
        return await self.post(
            "/login", {"login": login, "password": password, "csrf_token": token, "next": "/"}
        )


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real Argon2id, with the cheapest parameters: these tests hash and verify hundreds
    of times, and the production cost (64 MiB, 3 passes) is not what they test."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", hasher)
    dummy = hasher.hash("itops-dummy-password")
    monkeypatch.setattr(auth, "_dummy_hash", lambda: dummy)


def role_login(role: str) -> str:
    return f"test_{role}"


@pytest.fixture
def users(ctx: AppContext) -> dict[str, str]:
    """One enabled user per role: role → login (password ``PASSWORD``)."""
    with session_scope(ctx.sessions) as db:
        for role in ROLES:
            auth.add_user(db, role_login(role), role, PASSWORD, ctx.clock.now(), "Jan Testowy")
    return {role: role_login(role) for role in ROLES}


@pytest.fixture
def app(ctx: AppContext) -> Iterator[Starlette]:
    yield create_app(ctx)


@pytest.fixture
def client(app: Starlette) -> AsgiClient:
    return AsgiClient(app)


# --- real daemon + real browser (see browser.py) -------------------------------------------


@pytest.fixture(scope="module")
def daemon_config_extra() -> str:
    """Extra TOML appended to the daemon's config; override it in a test module."""
    return ""


@pytest.fixture(scope="module")
def daemon(
    tmp_path_factory: pytest.TempPathFactory, daemon_config_extra: str, _sqlite_template: Path
) -> Iterator[Daemon]:
    from tests.conftest import free_port, write_config

    workdir = tmp_path_factory.mktemp("daemon")
    port = free_port()
    config = write_config(
        workdir / "itops.toml",
        f"sqlite:///{workdir / 'itops.db'}",
        port,
        'refresh_interval = "1s"\n' + daemon_config_extra,
    )
    server = Daemon(workdir, port, config, workdir / "itops.log")
    server.prepare(_sqlite_template)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    """A TCP service the module's daemon probes (closing it makes the check fail)."""
    with Target() as service:
        yield service


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def web(chromium: Any, daemon: Daemon) -> Iterator[Browser]:
    """A fresh browser context (no cookies) at laptop size, Polish first."""
    context = chromium.new_context(viewport=LAPTOP, locale="pl-PL")
    context.set_default_timeout(15_000)
    yield Browser(context.new_page(), daemon)
    context.close()
