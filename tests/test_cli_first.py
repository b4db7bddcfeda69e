"""A CLI-first setup: no daemon has ever run, every command still sees the configured units."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from itops.db.session import make_engine
from tests.conftest import MINIMAL_OFFICE

ITOPS = str(Path(sys.executable).parent / "itops")


def office_only_config(path: Path, *, unit_name: str | None = None) -> Path:
    """A config holding only [office] (the README: only it is required), and maybe one unit."""
    hours = "\n".join(f'{day} = ["{spans[0]}"]' for day, spans in MINIMAL_OFFICE["hours"].items())
    unit = (
        f'\n[[units]]\nid = "szkola-test"\nname = "{unit_name}"\n' if unit_name is not None else ""
    )
    path.write_text(
        f'[office]\nname = "{MINIMAL_OFFICE["name"]}"\ntimezone = "Europe/Warsaw"\n'
        f"[office.hours]\n{hours}\n{unit}",
        encoding="utf-8",
    )
    return path


def itops(cfg: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ITOPS_DATABASE_URL": url}
    return subprocess.run(
        [ITOPS, "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


CSV = (
    "inventory_no;category;manufacturer;model;serial;purchase_date;purchase_document;"
    "price;location;holder;status;retired_date;unit\n"
    "DEMO/TEST/0001;desktop;Dell;7010;S1;2024-01-02;FV/1;100;P1;;in_use;;\n"
    "DEMO/TEST/0002;desktop;Dell;7010;S2;2024-01-02;FV/1;100;P1;;in_use;;office\n"
)


def test_db_upgrade_then_inventory_import_with_only_office_configured(
    empty_db_url: str, tmp_path: Path
) -> None:
    cfg = office_only_config(tmp_path / "itops.toml")
    upgraded = itops(cfg, empty_db_url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    csv_file = tmp_path / "assets.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    done = itops(cfg, empty_db_url, "inventory", "import", str(csv_file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported 2 new" in done.stdout


def test_a_unit_added_to_the_config_is_seen_by_the_next_command(
    empty_db_url: str, tmp_path: Path
) -> None:
    cfg = office_only_config(tmp_path / "itops.toml")
    assert itops(cfg, empty_db_url, "db", "upgrade").returncode == 0
    office_only_config(cfg, unit_name="Szkoła Testowa (DEMO)")
    csv_file = tmp_path / "assets.csv"
    csv_file.write_text(CSV.replace("in_use;;office", "in_use;;szkola-test"), encoding="utf-8")
    done = itops(cfg, empty_db_url, "inventory", "import", str(csv_file))
    assert done.returncode == 0, done.stdout + done.stderr
    office_only_config(cfg, unit_name="Szkoła Testowa nr 2 (DEMO)")
    assert itops(cfg, empty_db_url, "user", "list").returncode == 0
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, name FROM org_unit")).all())
    finally:
        engine.dispose()
    assert rows == {"office": MINIMAL_OFFICE["name"], "szkola-test": "Szkoła Testowa nr 2 (DEMO)"}
