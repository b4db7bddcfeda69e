"""Scrape latency of /metrics with 10,000 checks in LiveState (goal: p99 under 100 ms).

Measures what the /metrics handler does in its worker thread for the whole body
(``itops.web.app._metrics_body``: every collector, the process collector and the per-check
families, as the one ``bytes`` the response sends) with 1 % of the checks getting a new result
between scrapes (a 60 s interval and a 15 s scrape interval change ~25 %; see the second
line), then HTTP GET /metrics through the real web app served by uvicorn on 127.0.0.1.
Each line gives wall and CPU seconds per scrape (CPU is what a loaded machine cannot
inflate) and the load average at that moment: the machine may be shared.
Run: ``.venv/bin/python bench/metrics.py``. ``--live`` instead scrapes the real daemon
(``itops run`` with 10,000 checks at 60 s, probing them): the lateness phase of
``bench/bench_checks.py``, which prints /metrics p50/p99 next to the probes' lateness.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import uvicorn

from itops.config import validate
from itops.context import AppContext
from itops.db.session import upgrade
from itops.metrics import make_registry
from itops.status import Measurement, ProbeResult, Status
from itops.web.app import _metrics_body, create_app

CHECKS = 10_000
ROUNDS = 100


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def result(i: int, status: Status, now: datetime) -> ProbeResult:
    return ProbeResult(
        check=f"Usługa nr {i:05d} — Urząd",
        kind=("tcp", "http", "tls", "dns")[i % 4],
        status=status,
        summary="ok",
        started_at=now,
        duration=0.001 * (i % 97),
        measurements=(Measurement("latency", 0.01, "s"),),
    )


def churn(ctx: AppContext, fraction: float, round_no: int) -> None:
    """Give ``fraction`` of the checks a new result, as the runner would between scrapes."""
    now = datetime.now(UTC)
    step = max(1, int(1 / fraction))
    for i in range(round_no % step, CHECKS, step):
        ctx.state.record(result(i, list(Status)[(i + round_no) % 4], now))


def timed(ctx: AppContext, registry: object, fraction: float) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per scrape (CPU time is what a loaded machine cannot inflate)."""
    wall, cpu = [], []
    for n in range(ROUNDS):
        churn(ctx, fraction, n)
        t0, c0 = time.perf_counter(), time.process_time()
        _metrics_body(ctx, registry)  # type: ignore[arg-type]
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def arriving(ctx: AppContext, registry: object) -> tuple[list[float], list[float]]:
    """The daemon's first interval: every check gets its first result, 1 % per scrape
    (each new check changes the set of checks, the case that re-rendered everything)."""
    ctx.state.forget_except(set())
    _metrics_body(ctx, registry)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    timings, cpu = [], []
    step = CHECKS // ROUNDS
    for n in range(ROUNDS):
        for i in range(n * step, (n + 1) * step):
            ctx.state.record(result(i, Status.OK, now))
        t0, c0 = time.perf_counter(), time.process_time()
        _metrics_body(ctx, registry)  # type: ignore[arg-type]
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return timings, cpu


def make_ctx(folder: Path) -> AppContext:
    settings = validate(
        {
            "office": {"name": "Urząd Testowy w Przykładowie"},
            "storage": {"url": f"sqlite:///{folder / 'bench.db'}"},
        }
    )
    upgrade(settings.storage.url)
    ctx = AppContext.create(settings, folder / "itops.toml")
    now = datetime.now(UTC)
    for i in range(CHECKS):
        ctx.state.record(result(i, list(Status)[i % 4], now))
    return ctx


async def http_rounds(ctx: AppContext, port: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds per GET (the CPU of this process: server and client both)."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ctx),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    out, cpu = [], []
    async with aiohttp.ClientSession() as session:
        for _ in range(ROUNDS // 2 + 1):
            t0, c0 = time.perf_counter(), time.process_time()
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                await response.read()
            out.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    server.should_exit = True
    await serving
    return out, cpu


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def figures(wall: list[float], cpu: list[float]) -> str:
    return (
        f"wall p50 {percentile(wall, 50) * 1000:.1f} ms, p99 {percentile(wall, 99) * 1000:.1f} ms"
        f", mean {statistics.mean(wall) * 1000:.1f} ms; CPU p50 {percentile(cpu, 50) * 1000:.1f}"
        f" ms, p99 {percentile(cpu, 99) * 1000:.1f} ms, mean {statistics.mean(cpu) * 1000:.1f} ms"
        f"; {load()}"
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--live", action="store_true", help="scrape a real itops run")
    if parser.parse_args().live:
        import subprocess
        import sys

        script = Path(__file__).with_name("bench_checks.py")
        raise SystemExit(subprocess.call([sys.executable, str(script), "--skip", "throughput"]))
    import socket

    print(f"{load()} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = make_ctx(Path(tmp))
        registry = make_registry(ctx)
        t0, c0 = time.perf_counter(), time.process_time()
        size = len(_metrics_body(ctx, registry))
        cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"checks in LiveState: {CHECKS}, body {size / 1024:.0f} KiB, first (cold) scrape "
            f"{cold * 1000:.1f} ms, CPU {cold_cpu * 1000:.1f} ms; {load()}"
        )
        for fraction in (0.01, 0.25):
            timings, cpu = timed(ctx, registry, fraction)
            print(
                f"body, {fraction:.0%} of checks changed between {ROUNDS} scrapes: "
                + figures(timings, cpu)
            )
        timings, cpu = arriving(ctx, registry)
        print(
            f"body while the checks get their first results (1 % new per scrape, {ROUNDS} "
            "scrapes): " + figures(timings, cpu)
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        http, http_cpu = asyncio.run(http_rounds(ctx, port))
        print(
            f"HTTP GET /metrics: the first (a new app: its collectors render every check) "
            f"{http[0] * 1000:.1f} ms, CPU {http_cpu[0] * 1000:.1f} ms; then {len(http) - 1} "
            "scrapes (no check changed between them): " + figures(http[1:], http_cpu[1:])
        )
        ctx.engine.dispose()


if __name__ == "__main__":
    main()
