"""The one home of test doubles: a recording result sink, scriptable checks, leak checks,
systemd's notify socket.

Tests import these instead of defining their own ``Collect`` / ``Sink`` / ``FakeCheck``;
a fake that several modules need belongs here, a fake that one test needs may stay there.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from checks.config import CheckConfig
from itops.check import Check, Options
from itops.errors import ProbeError
from itops.messages import Summary, raw
from itops.status import Measurement, ProbeResult, Status


class RecordingSink:
    """A ``ResultSink`` that keeps every result, with the monotonic time it arrived."""

    def __init__(self) -> None:
        self.results: list[ProbeResult] = []
        self.arrived: list[float] = []

    def submit(self, result: ProbeResult) -> None:
        self.arrived.append(time.monotonic())
        self.results.append(result)

    def of(self, name: str) -> list[ProbeResult]:
        return [r for r in self.results if r.check == name]

    def timed(self, name: str) -> list[tuple[float, ProbeResult]]:
        """``(arrival, result)`` of one check, in arrival order."""
        return [(t, r) for t, r in zip(self.arrived, self.results, strict=True) if r.check == name]


def check_config(name: str, kind: str, interval: float = 60.0, timeout: float = 5.0) -> CheckConfig:
    """A check's config without validation (a test kind no config may name)."""
    return CheckConfig.model_construct(
        name=name,
        kind=kind,
        unit="office",
        interval=timedelta(seconds=interval),
        timeout=timedelta(seconds=timeout),
        options=Options(),
        confirm=1,
        tags=[],
        counts_for_kpi=None,
    )


class FakeCheck(Check[Options]):
    """A check whose probe does what the test says: ok, hang, cannot-tell or bug."""

    kind = "fake"
    Options = Options

    def __init__(
        self, name: str, behaviour: str = "ok", timeout: float = 1.0, interval: float = 60.0
    ) -> None:
        super().__init__(check_config(name, self.kind, interval, timeout))
        self.behaviour = behaviour

    async def probe(self) -> Sequence[Measurement]:
        if self.behaviour == "hang":
            await asyncio.sleep(3600)
        if self.behaviour == "cannot-tell":
            raise ProbeError("permission denied reading /proc/x")
        if self.behaviour == "bug":
            raise ZeroDivisionError("division by zero")
        return [Measurement("value", 1.0)]

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        return Status.OK, raw("fine")


class SleepCheck(Check[Options]):
    """Sleeps ``seconds`` in its probe; counts how many of its kind run at once."""

    kind = "sleep"
    Options = Options
    running = 0
    most = 0

    def __init__(
        self,
        name: str,
        interval: float,
        seconds: float = 0.0,
        status: Status = Status.OK,
        timeout: float = 5.0,
    ) -> None:
        super().__init__(check_config(name, self.kind, interval, timeout))
        self.seconds = seconds
        self.status = status

    async def probe(self) -> Sequence[Measurement]:
        SleepCheck.running += 1
        SleepCheck.most = max(SleepCheck.most, SleepCheck.running)
        try:
            await asyncio.sleep(self.seconds)
        finally:
            SleepCheck.running -= 1
        return []

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        return self.status, raw("slept")


def checked_out_after_drain(engine: Engine, cap: float = 5.0) -> int:
    """Connections of ``engine``'s pool still checked out once in-flight work had ``cap``
    seconds to give them back (0: nothing leaked). Polled, not slept: a pool that is
    already back at 0 answers at once."""
    deadline = time.monotonic() + cap
    while True:
        out = int(engine.pool.checkedout())  # type: ignore[attr-defined]
        if out == 0 or time.monotonic() >= deadline:
            return out
        time.sleep(0.01)


def dispose_checked(engine: Engine) -> None:
    """Dispose of a fixture's engine, failing the test that left a session or connection
    checked out (in the daemon that connection would be held for ever)."""
    leaked = checked_out_after_drain(engine)
    engine.dispose()
    assert leaked == 0, f"{leaked} database connection(s) still checked out after the test"


class NotifySocket:
    """A datagram socket standing in for systemd's ``NOTIFY_SOCKET``: a thread (not the
    event loop of a daemon under test, which may be the test's own) records every
    message with its arrival time (``time.monotonic``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.05)
        self.messages: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.messages.append((time.monotonic(), data.decode()))

    def wait_for(self, text: str, timeout: float = 30) -> bool:
        """Whether a message containing ``text`` arrived within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not any(text in m for _, m in list(self.messages)):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def pings(self) -> list[float]:
        """When each ``WATCHDOG=1`` arrived."""
        return [t for t, m in list(self.messages) if m == "WATCHDOG=1"]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()
