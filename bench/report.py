"""Annual report benchmark: a year with 500 checks, 2,000 assets and 5,000 outages.

Builds the year in a temporary SQLite database (or ``--url``, an empty database), then
times ``collect`` (every number, through the features' public functions), the HTML and
the PDF (WeasyPrint) separately, and ``itops report annual`` as a subprocess (what the
officer waits for). Goal: HTML + PDF in under 10 s. Prints the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from checks.availability.models import Outage  # noqa: E402
from inventory import ledger, repairs  # noqa: E402
from itops.config import load  # noqa: E402
from itops.context import AppContext  # noqa: E402
from itops.daemon import sync_units  # noqa: E402
from itops.db.session import session_scope, upgrade  # noqa: E402
from reports.annual import collect  # noqa: E402
from reports.render import render_html, render_pdf  # noqa: E402

YEAR = 2025
TZ = "Europe/Warsaw"


def config_text(url: str, checks: int) -> str:
    lines = ["[office]", 'name = "Urząd Testowy (bench)"', "", "[storage]", f'url = "{url}"', ""]
    for i in range(checks):
        lines += [
            "[[checks]]",
            f'name = "system-{i:04d}"',
            'kind = "tcp"',
            'host = "127.0.0.1"',
            f"port = {1000 + i}",
            "",
        ]
    return "\n".join(lines)


def build(app: AppContext, checks: int, assets: int, outages: int, rng: random.Random) -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(TZ)
    now = datetime(YEAR + 1, 1, 5, tzinfo=UTC)
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    rows = []
    for _ in range(outages):
        begin = start + timedelta(seconds=rng.randrange(0, 364 * 86400))
        rows.append(
            {
                "check_name": f"system-{rng.randrange(checks):04d}",
                "unit_id": "office",
                "start": begin,
                "end": begin + timedelta(minutes=rng.randrange(2, 240)),
                "cause": rng.choice(["failure"] * 8 + ["planned", "external"]),
                "source": "probe",
                "summary": "connection refused",
                "note": "",
                "created_at": now,
            }
        )
    categories = ["desktop"] * 6 + ["laptop"] * 2 + ["printer", "server", "network", "ups"]
    with session_scope(app.sessions) as db:
        db.execute(insert(Outage), rows)
        for i in range(assets):
            bought = date(YEAR - rng.randrange(0, 10), rng.randrange(1, 13), rng.randrange(1, 29))
            ledger.create_asset(
                db,
                ledger.AssetInput(
                    inventory_no=f"INV-BENCH-{i:05d}",
                    category=rng.choice(categories),
                    purchase_date=bought,
                    purchase_document=f"FV/{bought.year}/{i:05d}",
                ),
                tz,
                now,
                "bench",
            )
        for i in range(assets // 10):
            repairs.add_protocol(
                db,
                repairs.ProtocolInput(
                    f"PN/{i}/{YEAR}",
                    date(YEAR, rng.randrange(1, 13), rng.randrange(1, 29)),
                    f"INV-BENCH-{rng.randrange(assets):05d}",
                    rng.choice(
                        ["component_replacement", "reinstall", "other_repair", "maintenance"]
                    ),
                    description="bench",
                ),
                tz,
                now,
                "bench",
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--assets", type=int, default=2000)
    parser.add_argument("--outages", type=int, default=5000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--keep", type=Path, default=None, help="Copy the HTML and PDF here.")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.url or f"sqlite:///{folder / 'itops.db'}"
        upgrade(url)
        cfg = folder / "itops.toml"
        cfg.write_text(config_text(url, args.checks), encoding="utf-8")
        app = AppContext.create(load(cfg), cfg)
        sync_units(app)
        t0 = time.perf_counter()
        build(app, args.checks, args.assets, args.outages, rng)
        print(
            f"setup: {args.checks} checks, {args.assets} assets, {args.outages} outages "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        now = datetime.now(UTC)
        t0, c0 = time.perf_counter(), time.process_time()
        with session_scope(app.sessions) as db:
            report = collect(db, app.settings, YEAR, now, "pl")
        t_collect, c_collect = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        html = render_html(report, now, TZ)
        t_html, c_html = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        pdf = render_pdf(html)
        t_pdf, c_pdf = time.perf_counter() - t0, time.process_time() - c0
        app.engine.dispose()
        out = folder / "out"
        t0 = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "itops"),
                "--config",
                str(cfg),
                "report",
                "annual",
                "--year",
                str(YEAR),
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        t_cli = time.perf_counter() - t0
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in out.iterdir():
                (args.keep / path.name).write_bytes(path.read_bytes())
        (folder / "bench.pdf").write_bytes(pdf)
        info = subprocess.run(
            ["pdfinfo", str(folder / "bench.pdf")], capture_output=True, text=True, check=False
        ).stdout
        pages = next(
            (line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?"
        )
        print(f"outages listed in the report: {len(report.availability.outages)}")
        print(f"collect (all numbers):  {t_collect:6.2f} s  (CPU {c_collect:.2f} s)")
        print(
            f"render HTML:            {t_html:6.2f} s  (CPU {c_html:.2f} s; "
            f"{len(html) / 1e6:.1f} MB)"
        )
        print(
            f"render PDF (WeasyPrint): {t_pdf:6.2f} s  (CPU {c_pdf:.2f} s; "
            f"{len(pdf) / 1e6:.1f} MB, {pages} pages)"
        )
        total, cpu = t_collect + t_html + t_pdf, c_collect + c_html + c_pdf
        print(
            f"HTML + PDF in process:  {total:6.2f} s wall, {cpu:.2f} s CPU (goal < 10 s: "
            f"{'met' if total < 10 else 'NOT met'} by wall time, "
            f"{'met' if cpu < 10 else 'NOT met'} by CPU time)"
        )
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"itops report annual (subprocess, incl. start-up): {t_cli:6.2f} s")


if __name__ == "__main__":
    main()
