"""How long the real ``itops run`` keeps answering while a big CSV import writes (SQLite).

    .venv/bin/python bench/stall.py [--rows 88000] [--via cli|dashboard|both]
                                    [--database-url URL]

1. A migrated SQLite database (temp dir) with an admin, an employee and one agent token.
2. ``itops run`` in a subprocess on a free 127.0.0.1 port.
3. Pollers request ``/healthz``, a static file, ``/metrics``, two dashboard pages (logged
   in) and the agent API back to back, while ``--rows`` inventory rows are imported by
   ``itops inventory import`` in another process and/or through the dashboard form.
4. Prints per endpoint: requests, worst and median latency, non-2xx answers; and the
   import's own wall time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.daemon import Daemon  # noqa: E402
from tests.faults.stall import Browser, cli_import, inventory_csv, pollers  # noqa: E402
from tests.faults.support import seed_office  # noqa: E402

HOST = "pc-stall-1"


def run(rows: int, via: str, db_url: str | None, tmp: Path) -> None:
    daemon = Daemon(tmp, '[inventory]\ncollect_interval = "1000d"\n', db_url=db_url)
    tokens = seed_office(daemon.db_url, [HOST])
    csv_file = inventory_csv(tmp / "duza-ewidencja.csv", rows)
    second = inventory_csv(tmp / "druga-ewidencja.csv", rows, prefix="D")
    try:
        daemon.start()
        daemon.wait_ready(60)
        browser = Browser(daemon.url(""))
        for name in ("cli", "dashboard"):
            if via not in (name, "both"):
                continue
            stop = threading.Event()
            workers = pollers(daemon.url(""), browser, HOST, tokens[HOST], stop)
            for worker in workers:
                worker.start()
            time.sleep(1)
            start = time.monotonic()
            if name == "cli":
                proc = cli_import(daemon.config, csv_file, daemon.env())
                out, err = proc.communicate(timeout=1800)
                outcome = out.strip() or err.strip().splitlines()[-1]
            else:
                outcome = f"HTTP {Browser(daemon.url('')).upload('/inventory/import', second)}"
            took = time.monotonic() - start
            stop.set()
            for worker in workers:
                worker.join(180)
            print(f"\n{name} import of {rows} rows: {took:.1f} s ({outcome})")
            print(f"{'endpoint':24} {'requests':>8} {'worst s':>8} {'median s':>9} {'non-2xx':>8}")
            for worker in workers:
                s = worker.series
                bad = sum(1 for code in s.statuses if not 200 <= code < 300)
                median = statistics.median(s.seconds) if s.seconds else 0.0
                print(f"{s.name:24} {len(s.seconds):8d} {s.worst:8.2f} {median:9.3f} {bad:8d}")
    finally:
        daemon.stop()
    load = os.getloadavg()
    print(f"\nload average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=88_000)
    parser.add_argument("--via", choices=("cli", "dashboard", "both"), default="both")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="itops-stall-"))
    try:
        run(args.rows, args.via, args.database_url, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
