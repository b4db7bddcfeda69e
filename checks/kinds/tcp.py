"""``tcp``: can a TCP connection to host:port be opened in time.

The probe connects a bare non-blocking socket (``loop.sock_connect``) and closes it: no
transport, no stream reader and writer, no second loop turn to wait for the close, about
half the CPU of ``asyncio.open_connection`` per probe. It resolves, tries the addresses in
turn and reports the error exactly as ``open_connection`` (``loop.create_connection``)
does: a numeric address skips the resolver, a name goes through ``loop.getaddrinfo``; when
every address fails, the errno is that of the one failure, or of the first when all failed
alike, and 0 when they differed ("Multiple exceptions").
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from checks.kinds import texts
from itops.check import Check, Options
from itops.messages import Summary
from itops.status import Measurement, Status

AddrInfo = tuple[int, int, int, str, tuple[Any, ...]]


class TcpOptions(Options):
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)


def _numeric(host: str, port: int) -> list[AddrInfo] | None:
    """As asyncio's ``_ipaddr_info``: an IP address needs no resolver (None for a name)."""
    if "%" in host:  # an IPv6 zone index: inet_pton does not take it, the resolver does
        return None
    families = [socket.AF_INET]
    if hasattr(socket, "AF_INET6"):
        families.append(socket.AF_INET6)
    for family in families:
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        address: tuple[Any, ...] = (host, port, 0, 0) if family != socket.AF_INET else (host, port)
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]
    return None


async def connect(host: str, port: int) -> float:
    """Open a TCP connection to ``host:port`` and close it at once; return when it was open
    (``time.monotonic()``, before the close). Raise ``OSError`` as
    ``asyncio.open_connection`` would (see the module docstring)."""
    loop = asyncio.get_running_loop()
    infos: Sequence[AddrInfo] | None = _numeric(host, port)
    if infos is None:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not infos:
        raise OSError("getaddrinfo() returned empty list")
    errors: list[OSError] = []
    for family, kind, proto, _, address in infos:
        sock: socket.socket | None = None
        try:
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
            return time.monotonic()
        except OSError as exc:
            errors.append(exc)
        finally:
            if sock is not None:
                sock.close()
    if len(errors) == 1 or all(str(exc) == str(errors[0]) for exc in errors):
        raise errors[0]
    raise OSError("Multiple exceptions: {}".format(", ".join(str(exc) for exc in errors)))


class TcpCheck(Check[TcpOptions]):
    """OK when the connection opens; CRITICAL when it is refused, unreachable or slow."""

    kind = "tcp"
    TEXTS = {**texts.TCP, **texts.ERRNO}
    Options = TcpOptions

    @property
    def target(self) -> str:
        return f"{self.options.host}:{self.options.port}"

    async def probe(self) -> Sequence[Measurement]:
        t0 = time.monotonic()
        try:
            elapsed = await connect(self.options.host, self.options.port) - t0
        except OSError as exc:
            return [Measurement("connected", 0), Measurement("errno", float(exc.errno or 0))]
        return [Measurement("connected", 1), Measurement("connect_seconds", elapsed, "s")]

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        values = {m.name: m.value for m in measurements}
        if values.get("connected") == 1:
            return Status.OK, Summary("tcp.connected", {"ms": values["connect_seconds"] * 1000})
        reason = texts.errno_reason(int(values.get("errno", 0)))
        return Status.CRITICAL, Summary(
            "tcp.cannot_connect", {"target": self.target, "reason": reason}
        )
