"""Inventory benchmarks: a 10,000-row CSV import and 500 concurrent agents.

    .venv/bin/python bench/bench_inventory.py [--database-url URL] [--agents 500] [--rounds 2]

Without ``--database-url`` a fresh SQLite file in a temporary folder is used; with a
PostgreSQL URL a scratch database is created next to it and dropped afterwards. The
server runs in a separate process (uvicorn, the real app) on 127.0.0.1; the agents
are aiohttp clients in this process, each POSTing a distinct host's report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
    lines = ["inventory_no;category;manufacturer;model;serial;purchase_date;purchase_document;"
             "price;location;holder;status;retired_date"]
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
    print(f"import {rows} rows ({len(raw) / 1e6:.1f} MB): {elapsed:.2f} s "
          f"({result.created} created)  goal < 5 s")
    bad = raw.replace(b"-1", b"-3", 1)
    start = time.perf_counter()
    try:
        with session_scope(sessions) as db:
            import_inventory(db, bad.replace(b"INV-TEST-", b"INV-BAD-"),
                             ZoneInfo(settings.office.timezone), now)
    except Exception as exc:  # noqa: BLE001 - we expect the rejection
        print(f"reject {rows} rows with one bad row: {time.perf_counter() - start:.2f} s "
              f"({str(exc).splitlines()[1][:60]}…)")
    engine.dispose()


def report_for(i: int) -> AgentReport:
    return AgentReport(
        agent_version="bench", hostname=f"pc-bench-{i:04d}", collected_at=datetime.now(UTC),
        hardware=Hardware(vendor="Dell Inc.", product="OptiPlex 7010",
                          serial=f"BENCH-SN-{i:06d}", uuid=f"00000000-0000-4000-8000-{i:012d}",
                          chassis_type=3),
        cpu=Cpu(model="Test CPU", cores=4, threads=8), memory_bytes=16 * 1024**3,
        disks=[Disk(device="sda", model="TEST SSD", serial=f"D{i}", size_bytes=512 * 10**9)],
        nics=[Nic(name="eth0", mac=f"02:00:00:{i // 65536 % 256:02x}:{i // 256 % 256:02x}:"
                                   f"{i % 256:02x}")],
        os=OsInfo(system="Windows", name="Windows", pretty="Windows 11 Pro", version="10.0"),
        antivirus={"product": "Microsoft Defender", "enabled": True},
    )


async def bench_agents(url: str, agents: int, rounds: int, port: int) -> None:
    import aiohttp

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    tokens = [f"bench-token-{i:04d}-{os.urandom(8).hex()}" for i in range(agents)]
    with session_scope(sessions) as db:
        for i, token in enumerate(tokens):
            db.add(AgentToken(hostname=f"pc-bench-{i:04d}", token_sha256=hash_token(token),
                              created_at=datetime.now(UTC), revoked=False))
    engine.dispose()
    bodies = [report_for(i).model_dump_json().encode() for i in range(agents)]
    base = f"http://127.0.0.1:{port}/api/v1/agent/report"
    latencies: list[float] = []
    errors: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=agents, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int) -> None:
            start = time.perf_counter()
            async with session.post(base, data=bodies[i], headers={
                    "Authorization": f"Bearer {tokens[i]}",
                    "Content-Type": "application/json"}) as response:
                await response.read()
                if response.status != 200:
                    errors[response.status] = errors.get(response.status, 0) + 1
            latencies.append(time.perf_counter() - start)

        for round_no in range(1, rounds + 1):
            latencies.clear()
            start = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(agents)))
            elapsed = time.perf_counter() - start
            lat = sorted(latencies)
            p99 = lat[max(0, int(len(lat) * 0.99) - 1)]
            kind = "first reports (discovery)" if round_no == 1 else "repeat reports"
            print(f"{agents} concurrent agents, {kind}: {agents / elapsed:.0f} reports/s, "
                  f"p50 {statistics.median(lat) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
                  f"wall {elapsed:.2f} s, errors {errors or 'none'}")


def serve(url: str, port: int) -> None:
    import uvicorn

    from itops.web.app import create_app

    settings = validate({"office": OFFICE, "storage": {"url": url}})
    engine = make_engine(url)
    ctx = AppContext(settings=settings, config_path=Path("bench.toml"), engine=engine,
                     sessions=make_sessionmaker(engine))
    uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_level="warning",
                access_log=False, lifespan="off", backlog=2048)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_port:
        serve(args.database_url, args.serve_port)
        return
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.database_url) as pg_url:
        url = pg_url or f"sqlite:///{tmp}/bench.db"
        engine_name = url.split(":", 1)[0]
        print(f"database: {engine_name}")
        upgrade(url)
        from itops.daemon import sync_units

        settings = validate({"office": OFFICE, "storage": {"url": url}})
        engine = make_engine(url)
        sync_units(AppContext(settings=settings, config_path=Path("x"), engine=engine,
                              sessions=make_sessionmaker(engine)))
        engine.dispose()
        bench_import(url, args.rows)
        from tests.conftest import free_port

        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--database-url", url,
                                   "--serve-port", str(port)])
        try:
            import socket

            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
            asyncio.run(bench_agents(url, args.agents, args.rounds, port))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
