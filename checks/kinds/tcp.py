"""``tcp``: can a TCP connection to host:port be opened in time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from pydantic import Field

from checks.kinds import texts
from itops.check import Check, Options
from itops.messages import Summary
from itops.status import Measurement, Status


class TcpOptions(Options):
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)


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
            _, writer = await asyncio.open_connection(self.options.host, self.options.port)
        except OSError as exc:
            return [Measurement("connected", 0), Measurement("errno", float(exc.errno or 0))]
        elapsed = time.monotonic() - t0
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
        return [Measurement("connected", 1), Measurement("connect_seconds", elapsed, "s")]

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        values = {m.name: m.value for m in measurements}
        if values.get("connected") == 1:
            return Status.OK, Summary("tcp.connected", {"ms": values["connect_seconds"] * 1000})
        reason = texts.errno_reason(int(values.get("errno", 0)))
        return Status.CRITICAL, Summary(
            "tcp.cannot_connect", {"target": self.target, "reason": reason}
        )
