"""DEMO office: how long ``itops demo seed`` takes for one year, wall clock and CPU.

Run: .venv/bin/python bench/demo_seed.py [YEAR] [DATABASE_URL]
(default 2025 on a temporary SQLite file; a PostgreSQL URL must name an empty, migrated
database). Uses the example config's DEMO checks. Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from itops.config import load
from itops.context import AppContext
from itops.db.session import upgrade
from reports.demo import seed

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "itops.example.toml"


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    year = int(sys.argv[1]) if len(sys.argv) > 1 else 2025
    tmp = tempfile.TemporaryDirectory()
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{Path(tmp.name) / 'demo.db'}"
    upgrade(url)
    settings = load(EXAMPLE, environ={"ITOPS_DATABASE_URL": url})
    app = AppContext.create(settings, EXAMPLE)
    wall, cpu = time.perf_counter(), time.process_time()
    summary = seed(app, year)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    app.engine.dispose()
    print(f"demo seed {year} on {url.split(':', 1)[0]}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    print(f"  {summary.describe()}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
