"""Probe worker processes: sharded by name, results back to the daemon, restarted on death."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import psutil
import pytest

from checks.config import CHECKS
from checks.kinds import CHECK_KINDS
from itops.check import Check, Options
from itops.clock import FixedClock, SystemClock
from itops.config import validate
from itops.state import ProbeStats
from itops.status import ProbeResult, Status
from itops.workers import WorkerPool, shard, worker_count
from tests.conftest import MINIMAL_OFFICE, free_port

pytestmark = pytest.mark.slow


def tcp_checks(port: int, names: list[str], interval: str = "1s") -> list[Check[Options]]:
    settings = validate(
        {
            "office": MINIMAL_OFFICE,
            "checks": [
                {"name": n, "kind": "tcp", "host": "127.0.0.1", "port": port, "interval": interval}
                for n in names
            ],
        }
    )
    return [CHECK_KINDS.cls(c.kind)(c) for c in settings.section(CHECKS)]


@pytest.fixture
async def listening_port() -> AsyncIterator[int]:
    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def wait_until(predicate: Callable[[], bool], timeout: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.05)


def test_a_check_always_goes_to_the_same_worker_and_every_worker_gets_some() -> None:
    names = [f"Usługa {i}" for i in range(200)]
    assert [shard(n, 2) for n in names] == [shard(n, 2) for n in names]
    assert {shard(n, 2) for n in names} == {0, 1}


def test_an_injected_clock_keeps_probes_in_the_daemon_process() -> None:
    assert worker_count(2, FixedClock(datetime(2026, 11, 26, tzinfo=UTC))) == 0
    assert worker_count(0, SystemClock()) == 0
    assert worker_count(3, SystemClock()) == 3


def test_a_small_office_probes_in_the_daemon_unless_told_otherwise() -> None:
    assert worker_count(None, SystemClock(), checks=40) == 0
    assert worker_count(2, SystemClock(), checks=40) == 2


async def test_workers_probe_their_shards_and_hand_every_result_to_the_daemon(
    listening_port: int,
) -> None:
    results: list[ProbeResult] = []
    stats = ProbeStats()
    pool = WorkerPool(2, 10, stats, results.append)
    names = [f"c{i}" for i in range(6)]
    pool.schedule(tcp_checks(listening_port, names))
    pool.start()
    try:
        await wait_until(lambda: {r.check for r in results} == set(names))
        assert all(r.status is Status.OK for r in results)
        pool.schedule(tcp_checks(listening_port, names[:2]))
        await asyncio.sleep(0.5)  # results already in the pipe may still arrive
        seen = len(results)
        await wait_until(lambda: len(results) >= seen + 4)
        assert {r.check for r in results[seen:]} <= set(names[:2])
    finally:
        assert await pool.drain(5) == 0
    counts = stats.snapshot()
    assert counts.probes[("tcp", "ok")] >= len(results)
    assert counts.lateness_count >= counts.probes[("tcp", "ok")]
    assert pool.pids == []


async def test_a_killed_worker_is_started_again_and_its_checks_go_on(
    listening_port: int,
) -> None:
    results: list[ProbeResult] = []
    stats = ProbeStats()
    pool = WorkerPool(1, 10, stats, results.append)
    pool.schedule(tcp_checks(listening_port, ["a", "b"]))
    pool.start()
    try:
        await wait_until(lambda: len(results) >= 4)
        [pid] = pool.pids
        before = stats.snapshot().probes[("tcp", "ok")]
        os.kill(pid, signal.SIGKILL)
        await wait_until(lambda: pool.pids not in ([], [pid]))
        seen = len(results)
        await wait_until(lambda: len(results) >= seen + 4)
        assert stats.snapshot().probes[("tcp", "ok")] >= before  # a counter never goes back
    finally:
        await pool.drain(5)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


async def test_a_worker_ignores_sigterm_and_stops_when_the_daemon_says_so(
    listening_port: int,
) -> None:
    results: list[ProbeResult] = []
    pool = WorkerPool(1, 10, ProbeStats(), results.append)
    pool.schedule(tcp_checks(listening_port, ["a"], interval="1s"))
    pool.start()
    await wait_until(lambda: len(results) >= 2)
    [pid] = pool.pids
    os.kill(pid, signal.SIGTERM)  # systemd signals the whole cgroup
    seen = len(results)
    await wait_until(lambda: len(results) >= seen + 3)
    assert pool.pids == [pid]
    assert await pool.drain(5) == 0
    assert pool.pids == []


async def test_a_closed_port_is_critical_through_a_worker_too() -> None:
    results: list[ProbeResult] = []
    pool = WorkerPool(1, 10, ProbeStats(), results.append)
    pool.schedule(tcp_checks(free_port(), ["closed"]))
    pool.start()
    try:
        await wait_until(lambda: len(results) >= 1)
    finally:
        await pool.drain(5)
    assert results[0].status is Status.CRITICAL and "refused" in str(results[0].summary).lower()
