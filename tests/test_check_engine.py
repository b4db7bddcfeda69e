"""The check engine: every outcome becomes a result, one slow check delays no other."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from checks.kinds import CHECK_KINDS
from itops.check import Check, Options
from itops.clock import FixedClock
from itops.config import validate
from itops.runner import CheckRunner
from itops.status import Status, worst
from tests.conftest import MINIMAL_OFFICE, free_port
from tests.fakes import FakeCheck, RecordingSink


def tcp_check(host: str, port: int, **common: object) -> Check[Options]:
    settings = validate(
        {
            "office": MINIMAL_OFFICE,
            "checks": [
                {"name": f"tcp-{port}", "kind": "tcp", "host": host, "port": port, **common}
            ],
        }
    )
    return CHECK_KINDS.cls("tcp")(settings.checks[0])


@pytest.fixture
async def listening_port() -> AsyncIterator[int]:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


def runner(sink: RecordingSink, concurrency: int = 10) -> CheckRunner:
    return CheckRunner(FixedClock(datetime(2026, 11, 26, tzinfo=UTC)), concurrency, [sink])


def test_statuses_are_ordered_with_unknown_last() -> None:
    assert Status.OK < Status.WARNING < Status.CRITICAL < Status.UNKNOWN
    assert worst([Status.OK, Status.CRITICAL, Status.WARNING]) is Status.CRITICAL
    assert worst([]) is Status.OK


def test_every_registered_kind_imports_and_is_a_check() -> None:
    for kind in CHECK_KINDS:
        cls = CHECK_KINDS.cls(kind)
        assert issubclass(cls, Check)
        assert cls.kind == kind
        assert issubclass(cls.Options, Options)


async def test_tcp_check_is_ok_when_the_port_accepts(listening_port: int) -> None:
    sink = RecordingSink()
    result = await runner(sink).run(tcp_check("127.0.0.1", listening_port))
    assert result is not None and result.status is Status.OK
    assert result.value("connect_seconds") is not None
    assert sink.results == [result]


async def test_tcp_check_is_critical_when_the_port_is_closed() -> None:
    result = await runner(RecordingSink()).run(tcp_check("127.0.0.1", free_port()))
    assert result is not None and result.status is Status.CRITICAL
    assert "refused" in str(result.summary).lower()


async def test_a_timeout_of_a_network_check_is_a_failure_not_a_gap() -> None:
    check = FakeCheck("slow", "hang", timeout=0.2)
    check.timeout_status = Status.CRITICAL
    result = await runner(RecordingSink()).run(check)
    assert result is not None and result.status is Status.CRITICAL
    assert "no answer within 0.2 s" in str(result.summary)


async def test_a_probe_that_cannot_tell_is_unknown_with_its_reason() -> None:
    result = await runner(RecordingSink()).run(FakeCheck("perm", "cannot-tell"))
    assert result is not None and result.status is Status.UNKNOWN
    assert "permission denied" in str(result.summary)


async def test_a_bug_in_a_check_is_unknown_and_does_not_escape() -> None:
    result = await runner(RecordingSink()).run(FakeCheck("bug", "bug"))
    assert result is not None and result.status is Status.UNKNOWN
    assert "internal error" in str(result.summary) and "ZeroDivisionError" in str(result.summary)


async def test_a_hanging_check_does_not_delay_the_others() -> None:
    sink = RecordingSink()
    r = runner(sink, concurrency=10)
    hanging = asyncio.create_task(r.run(FakeCheck("hang", "hang", timeout=5)))
    t0 = time.monotonic()
    quick = await asyncio.gather(*(r.run(FakeCheck(f"q{i}", "ok")) for i in range(20)))
    assert all(res is not None and res.status is Status.OK for res in quick)
    assert not hanging.done()
    assert time.monotonic() - t0 < 4  # far below the hanging probe's 5 s timeout
    hanging.cancel()


async def test_drain_waits_for_running_probes_then_refuses_new_ones() -> None:
    sink = RecordingSink()
    r = runner(sink)
    slow = FakeCheck("slow", "hang", timeout=0.3)
    slow.timeout_status = Status.CRITICAL
    task = asyncio.ensure_future(r.run(slow))
    r.track(task)
    await asyncio.sleep(0.05)
    cancelled = await r.drain(deadline=2)
    assert cancelled == 0
    assert [res.check for res in sink.results] == ["slow"]
    assert await r.run(FakeCheck("late", "ok")) is None
