"""Figures for the backups/antivirus feature: report ingestion, compliance query, scrape.

Run: .venv/bin/python bench/backups_antivirus.py [HOSTS]  (SQLite in a temp dir, or
ITOPS_BENCH_DATABASE_URL). Prints figures; never part of the test suite.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from checks.backups.metrics import BackupCollector
from checks.backups.public import antivirus_compliance, antivirus_year_summary
from checks.backups.service import service
from itops.clock import FixedClock
from itops.config import validate
from itops.context import AppContext
from itops.db.session import make_engine, make_sessionmaker, session_scope, upgrade


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    hosts = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    tmp = Path(tempfile.mkdtemp(prefix="itops-bench-"))
    url = os.environ.get("ITOPS_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    settings = validate({"office": {"name": "Urząd Testowy"}, "storage": {"url": url}})
    engine = make_engine(url)
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    ctx = AppContext(settings, tmp / "x.toml", engine, make_sessionmaker(engine), FixedClock(now))
    svc = service(ctx)
    t0 = time.perf_counter()
    for i in range(hosts):
        at = now - timedelta(minutes=i % 600)
        fields = {
            "AMServiceEnabled": True,
            "AntivirusEnabled": True,
            "RealTimeProtectionEnabled": i % 17 != 0,
            "AntivirusSignatureLastUpdated": (at - timedelta(days=i % 6)).isoformat(),
            "AntivirusSignatureVersion": "1.421.0.0",
            "AMRunningMode": "Normal",
        }
        svc.record_agent_antivirus(f"PC-{i:05d}", fields, at)
    ingest = time.perf_counter() - t0
    print(f"agent reports stored: {hosts} in {ingest:.2f} s ({1000 * ingest / hosts:.2f} ms each)")
    expected = [f"pc-{i:05d}" for i in range(hosts + 50)]
    t0 = time.perf_counter()
    with session_scope(ctx.sessions) as db:
        c = antivirus_compliance(db, settings, now, expected)
    print(
        f"antivirus_compliance over {len(expected)} expected hosts: "
        f"{1000 * (time.perf_counter() - t0):.1f} ms (ratio {c.ratio:.3f})"
    )
    t0 = time.perf_counter()
    with session_scope(ctx.sessions) as db:
        year = antivirus_year_summary(db, settings, 2026, now)
    print(
        f"antivirus_year_summary over {year.hosts} hosts: "
        f"{1000 * (time.perf_counter() - t0):.1f} ms"
    )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BackupCollector(svc))
    runs = 20
    t0 = time.perf_counter()
    for _ in range(runs):
        text = generate_latest(registry)
    scrape = (time.perf_counter() - t0) / runs
    print(f"/metrics collection with {hosts} hosts: {1000 * scrape:.1f} ms ({len(text)} bytes)")
    engine.dispose()


if __name__ == "__main__":
    main()
