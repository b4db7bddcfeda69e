"""The tcp kind connects a bare socket, yet reports every outcome as asyncio.open_connection
did: the same errno for one failing address, for several failing alike or differently, for a
name that resolves to nothing, and the same success when a later address answers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from checks.config import CHECKS
from checks.kinds import CHECK_KINDS
from checks.kinds.tcp import connect
from itops.check import Check, Options
from itops.config import validate
from itops.status import Status
from tests.conftest import MINIMAL_OFFICE, free_port


def tcp_check(host: str, port: int) -> Check[Options]:
    settings = validate(
        {
            "office": MINIMAL_OFFICE,
            "checks": [{"name": "tcp-x", "kind": "tcp", "host": host, "port": port}],
        }
    )
    return CHECK_KINDS.cls("tcp")(settings.section(CHECKS)[0])


@pytest.fixture
async def open_port() -> AsyncIterator[int]:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


@pytest.fixture
def resolves(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """Names -> the addresses the loop's resolver returns for them (IPv4, 127.0.0.0/8)."""
    table: dict[str, list[tuple[Any, ...]]] = {}
    real = asyncio.BaseEventLoop.getaddrinfo

    async def getaddrinfo(self: Any, host: Any, port: Any, **kwargs: Any) -> Any:
        if host in table:
            return [
                (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, p))
                for ip, p in table[host]
            ]
        return await real(self, host, port, **kwargs)

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)
    yield table


async def asyncio_errno(host: str, port: int) -> int | None:
    """What asyncio.open_connection (the kind's former probe) says: None when it connects."""
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        return exc.errno or 0
    writer.close()
    return None


async def probe_errno(host: str, port: int) -> int | None:
    values = {m.name: m.value for m in await tcp_check(host, port).probe()}
    if values["connected"] == 1:
        assert values["connect_seconds"] >= 0
        return None
    return int(values["errno"])


async def test_an_open_port_connects_and_a_closed_one_is_refused(open_port: int) -> None:
    closed = free_port()
    assert await probe_errno("127.0.0.1", open_port) is None
    assert await probe_errno("127.0.0.1", closed) == await asyncio_errno("127.0.0.1", closed)
    assert await probe_errno("127.0.0.1", closed) == 111  # ECONNREFUSED
    check = tcp_check("127.0.0.1", closed)
    status, summary = check.evaluate(await check.probe())
    assert status is Status.CRITICAL and "refused" in str(summary).lower()


async def test_every_way_of_failing_by_name_gives_the_errno_asyncio_gave(
    open_port: int, resolves: dict[str, list[tuple[Any, ...]]]
) -> None:
    closed = free_port()
    resolves["later-answers.test"] = [("127.0.0.2", open_port), ("127.0.0.1", open_port)]
    resolves["one-refuses.test"] = [("127.0.0.1", closed)]
    resolves["alike.test"] = [("127.0.0.1", closed), ("127.0.0.1", closed)]
    resolves["differently.test"] = [("127.0.0.1", closed), ("127.0.0.2", closed)]
    resolves["nothing.test"] = []
    seen = {}
    for name in resolves:
        seen[name] = await probe_errno(name, closed)
        assert seen[name] == await asyncio_errno(name, closed), name
    # the server listens on 127.0.0.1 only: the first address is refused, the second answers
    assert await probe_errno("later-answers.test", open_port) is None
    assert await asyncio_errno("later-answers.test", open_port) is None
    assert seen["one-refuses.test"] == seen["alike.test"] == 111
    assert seen["differently.test"] == seen["nothing.test"] == 0  # "Multiple exceptions"


async def test_a_cancelled_or_failed_connect_leaves_no_socket_open(
    open_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner's timeout cancels the probe; whatever the outcome, its socket is closed."""
    opened: list[socket.socket] = []

    class Tracking(socket.socket):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if len(args) == 3 and "fileno" not in kwargs:  # the probe's, not accept()'s
                opened.append(self)

    monkeypatch.setattr(socket, "socket", Tracking)
    for port in (open_port, free_port()):
        task = asyncio.ensure_future(connect("127.0.0.1", port))
        await asyncio.sleep(0)  # the connect is under way (or already done)
        task.cancel()
        with pytest.raises((asyncio.CancelledError, OSError)):
            await task
    with pytest.raises(OSError):
        await connect("127.0.0.1", free_port())
    await connect("127.0.0.1", open_port)
    assert len(opened) == 4 and all(s.fileno() == -1 for s in opened)
