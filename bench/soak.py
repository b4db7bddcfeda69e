"""Soak: the real ``itops run`` for N minutes with 2,000 checks and 200 reporting agents.

    .venv/bin/python bench/soak.py [--minutes 60] [--checks 2000] [--agents 200]
                                   [--interval 60] [--database-url URL]

1. Targets (TCP and HTTP servers) run in their own process on 127.0.0.1.
2. ``itops run`` (a subprocess, SQLite in a temp dir unless ``--database-url``) probes
   ``--checks`` checks, half TCP and half HTTP, every ``--interval`` seconds.
3. ``--agents`` agents POST a report every minute through the real agent API, each with
   its own host token (only its hash is stored, as ``itops agent token create`` does).
4. At the end the daemon is stopped with SIGTERM (its rollups are flushed) and the
   script prints RSS at start (after the first minute) and at the end, RSS growth (goal:
   no more than 10 %), probes/s from the stored rollups, the database size and every
   kind of error seen (agent answers other than 200, UNKNOWN results, ERROR log lines).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bench.bench_checks import start_targets  # noqa: E402
from bench.bench_inventory import report_for  # noqa: E402
from inventory.api import hash_token  # noqa: E402
from inventory.models import AgentToken  # noqa: E402
from itops.db.session import make_engine, make_sessionmaker, session_scope, upgrade  # noqa: E402

OFFICE = textwrap.dedent(
    """
    [office]
    name = "Urząd Testowy (soak)"
    timezone = "Europe/Warsaw"
    [office.hours]
    monday = ["08:00-16:00"]
    """
)


def write_config(
    path: Path, db_url: str, port: int, checks: int, interval: int, tcp: list[int], http: list[int]
) -> None:
    parts = [
        OFFICE,
        f'[storage]\nurl = "{db_url}"\n',
        f'[web]\nbind = "127.0.0.1:{port}"\n',
        '[daemon]\nmax_concurrency = 500\nheartbeat_interval = "10s"\n',
    ]
    for i in range(checks):
        if i % 2 == 0:
            parts.append(
                f'[[checks]]\nname = "soak-tcp-{i}"\nkind = "tcp"\nhost = "127.0.0.1"\n'
                f'port = {tcp[i % len(tcp)]}\ninterval = "{interval}s"\ntimeout = "5s"\n'
            )
        else:
            parts.append(
                f'[[checks]]\nname = "soak-http-{i}"\nkind = "http"\n'
                f'url = "http://127.0.0.1:{http[i % len(http)]}/"\n'
                f'interval = "{interval}s"\ntimeout = "5s"\n'
            )
    path.write_text("\n".join(parts), encoding="utf-8")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_tokens(db_url: str, agents: int) -> list[str]:
    engine = make_engine(db_url)
    tokens = [f"soak-token-{i:04d}-{os.urandom(8).hex()}" for i in range(agents)]
    with session_scope(make_sessionmaker(engine)) as db:
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
    return tokens


async def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"itops run exited with {proc.returncode}")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("itops run did not answer /healthz in time")


async def agents_loop(port: int, tokens: list[str], until: float, errors: dict[str, int]) -> int:
    """Every agent reports once a minute, spread over the minute; returns reports sent."""
    url = f"http://127.0.0.1:{port}/api/v1/agent/report"
    sent = 0
    connector = aiohttp.TCPConnector(limit=50, force_close=True)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=60)
    ) as session:

        async def one(i: int) -> None:
            nonlocal sent
            body = report_for(i).model_copy(update={"collected_at": datetime.now(UTC)})
            try:
                async with session.post(
                    url,
                    data=body.model_dump_json().encode(),
                    headers={
                        "Authorization": f"Bearer {tokens[i]}",
                        "Content-Type": "application/json",
                    },
                ) as resp:
                    await resp.read()
                    if resp.status != 200:
                        key = f"agent HTTP {resp.status}"
                        errors[key] = errors.get(key, 0) + 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                key = f"agent {type(exc).__name__}"
                errors[key] = errors.get(key, 0) + 1
            sent += 1

        step = 60 / max(1, len(tokens))
        tasks: set[asyncio.Task[None]] = set()
        minute = 0
        while time.monotonic() < until:
            t0 = time.monotonic()
            for i in range(len(tokens)):
                if time.monotonic() >= until:
                    break
                task = asyncio.create_task(one(i))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                await asyncio.sleep(max(0.0, t0 + (i + 1) * step - time.monotonic()))
            minute += 1
        if tasks:
            await asyncio.gather(*tasks)
    return sent


async def sample_rss(
    pid: int, until: float, first_after: float, samples: list[tuple[float, float]]
) -> None:
    proc = psutil.Process(pid)
    t0 = time.monotonic()
    while time.monotonic() < until:
        if time.monotonic() - t0 >= first_after or not samples:
            samples.append((time.monotonic() - t0, proc.memory_info().rss / 2**20))
        await asyncio.sleep(5)


def database_figures(db_url: str, path: Path | None) -> tuple[int, int, int, float]:
    """(probes, failures, unknowns, size in MiB) from the stored rollups."""
    from sqlalchemy import func, select

    from checks.availability.models import ProbeRollup

    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        count, failures, unknowns = db.execute(
            select(
                func.sum(ProbeRollup.count),
                func.sum(ProbeRollup.failures),
                func.sum(ProbeRollup.unknowns),
            )
        ).one()
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            size = float(db.scalar(text("SELECT pg_database_size(current_database())")) or 0)
        else:
            size = float(
                sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) if path else 0
            )
    engine.dispose()
    return int(count or 0), int(failures or 0), int(unknowns or 0), size / 2**20


async def soak(args: argparse.Namespace, tmp: Path) -> None:
    db_url = args.database_url or f"sqlite:///{tmp / 'soak.db'}"
    sqlite_file = make_url(db_url).database if db_url.startswith("sqlite") else None
    db_path = Path(sqlite_file) if sqlite_file else None
    upgrade(db_url)
    tokens = make_tokens(db_url, args.agents)
    targets, tcp, http = start_targets(50)
    port = free_port()
    config = tmp / "itops.toml"
    write_config(config, db_url, port, args.checks, args.interval, tcp, http)
    log = tmp / "daemon.log"
    env = {k: v for k, v in os.environ.items() if k not in ("ITOPS_DATABASE_URL", "ITOPS_CONFIG")}
    with log.open("wb") as handle:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "itops", "--config", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=handle,
            env=env,
        )
        errors: dict[str, int] = {}
        try:
            await wait_ready(port, daemon)
            started = time.monotonic()
            until = started + args.minutes * 60
            samples: list[tuple[float, float]] = []
            first_after = min(60.0, args.minutes * 60 / 4)
            _, sent = await asyncio.gather(
                sample_rss(daemon.pid, until, first_after, samples),
                agents_loop(port, tokens, until, errors),
            )
            rss_end = psutil.Process(daemon.pid).memory_info().rss / 2**20
            elapsed = time.monotonic() - started
            alive = daemon.poll() is None
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                code = daemon.wait(60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                code = daemon.wait()
            targets.kill()
            targets.wait()
    probes, failures, unknowns, size = database_figures(db_url, db_path)
    text = log.read_text(encoding="utf-8", errors="replace")
    log_errors = sum(1 for line in text.splitlines() if " ERROR " in line or "Traceback" in line)
    warm = [rss for t, rss in samples if t >= first_after]
    rss_start = warm[0] if warm else samples[0][1]
    growth = (rss_end - rss_start) / rss_start * 100
    print(
        f"soak: {args.minutes} min, {args.checks} checks every {args.interval} s, "
        f"{args.agents} agents every 60 s, database {db_url.split(':')[0]}"
    )
    print(
        f"RSS at start (after {first_after:.0f} s): {rss_start:.1f} MiB "
        f"(at READY {samples[0][1]:.1f} MiB), at end {rss_end:.1f} MiB, "
        f"growth {growth:+.1f} %  goal <= 10 %"
    )
    print(
        f"probes: {probes} in {elapsed:.0f} s = {probes / elapsed:.1f} probes/s "
        f"(expected {args.checks / args.interval:.1f}/s); failures {failures}, "
        f"unknown {unknowns}"
    )
    print(f"agent reports sent: {sent}")
    print(f"database size: {size:.1f} MiB")
    print(
        f"errors: {sum(errors.values())} agent {errors or ''}, {log_errors} ERROR log lines; "
        f"daemon alive to the end: {alive}, exit code {code}"
    )
    if log_errors:
        print("first error lines:")
        for line in [x for x in text.splitlines() if " ERROR " in x][:5]:
            print("  " + line[:200])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--interval", type=int, default=60, help="seconds between probes")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="itops-soak-") as tmp:
        asyncio.run(soak(args, Path(tmp)))


if __name__ == "__main__":
    main()
