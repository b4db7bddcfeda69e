"""Real servers on 127.0.0.1 for the notifier: an SMTP server (aiosmtpd) and a webhook receiver."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from itops.clock import FixedClock
from itops.context import AppContext
from itops.db.session import make_engine, make_sessionmaker
from itops.notifications.service import NotificationService
from tests.conftest import free_port, make_settings
from tests.fakes import checked_out_after_drain


@dataclass
class Mailbox:
    """What the SMTP server accepted."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    arrived: asyncio.Event | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        mail = message_from_bytes(raw, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), mail))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl CLI)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class PasswordCheck:
    """aiosmtpd authenticator accepting one fake account."""

    def __init__(self, login: str, password: str) -> None:
        self.login, self.password = login.encode(), password.encode()

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login == self.login and auth_data.password == self.password
        )
        return AuthResult(success=ok)


@dataclass
class Receiver:
    """A webhook endpoint: records JSON bodies; can fail the first N requests or hold them."""

    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    fail_first: int = 0
    calls: int = 0
    gate: asyncio.Event | None = None
    waiting: int = 0


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    box = Receiver(url="")

    async def hook(request: web.Request) -> web.Response:
        box.calls += 1
        if box.gate is not None:
            box.waiting += 1
            await box.gate.wait()
            box.waiting -= 1
        if box.calls <= box.fail_first:
            return web.Response(status=500, text="try later")
        box.headers.append(dict(request.headers))
        box.bodies.append(json.loads(await request.text()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    box.url = f"http://127.0.0.1:{port}/hook"
    yield box
    if box.gate is not None:
        box.gate.set()
    await runner.cleanup()


@pytest.fixture
async def notifier_for(
    tmp_path: Path, clock: FixedClock, _sqlite_template: Path
) -> AsyncIterator[Callable[..., Any]]:
    """Start a NotificationService (on a migrated SQLite copy, or ``url``) for a section."""
    started: list[tuple[AppContext, NotificationService]] = []
    default = tmp_path / "notify.db"
    shutil.copy(_sqlite_template, default)

    async def make(
        section: dict[str, Any], url: str | None = None
    ) -> tuple[AppContext, NotificationService]:
        settings = make_settings(url or f"sqlite:///{default}", notifications=section)
        engine = make_engine(settings.storage.url)
        ctx = AppContext(
            settings=settings,
            config_path=tmp_path / "itops.toml",
            engine=engine,
            sessions=make_sessionmaker(engine),
            clock=clock,
        )
        service = NotificationService(ctx)
        ctx.events.subscribe(service.publish)
        await service.start()
        started.append((ctx, service))
        return ctx, service

    yield make
    leaked = 0
    for ctx, service in started:
        await service.stop(grace=1)
        leaked += checked_out_after_drain(ctx.engine)
        ctx.engine.dispose()
    # A test (or the service) that keeps a connection open fails here, as with ``ctx``.
    assert leaked == 0, f"{leaked} database connection(s) still checked out after the test"
