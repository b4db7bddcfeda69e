"""Check engine benchmark: itops vs Debian's prometheus-blackbox-exporter on 127.0.0.1.

Phases (each bounded in time):
1. schedule: ``--checks`` TCP+HTTP checks at ``--interval`` through the real Scheduler,
   CheckRunner and OutageTracker (every result persisted as a raw row, flushed every
   second into SQLite); prints probes/s, scheduling lateness p50/p99, CPU and RSS.
2. capacity: the same checks run back to back with ``--concurrency`` in flight for
   ``--burst`` seconds, results persisted; prints the sustained probes/s.
3. blackbox: prometheus-blackbox-exporter probes the same targets (``/probe`` with the
   tcp_connect and http_2xx modules, ``--concurrency`` requests in flight) for ``--burst``
   seconds; prints its probes/s, CPU and RSS.
Phases 2 and 3 alternate for ``--rounds`` rounds so both see the same machine load (the
reference machine is shared); ends with ``ratio_vs_blackbox=X.XX``, the ratio of the
median probe rates (itops / blackbox_exporter).

Targets live in a separate process so neither prober pays for them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from itops.config import validate  # noqa: E402
from itops.db.session import make_engine, make_sessionmaker, upgrade  # noqa: E402
from itops.outages import OutageTracker  # noqa: E402
from itops.registry import check_class  # noqa: E402
from itops.runner import CheckRunner  # noqa: E402
from itops.scheduler import Scheduler, spread  # noqa: E402
from itops.status import ProbeResult  # noqa: E402

TARGETS = textwrap.dedent(
    """
    import asyncio, sys
    RESPONSE = b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok"

    class Tcp(asyncio.Protocol):
        def connection_made(self, transport):
            transport.close()

    class Http(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
            self.buffer = b""
        def data_received(self, data):
            self.buffer += data
            if b"\\r\\n\\r\\n" in self.buffer:
                self.transport.write(RESPONSE)
                self.transport.close()

    async def main(count):
        loop = asyncio.get_running_loop()
        ports = []
        for factory in [Tcp] * count + [Http] * count:
            server = await loop.create_server(factory, "127.0.0.1", 0, backlog=4096)
            ports.append(server.sockets[0].getsockname()[1])
        print(" ".join(map(str, ports)), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main(int(sys.argv[1])))
    """
)


def start_targets(ports_per_kind: int) -> tuple[subprocess.Popen[str], list[int], list[int]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", TARGETS, str(ports_per_kind)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    ports = [int(p) for p in proc.stdout.readline().split()]
    return proc, ports[:ports_per_kind], ports[ports_per_kind:]


def make_settings(db_url: str, n: int, interval: float, tcp: list[int], http: list[int]) -> Any:
    checks: list[dict[str, Any]] = []
    for i in range(n):
        if i % 2 == 0:
            checks.append({"name": f"tcp-{i}", "kind": "tcp", "host": "127.0.0.1",
                           "port": tcp[i % len(tcp)], "interval": f"{interval}s",
                           "timeout": "5s"})
        else:
            checks.append({"name": f"http-{i}", "kind": "http",
                           "url": f"http://127.0.0.1:{http[i % len(http)]}/",
                           "interval": f"{interval}s", "timeout": "5s"})
    return validate(
        {
            "office": {"name": "Urząd Testowy (bench)"},
            "storage": {"url": db_url},
            "daemon": {"max_concurrency": 1000},
            "availability": {"raw_sample_every": f"{interval}s", "flush_interval": "1s"},
            "checks": checks,
        }
    )


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Usage:
    """CPU seconds and RSS of a process between start() and stop()."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.t0 = time.monotonic()
        self.c0 = sum(self.proc.cpu_times()[:2])

    def report(self) -> tuple[float, float]:
        wall = time.monotonic() - self.t0
        cpu = sum(self.proc.cpu_times()[:2]) - self.c0
        return cpu / wall * 100, self.proc.memory_info().rss / 2**20


async def flusher(tracker: OutageTracker, stop: asyncio.Event) -> int:
    written = 0
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            pass
        written += await asyncio.to_thread(tracker.flush, datetime.now(UTC))
    written += await asyncio.to_thread(tracker.flush, datetime.now(UTC), everything=True)
    return written


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.failed = 0

    def submit(self, result: ProbeResult) -> None:
        self.count += 1
        if result.status != 0:
            self.failed += 1


async def schedule_phase(settings: Any, sessions: Any, seconds: float) -> dict[str, float]:
    tracker = OutageTracker(settings, sessions)
    counter = Counter()
    runner = CheckRunner_(settings, [tracker, counter])
    scheduler = Scheduler()
    lateness: list[float] = []
    checks = [check_class(c.kind)(c) for c in settings.checks]

    in_flight = 0

    async def probe(check: Any, anchor: float, interval: float) -> None:
        nonlocal in_flight
        late = (time.time() - anchor) % interval
        lateness.append(late if late < interval - 0.5 else late - interval)
        in_flight += 1
        try:
            await runner.run(check)
        finally:
            in_flight -= 1

    for check in checks:
        interval = check.config.interval.total_seconds()
        job_id = f"check:{check.name}"
        anchor = time.time() + spread(job_id, interval)
        scheduler.every(job_id, interval, probe, check, anchor, interval)
    stop = asyncio.Event()
    usage = Usage(os.getpid())
    writer = asyncio.create_task(flusher(tracker, stop))
    scheduler.start()
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    scheduler.pause()
    elapsed = time.monotonic() - t0
    while in_flight:  # drain, as the daemon does, instead of cancelling probes
        await asyncio.sleep(0.05)
    scheduler.shutdown()
    stop.set()
    written = await writer
    cpu, rss = usage.report()
    return {
        "probes": counter.count,
        "failed": counter.failed,
        "rate": counter.count / elapsed,
        "p50": pct(lateness, 0.5),
        "p99": pct(lateness, 0.99),
        "cpu": cpu,
        "rss": rss,
        "written": written,
    }


def CheckRunner_(settings: Any, sinks: list[Any]) -> CheckRunner:  # noqa: N802
    from itops.clock import SystemClock

    return CheckRunner(SystemClock(), settings.daemon.max_concurrency, sinks)


async def capacity_phase(
    settings: Any, sessions: Any, seconds: float, concurrency: int
) -> dict[str, float]:
    tracker = OutageTracker(settings, sessions)
    counter = Counter()
    runner = CheckRunner_(settings, [tracker, counter])
    checks = [check_class(c.kind)(c) for c in settings.checks]
    stop = asyncio.Event()
    writer = asyncio.create_task(flusher(tracker, stop))
    deadline = time.monotonic() + seconds
    usage = Usage(os.getpid())
    index = 0

    async def worker() -> None:
        nonlocal index
        while time.monotonic() < deadline:
            check = checks[index % len(checks)]
            index += 1
            await runner.run(check)

    t0 = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - t0
    cpu, rss = usage.report()
    stop.set()
    await writer
    return {"rate": counter.count / elapsed, "failed": counter.failed, "cpu": cpu, "rss": rss}


BLACKBOX_CONFIG = """
modules:
  tcp_connect:
    prober: tcp
    timeout: 5s
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
"""


class Blackbox:
    """prometheus-blackbox-exporter on 127.0.0.1, driven like Prometheus would: /probe."""

    def __init__(self, folder: Path, tcp: list[int], http: list[int], n: int) -> None:
        config = folder / "blackbox.yml"
        config.write_text(BLACKBOX_CONFIG)
        with socket_port() as port:
            pass
        self.proc = subprocess.Popen(
            ["/usr/bin/prometheus-blackbox-exporter", f"--config.file={config}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        self.base = base
        self.urls = []
        for i in range(n):
            if i % 2 == 0:
                target = f"tcp_connect&target=127.0.0.1:{tcp[i % len(tcp)]}"
            else:
                target = f"http_2xx&target=http://127.0.0.1:{http[i % len(http)]}/"
            self.urls.append(f"{base}/probe?module={target}")

    async def burst(self, seconds: float, concurrency: int) -> dict[str, float]:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency)
        ) as session:
            for _ in range(100):
                try:
                    async with session.get(self.base + "/metrics") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            ok = failed = 0
            index = 0
            deadline = time.monotonic() + seconds
            usage = Usage(self.proc.pid)

            async def worker() -> None:
                nonlocal ok, failed, index
                while time.monotonic() < deadline:
                    url = self.urls[index % len(self.urls)]
                    index += 1
                    async with session.get(url) as response:
                        body = await response.text()
                    if "probe_success 1" in body:
                        ok += 1
                    else:
                        failed += 1

            t0 = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.monotonic() - t0
            cpu, rss = usage.report()
        return {"rate": (ok + failed) / elapsed, "failed": failed, "cpu": cpu, "rss": rss}

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class socket_port:  # noqa: N801
    """A free port on 127.0.0.1 (released on exit)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=30.0, help="schedule phase length")
    parser.add_argument("--burst", type=float, default=10.0, help="capacity/blackbox length")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--ports", type=int, default=20, help="target ports per kind")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved capacity rounds")
    args = parser.parse_args()

    targets, tcp, http = start_targets(args.ports)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            db_url = f"sqlite:///{folder / 'bench.db'}"
            upgrade(db_url)
            settings = make_settings(db_url, args.checks, args.interval, tcp, http)
            engine = make_engine(db_url)
            sessions = make_sessionmaker(engine)
            print(f"checks={args.checks} (half tcp, half http) interval={args.interval:g}s "
                  f"targets={2 * args.ports} ports on 127.0.0.1 cpus={os.cpu_count()}")
            s = await schedule_phase(settings, sessions, args.seconds)
            print(f"schedule: {s['probes']:.0f} probes in {args.seconds:g}s = {s['rate']:.0f}/s "
                  f"(expected {args.checks / args.interval:.0f}/s), failed={s['failed']:.0f}, "
                  f"rows_written={s['written']:.0f}")
            print(f"schedule: lateness p50={s['p50'] * 1000:.1f}ms p99={s['p99'] * 1000:.1f}ms "
                  f"cpu={s['cpu']:.0f}% rss={s['rss']:.0f}MiB")
            blackbox = Blackbox(folder, tcp, http, args.checks)
            ours: list[float] = []
            theirs: list[float] = []
            try:
                for round_no in range(1, args.rounds + 1):  # interleaved: same machine load
                    c = await capacity_phase(settings, sessions, args.burst, args.concurrency)
                    b = await blackbox.burst(args.burst, args.concurrency)
                    ours.append(c["rate"])
                    theirs.append(b["rate"])
                    print(f"round {round_no}: itops {c['rate']:.0f} probes/s persisted "
                          f"(failed {c['failed']:.0f}, cpu {c['cpu']:.0f}%, "
                          f"rss {c['rss']:.0f}MiB, {c['rate'] / max(c['cpu'], 1) * 100:.0f} "
                          f"probes per CPU-second) | blackbox_exporter {b['rate']:.0f} probes/s "
                          f"(failed {b['failed']:.0f}, cpu {b['cpu']:.0f}%, "
                          f"rss {b['rss']:.0f}MiB, {b['rate'] / max(b['cpu'], 1) * 100:.0f} "
                          f"probes per CPU-second)")
            finally:
                blackbox.close()
            size = (folder / "bench.db").stat().st_size / 2**20
            print(f"sqlite size after the run: {size:.1f} MiB; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            engine.dispose()
            mine, other = statistics.median(ours), statistics.median(theirs)
            print(f"median over {args.rounds} rounds (concurrency {args.concurrency}): "
                  f"itops {mine:.0f} probes/s, blackbox_exporter {other:.0f} probes/s")
            print(f"ratio_vs_blackbox={mine / other:.2f}")
    finally:
        targets.terminate()
        targets.wait(10)


if __name__ == "__main__":
    asyncio.run(main())
