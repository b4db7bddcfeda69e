"""Inventory benchmarks: a 10,000-row CSV import and 500 concurrent agents, per engine.

    .venv/bin/python bench/bench_inventory.py [--engines sqlite,postgresql] [--postgres-url URL]
                                        [--agents 500] [--repeats 3] [--rows 10000]
                                        [--nodes 1]

For each engine a fresh database (a SQLite file in a temporary folder; a scratch
PostgreSQL database created beside ``--postgres-url`` and dropped afterwards). The
server runs in a separate process (uvicorn, the real app) on 127.0.0.1; the agents are
aiohttp clients in this process, each POSTing a distinct host's report (with its
Defender section) on a new connection, all at once: one round of first reports
(discovery), then ``--repeats`` rounds of repeat reports. Printed per round: reports/s,
p50/p99 latency, errors, CPU seconds of the server process per 1,000 reports (fairer
than reports/s on a loaded machine: 1.0 s per 1,000 is 1,000 reports/s on one free
core); then what the database holds afterwards (every acknowledged
report must be there) and the load average (a shared machine: compare runs made side by
side). ``--nodes N`` runs N server processes on the one PostgreSQL database (agent i
reports to node i % N), as several itops nodes would; the CPU is theirs together.
Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inventory.api import hash_token  # noqa: E402
from inventory.importers import import_inventory  # noqa: E402
from inventory.models import AgentToken  # noqa: E402
from inventory.payload import AgentReport, Cpu, Disk, Hardware, Nic, OsInfo  # noqa: E402
from itops.config import validate  # noqa: E402
from itops.context import AppContext  # noqa: E402
from itops.db.session import make_engine, make_sessionmaker, session_scope, upgrade  # noqa: E402

OFFICE = {"name": "Urząd Testowy (bench)", "timezone": "Europe/Warsaw"}


def make_csv(rows: int) -> bytes:
    lines = [
        "inventory_no;category;manufacturer;model;serial;purchase_date;purchase_document;"
        "price;location;holder;status;retired_date"
    ]
    for i in range(1, rows + 1):
        retired = "2025-06-30" if i % 10 == 0 else ""
        lines.append(
            f"INV-TEST-{i:06d};{('desktop', 'laptop', 'printer', 'monitor')[i % 4]};Dell;"
            f"Model {i % 17};SN-TEST-{i:08d};20{10 + i % 15:02d}-0{1 + i % 9}-1{i % 9};"
            f"FV/{i}/2024;{1000 + i % 3000},50;Pokój {i % 120};Jan Testowy;in_use;{retired}"
        )
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


def bench_import(url: str, rows: int) -> None:
    settings = validate({"office": OFFICE, "storage": {"url": url}})
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    raw = make_csv(rows)
    now = datetime.now(UTC)
    start = time.perf_counter()
    with session_scope(sessions) as db:
        result = import_inventory(db, raw, ZoneInfo(settings.office.timezone), now, "bench")
    elapsed = time.perf_counter() - start
    print(
        f"import {rows} rows ({len(raw) / 1e6:.1f} MB): {elapsed:.2f} s "
        f"({result.created} created)  goal < 5 s"
    )
    bad = raw.replace(b"-1", b"-3", 1)
    start = time.perf_counter()
    try:
        with session_scope(sessions) as db:
            import_inventory(
                db, bad.replace(b"INV-TEST-", b"INV-BAD-"), ZoneInfo(settings.office.timezone), now
            )
    except Exception as exc:  # noqa: BLE001 - we expect the rejection
        print(
            f"reject {rows} rows with one bad row: {time.perf_counter() - start:.2f} s "
            f"({str(exc).splitlines()[1][:60]}…)"
        )
    engine.dispose()


def report_for(i: int) -> AgentReport:
    return AgentReport(
        agent_version="bench",
        hostname=f"pc-bench-{i:04d}",
        collected_at=datetime.now(UTC),
        hardware=Hardware(
            vendor="Dell Inc.",
            product="OptiPlex 7010",
            serial=f"BENCH-SN-{i:06d}",
            uuid=f"00000000-0000-4000-8000-{i:012d}",
            chassis_type=3,
        ),
        cpu=Cpu(model="Test CPU", cores=4, threads=8),
        memory_bytes=16 * 1024**3,
        disks=[Disk(device="sda", model="TEST SSD", serial=f"D{i}", size_bytes=512 * 10**9)],
        nics=[
            Nic(
                name="eth0",
                mac=f"02:00:00:{i // 65536 % 256:02x}:{i // 256 % 256:02x}:{i % 256:02x}",
            )
        ],
        os=OsInfo(system="Windows", name="Windows", pretty="Windows 11 Pro", version="10.0"),
        antivirus={  # what ``itops agent`` sends from Get-MpComputerStatus
            "product": "Microsoft Defender",
            "service_enabled": True,
            "enabled": True,
            "real_time_protection": True,
            "antispyware_enabled": True,
            "signature_updated": datetime.now(UTC).replace(hour=6).isoformat(),
            "signature_version": "1.421.0.0",
            "product_version": "4.18.24090.11",
            "engine_version": "1.1.24090.11",
            "last_quick_scan": None,
            "last_full_scan": None,
            "tamper_protected": True,
        },
    )


@dataclass
class Round:
    kind: str
    rate: float
    p50: float
    p99: float
    wall: float
    errors: dict[int, int]
    cpu_per_1000: float  # CPU seconds of the server process per 1,000 reports


async def bench_agents(
    url: str, agents: int, repeats: int, ports: list[int], server_pids: list[int]
) -> list[Round]:
    import aiohttp
    import psutil

    servers = [psutil.Process(pid) for pid in server_pids]

    def server_cpu() -> float:
        return sum(float(t.user + t.system) for t in (s.cpu_times() for s in servers))

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    tokens = [f"bench-token-{i:04d}-{os.urandom(8).hex()}" for i in range(agents)]
    with session_scope(sessions) as db:
        for i, token in enumerate(tokens):
            db.add(
                AgentToken(
                    hostname=f"pc-bench-{i:04d}",
                    token_sha256=hash_token(token),
                    created_at=datetime.now(UTC),
                    revoked=False,
                )
            )
    engine.dispose()
    bodies = [report_for(i).model_dump_json().encode() for i in range(agents)]
    # Several nodes: agent i reports to node i % N (a load balancer's round robin).
    bases = [f"http://127.0.0.1:{port}/api/v1/agent/report" for port in ports]
    latencies: list[float] = []
    errors: dict[int, int] = {}
    rounds: list[Round] = []
    # A new connection per report, as the agent (urllib) makes one.
    connector = aiohttp.TCPConnector(limit=agents, force_close=True)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(i: int) -> None:
            start = time.perf_counter()
            try:
                async with session.post(
                    bases[i % len(bases)],
                    data=bodies[i],
                    headers={
                        "Authorization": f"Bearer {tokens[i]}",
                        "Content-Type": "application/json",
                    },
                ) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            if status != 200:
                errors[status] = errors.get(status, 0) + 1
            latencies.append(time.perf_counter() - start)

        for round_no in range(1 + repeats):
            latencies.clear()
            errors.clear()
            cpu = server_cpu()
            start = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(agents)))
            elapsed = time.perf_counter() - start
            cpu = server_cpu() - cpu
            lat = sorted(latencies)
            p99 = lat[max(0, math.ceil(len(lat) * 0.99) - 1)]
            kind = "discovery (first reports)" if round_no == 0 else "repeat reports"
            found = Round(
                kind,
                agents / elapsed,
                statistics.median(lat),
                p99,
                elapsed,
                dict(errors),
                1000 * cpu / agents,
            )
            rounds.append(found)
            print(
                f"  {agents} concurrent agents, {kind}: {found.rate:.0f} reports/s, "
                f"p50 {found.p50 * 1000:.0f} ms, p99 {found.p99 * 1000:.0f} ms, "
                f"wall {elapsed:.2f} s, server CPU {found.cpu_per_1000:.2f} s per 1,000 reports, "
                f"errors {found.errors or 'none'}",
                flush=True,
            )
    return rounds


def stored_counts(url: str) -> tuple[int, int, int]:
    """(assets of bench hosts, antivirus hosts, antivirus reports) in the database."""
    from sqlalchemy import func, select

    from checks.backups.models import AvHost, AvReport
    from inventory.models import Asset

    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            assets = (
                db.scalar(
                    select(func.count()).select_from(Asset).where(Asset.hostname.like("pc-bench-%"))
                )
                or 0
            )
            hosts = db.scalar(select(func.count()).select_from(AvHost)) or 0
            reports = db.scalar(select(func.count()).select_from(AvReport)) or 0
    finally:
        engine.dispose()
    return int(assets), int(hosts), int(reports)


def serve(url: str, port: int) -> None:
    import uvicorn

    from inventory.api import REPORT_PATH
    from itops.web.app import create_app

    settings = validate({"office": OFFICE, "storage": {"url": url}})
    engine = make_engine(url)
    ctx = AppContext(
        settings=settings,
        config_path=Path("bench.toml"),
        engine=engine,
        sessions=make_sessionmaker(engine),
    )
    app = create_app(ctx)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=4096,
    )
    [route] = [r for r in app.routes if getattr(r, "path", None) == REPORT_PATH]
    writer = route.endpoint.__self__.writer  # type: ignore[attr-defined]
    if writer.batches:
        print(
            f"  server: {writer.stored} reports in {writer.batches} transactions "
            f"(mean batch {writer.stored / writer.batches:.1f}, largest "
            f"{writer.largest_batch}); writer busy {writer.busy_seconds:.2f} s, "
            f"{1000 * writer.busy_seconds / writer.stored:.2f} ms per report "
            f"({1000 * writer.cpu_seconds / writer.stored:.2f} ms of its CPU)",
            flush=True,
        )


@contextlib.contextmanager
def scratch_database(admin_url: str | None) -> Iterator[str | None]:
    """A throw-away PostgreSQL database beside ``admin_url`` (never the one given)."""
    if not admin_url:
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"itops_bench_{os.urandom(6).hex()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs"


def bench_engine(engine_name: str, admin_url: str, args: argparse.Namespace) -> list[Round]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database(admin_url if engine_name == "postgresql" else None) as pg_url,
    ):
        url = pg_url or f"sqlite:///{tmp}/bench.db"
        print(f"database: {engine_name}  ({load()})", flush=True)
        upgrade(url)
        from itops.daemon import sync_units

        settings = validate({"office": OFFICE, "storage": {"url": url}})
        engine = make_engine(url)
        sync_units(
            AppContext(
                settings=settings,
                config_path=Path("x"),
                engine=engine,
                sessions=make_sessionmaker(engine),
            )
        )
        engine.dispose()
        if args.rows:
            bench_import(url, args.rows)
        from tests.conftest import free_port

        # SQLite has one writer at a time: several nodes only on PostgreSQL.
        nodes = args.nodes if engine_name == "postgresql" else 1
        ports = [free_port() for _ in range(nodes)]
        print(f"  {nodes} server process(es) on one database", flush=True)
        servers = [
            subprocess.Popen(
                [sys.executable, __file__, "--database-url", url, "--serve-port", str(port)]
            )
            for port in ports
        ]
        try:
            import socket

            for port in ports:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    with socket.socket() as s:
                        if s.connect_ex(("127.0.0.1", port)) == 0:
                            break
                    time.sleep(0.1)
            rounds = asyncio.run(
                bench_agents(url, args.agents, args.repeats, ports, [s.pid for s in servers])
            )
        finally:
            for server in servers:
                server.send_signal(signal.SIGINT)
            for server in servers:
                server.wait(timeout=30)
        acked = [r for r in rounds if not r.errors]
        assets, av_hosts, av_reports = stored_counts(url)
        ok = sum(args.agents - sum(r.errors.values()) for r in rounds)
        print(
            f"  stored afterwards: {assets} assets, {av_hosts} antivirus hosts, "
            f"{av_reports} antivirus reports for {ok} acknowledged reports "
            f"({'none lost' if av_reports >= ok and assets == args.agents else 'LOST'}, "
            f"{'none doubled' if av_reports <= args.agents * len(rounds) else 'DOUBLED'}); "
            f"{len(acked)}/{len(rounds)} rounds without errors  ({load()})",
            flush=True,
        )
        return rounds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ITOPS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a server where a scratch database may be created (and is dropped after)",
    )
    parser.add_argument("--rows", type=int, default=10_000, help="CSV import rows (0: skip)")
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3, help="repeat rounds after discovery")
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="server processes on one PostgreSQL database (agents spread over them)",
    )
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--serve-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_port:
        serve(args.database_url, args.serve_port)
        return
    summary: list[str] = []
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        rounds = bench_engine(name, args.postgres_url, args)
        first, repeat = rounds[0], rounds[1:]
        line = (
            f"{name:<10} discovery {first.rate:5.0f}/s p50 {first.p50 * 1000:5.0f} ms "
            f"p99 {first.p99 * 1000:5.0f} ms CPU {first.cpu_per_1000:.2f} s/1000"
        )
        if repeat:
            best = statistics.median(r.rate for r in repeat)
            line += (
                f" | repeat (median of {len(repeat)}) {best:5.0f}/s p50 "
                f"{statistics.median(r.p50 for r in repeat) * 1000:5.0f} ms p99 "
                f"{statistics.median(r.p99 for r in repeat) * 1000:5.0f} ms CPU "
                f"{statistics.median(r.cpu_per_1000 for r in repeat):.2f} s/1000"
            )
        summary.append(line)
    print(
        f"summary ({args.agents} concurrent agents; goal >= 500 reports/s, p99 < 1000 ms; "
        f"CPU: server process CPU seconds per 1,000 reports, fairer on a shared machine; "
        f"{load()}):"
    )
    for line in summary:
        print("  " + line)


if __name__ == "__main__":
    main()
