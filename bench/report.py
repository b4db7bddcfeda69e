"""Annual report benchmark: a year with 500 checks, 2,000 assets and 5,000 outages.

Builds the year in a temporary SQLite database (or ``--url``, an empty database), then
times ``collect`` (every number, through the features' public functions), the HTML and
the PDF (WeasyPrint) separately, and ``itops report annual`` as a subprocess (what the
officer waits for). Goal: HTML + PDF in under 10 s via the CLI. Prints the figures.

The machine is shared, so each part prints its CPU seconds (the process's own, and for
the subprocess its children's rusage) beside the wall time and the load average at
that moment: CPU seconds are what the code costs, wall what the officer waits for.
``--profile FILE`` writes a cProfile of the in-process run (collect, HTML, PDF).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
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
from itops.config import load as load_config  # noqa: E402
from itops.context import AppContext  # noqa: E402
from itops.daemon import sync_units  # noqa: E402
from itops.db.session import session_scope, upgrade  # noqa: E402

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


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


class Part:
    """Wall and CPU seconds of one part, with the load average when it ended."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> Part:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.load = load()

    def line(self, extra: str = "") -> str:
        more = f"; {extra}" if extra else ""
        return (
            f"{self.name + ':':26s} CPU {self.cpu:6.2f} s, wall {self.wall:6.2f} s "
            f"({self.load}{more})"
        )


def cli_run(cfg: Path, out: Path) -> tuple[float, float]:
    """``itops report annual`` as the officer runs it: (wall, CPU of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
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
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def pages_of(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False).stdout
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--assets", type=int, default=2000)
    parser.add_argument("--outages", type=int, default=5000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--keep", type=Path, default=None, help="Copy the HTML and PDF here.")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile output file.")
    parser.add_argument("--cli-runs", type=int, default=2, help="CLI runs (the best is kept).")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.url or f"sqlite:///{folder / 'itops.db'}"
        upgrade(url)
        cfg = folder / "itops.toml"
        cfg.write_text(config_text(url, args.checks), encoding="utf-8")
        app = AppContext.create(load_config(cfg), cfg)
        sync_units(app)
        t0 = time.perf_counter()
        build(app, args.checks, args.assets, args.outages, rng)
        print(
            f"setup: {args.checks} checks, {args.assets} assets, {args.outages} outages "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        with Part("import (report, WeasyPrint)") as imports:
            from reports.annual import collect
            from reports.render import render_html, render_pdf, weasyprint_html

            weasyprint_html()
        now = datetime.now(UTC)
        with Part("collect (all numbers)") as collecting, session_scope(app.sessions) as db:
            report = collect(db, app.settings, YEAR, now, "pl")
        with Part("render HTML") as html_part:
            html = render_html(report, now, TZ, app.settings.unit_names())
        with Part("render PDF (WeasyPrint)") as pdf_part:
            pdf = render_pdf(html)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
        app.engine.dispose()
        (folder / "bench.pdf").write_bytes(pdf)
        runs = []
        for i in range(max(1, args.cli_runs)):
            runs.append(cli_run(cfg, folder / f"out{i}"))
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in (folder / "out0").iterdir():
                (args.keep / path.name).write_bytes(path.read_bytes())
        print(f"outages listed in the report: {len(report.availability.outages)}")
        print(imports.line())
        print(collecting.line())
        print(html_part.line(f"{len(html) / 1e6:.2f} MB"))
        print(pdf_part.line(f"{len(pdf) / 1e6:.1f} MB, {pages_of(folder / 'bench.pdf')} pages"))
        cpu = collecting.cpu + html_part.cpu + pdf_part.cpu
        wall = collecting.wall + html_part.wall + pdf_part.wall
        print(f"{'HTML + PDF in process:':26s} CPU {cpu:6.2f} s, wall {wall:6.2f} s")
        for wall_cli, cpu_cli in runs:
            print(
                f"{'itops report annual (CLI):':26s} CPU {cpu_cli:6.2f} s, wall {wall_cli:6.2f} s "
                f"({load()}; subprocess incl. start-up; goal < 10 s: "
                f"{'met' if cpu_cli < 10 else 'NOT met'} by CPU, "
                f"{'met' if wall_cli < 10 else 'NOT met'} by wall)"
            )
        print(f"{load()} on {os.cpu_count()} CPUs: {os.getloadavg()}")


if __name__ == "__main__":
    main()
