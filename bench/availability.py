"""KPI 1 benchmark: a synthetic year → ``itops availability --json``; storage of a year.

1. ``--checks`` (default 1,000) checks with realistic outages (about a dozen a year each,
   minutes to hours, some across nights and weekends, some reclassified), per-check
   gaps, itops-wide gaps and maintenance windows; time ``itops availability --from
   2026-01-01 --to 2027-01-01 --json`` as a subprocess (what a user waits for) and
   ``compute()`` in-process.
2. ``--size-checks`` (default 500) checks at 60 s for a year, stored as itops stores it:
   outage and gap intervals, daily rollups for the year, hourly rollups for the last
   ``hourly_retention``, raw rows (failures, status changes, hourly samples) for the
   last ``raw_retention``; print the database size.
Pass ``--url postgresql+psycopg://…/dbname`` (an empty database) to run on PostgreSQL.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from checks.availability.kpi import compute  # noqa: E402
from checks.availability.models import (  # noqa: E402
    MonitoringGap,
    Outage,
    OutageReclassification,
    ProbeResultRow,
    ProbeRollup,
)
from itops.config import load  # noqa: E402
from itops.db.models import OrgUnit  # noqa: E402
from itops.db.session import make_engine, make_sessionmaker, session_scope, upgrade  # noqa: E402

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=1)
YEAR = timedelta(days=365)


def config_text(url: str, n: int) -> str:
    lines = [
        "[office]",
        'name = "Urząd Testowy (bench)"',
        "",
        "[storage]",
        f'url = "{url}"',
        "",
        "[[maintenance]]",
        'name = "okno serwisowe"',
        'weekdays = ["wednesday"]',
        'hours = "07:30-08:00"',
        "exclude_from_availability = true",
        "",
    ]
    for i in range(n):
        lines += [
            "[[checks]]",
            f'name = "system-{i:04d}"',
            'kind = "tcp"',
            'host = "127.0.0.1"',
            f"port = {1000 + i % 50000}",
            "",
        ]
    return "\n".join(lines)


def synthetic_outages(rng: random.Random, names: list[str]) -> tuple[list[dict[str, Any]], ...]:
    outages: list[dict[str, Any]] = []
    gaps: list[dict[str, Any]] = []
    created = datetime(2027, 1, 2, tzinfo=UTC)
    for name in names:
        for _ in range(rng.randint(4, 20)):
            start = YEAR_START + timedelta(seconds=rng.uniform(0, YEAR.total_seconds()))
            minutes = math.exp(rng.gauss(math.log(40), 1.2))  # median 40 min, long tail
            outages.append(
                {
                    "check_name": name,
                    "unit_id": "office",
                    "start": start,
                    "end": start + timedelta(minutes=min(minutes, 5 * 24 * 60)),
                    "cause": rng.choices(["failure", "planned", "external"], [8, 1, 1])[0],
                    "source": "probe",
                    "summary": "synthetic",
                    "note": "",
                    "created_at": created,
                }
            )
        for _ in range(rng.randint(0, 4)):
            start = YEAR_START + timedelta(seconds=rng.uniform(0, YEAR.total_seconds()))
            gaps.append(
                {
                    "unit_id": "office",
                    "check_name": name,
                    "start": start,
                    "end": start + timedelta(minutes=rng.uniform(1, 120)),
                    "reason": "synthetic UNKNOWN",
                }
            )
    for _ in range(8):
        start = YEAR_START + timedelta(seconds=rng.uniform(0, YEAR.total_seconds()))
        gaps.append(
            {
                "unit_id": None,
                "check_name": None,
                "start": start,
                "end": start + timedelta(minutes=rng.uniform(1, 600)),
                "reason": "itops not running",
            }
        )
    return outages, gaps


def bulk(db: Any, table: Any, rows: list[dict[str, Any]], chunk: int = 20_000) -> None:
    for i in range(0, len(rows), chunk):
        db.execute(insert(table), rows[i : i + chunk])


def fresh_db(url: str | None, folder: Path, name: str) -> str:
    if url is None:
        db_url = f"sqlite:///{folder / name}"
    else:
        db_url = url
        engine = make_engine(db_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    upgrade(db_url)
    return db_url


def db_size(db_url: str, folder: Path, name: str) -> float:
    if db_url.startswith("sqlite"):
        files = [folder / name, folder / f"{name}-wal"]
        return sum(f.stat().st_size for f in files if f.exists()) / 2**20
    engine = make_engine(db_url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return float(size) / 2**20


def _timed(argv: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds (user + system, the child's own) of one ``itops`` run."""
    t0 = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [str(Path(sys.executable).parent / "itops"), *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def help_start() -> None:
    """``itops --help`` (goal < 0.3 s): the median of 5 runs."""
    runs = sorted(_timed(["--help"])[:2] for _ in range(5))
    wall, cpu = runs[2]
    print(
        f"itops --help: median {wall:.2f}s wall, {cpu:.2f}s CPU (5 runs); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


def kpi_year(url: str | None, folder: Path, n: int, rng: random.Random) -> None:
    db_url = fresh_db(url, folder, "year.db")
    config = folder / "itops.toml"
    config.write_text(config_text(db_url, n), encoding="utf-8")
    names = [f"system-{i:04d}" for i in range(n)]
    outages, gaps = synthetic_outages(rng, names)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    t0 = time.monotonic()
    with session_scope(sessions) as db:
        db.add(OrgUnit(id="office", name="Urząd Testowy (bench)"))
        db.flush()
        bulk(db, Outage, outages)
        bulk(db, MonitoringGap, gaps)
        some = rng.sample(range(1, len(outages) + 1), k=len(outages) // 50)
        bulk(
            db,
            OutageReclassification,
            [
                {
                    "outage_id": i,
                    "at": datetime(2027, 1, 2, tzinfo=UTC),
                    "actor": "bench",
                    "from_cause": "failure",
                    "to_cause": "false_alarm",
                    "reason": "synthetic",
                }
                for i in some
            ],
        )
    print(
        f"year: {n} checks, {len(outages)} outages, {len(gaps)} gaps inserted "
        f"in {time.monotonic() - t0:.1f}s"
    )
    settings = load(config, environ={})
    with session_scope(sessions) as db:
        t0, c0 = time.monotonic(), time.process_time()
        report = compute(
            db, settings, date(2026, 1, 1), date(2027, 1, 1), now=datetime(2027, 1, 2, tzinfo=UTC)
        )
        inproc, cpu = time.monotonic() - t0, time.process_time() - c0
    engine.dispose()
    print(
        f"compute() in-process: {inproc:.2f}s wall, {cpu:.2f}s CPU, office availability "
        f"{report.office.availability:.6f}, {len(report.outages)} working-hours outages"
    )
    wall, cpu, out = _timed(
        ["--config", str(config), "availability", "--from", "2026-01-01", "--to", "2027-01-01"]
        + ["--json"]
    )
    if out.returncode != 0:
        print(out.stderr)
        raise SystemExit(1)
    print(
        f"itops availability --json (whole year, {n} checks): {wall:.2f}s wall, "
        f"{cpu:.2f}s CPU (incl. interpreter start), {len(out.stdout) / 1024:.0f} KiB of JSON; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


def storage_year(url: str | None, folder: Path, n: int, rng: random.Random) -> None:
    db_url = fresh_db(url, folder, "size.db")
    empty = db_size(db_url, folder, "size.db")  # the schema alone (PostgreSQL: ~8 MiB)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    names = [f"system-{i:04d}" for i in range(n)]
    outages, gaps = synthetic_outages(rng, names)
    end = YEAR_START + YEAR
    tz_day = timedelta(days=1)
    hourly_from = end - timedelta(days=31)
    raw_from = end - timedelta(days=31)
    t0 = time.monotonic()
    rows = 0
    with session_scope(sessions) as db:
        db.add(OrgUnit(id="office", name="Urząd Testowy (bench)"))
        db.flush()
        bulk(db, Outage, outages)
        bulk(db, MonitoringGap, gaps)
        rows += len(outages) + len(gaps)
    for name in names:
        rollups: list[dict[str, Any]] = []
        day = YEAR_START
        while day < hourly_from:
            rollups.append(_rollup(rng, name, day, 86400, 1440))
            day += tz_day
        hour = hourly_from
        while hour < end:
            rollups.append(_rollup(rng, name, hour, 3600, 60))
            hour += timedelta(hours=1)
        raw: list[dict[str, Any]] = []
        at = raw_from
        while at < end:  # one thin sample an hour
            raw.append(
                {
                    "check_name": name,
                    "at": at,
                    "status": 0,
                    "duration": 0.003,
                    "summary": "connected in 3.0 ms",
                    "reason": "sample",
                }
            )
            at += timedelta(hours=1)
        for outage in outages:
            if outage["check_name"] != name or outage["start"] < raw_from:
                continue
            probe = outage["start"]
            while probe < outage["end"]:  # every failed probe, 60 s apart
                raw.append(
                    {
                        "check_name": name,
                        "at": probe,
                        "status": 2,
                        "duration": 10.0,
                        "summary": "cannot connect: Connection refused",
                        "reason": "failure",
                    }
                )
                probe += timedelta(seconds=60)
        with session_scope(sessions) as db:
            bulk(db, ProbeRollup, rollups)
            bulk(db, ProbeResultRow, raw)
        rows += len(rollups) + len(raw)
    engine.dispose()
    size = db_size(db_url, folder, "size.db")
    print(
        f"storage: {n} checks at 60 s for a year = {n * 525_600 / 1e6:.0f} M probes → "
        f"{rows} rows stored in {time.monotonic() - t0:.0f}s; database size {size:.1f} MiB "
        f"(empty schema {empty:.1f} MiB): growth {(size - empty) / n:.2f} MiB per check-year "
        f"(goal ~0.30); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


def _rollup(
    rng: random.Random, name: str, start: datetime, seconds: int, count: int
) -> dict[str, Any]:
    lat = rng.uniform(0.001, 0.01)
    return {
        "check_name": name,
        "start": start,
        "seconds": seconds,
        "count": count,
        "failures": 0 if rng.random() > 0.02 else rng.randint(1, 30),
        "unknowns": 0,
        "latency_min": lat / 2,
        "latency_sum": lat * count,
        "latency_max": lat * 5,
        "latency_p95": lat * 2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--size-checks", type=int, default=500)
    parser.add_argument("--url", default=None, help="empty PostgreSQL database (default SQLite)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        help_start()
        kpi_year(args.url, folder, args.checks, rng)
        if args.size_checks:
            storage_year(args.url, folder, args.size_checks, rng)


if __name__ == "__main__":
    main()
