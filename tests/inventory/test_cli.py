"""The commands as an office runs them: inventory import/export, clearance (kpi: tests/reports)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from inventory import clearance
from inventory.people import add_employee
from itops.context import AppContext
from itops.db.session import session_scope
from tests.conftest import write_config
from tests.inventory.helpers import NOW, asset

ITOPS = str(Path(sys.executable).parent / "itops")


def itops(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ITOPS, "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_import_cli_rejects_the_file_naming_the_row_and_exits_2(
    ctx: AppContext, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path / "itops.toml", ctx.settings.storage.url)
    csv_file = tmp_path / "ewidencja.csv"
    csv_file.write_text(
        "inventory_no;category;manufacturer;model;serial;purchase_date;purchase_document;"
        "price;location;holder;status;retired_date\n"
        "INV-TEST-0001;desktop;Dell;7010;S1;2024-01-02;FV/1;100;P1;;in_use;\n"
        "INV-TEST-0002;desktop;Dell;7010;S2;02.01.2024;FV/1;100;P1;;in_use;\n",
        encoding="utf-8-sig",
    )
    done = itops(cfg, "inventory", "import", str(csv_file))
    assert done.returncode == 2
    assert "row 3 (INV-TEST-0002)" in done.stderr and "nothing imported" in done.stderr
    csv_file.write_text(
        csv_file.read_text(encoding="utf-8-sig").replace("02.01.2024", "2024-01-02")
    )
    assert (
        "would import 2 new" in itops(cfg, "inventory", "import", str(csv_file), "--dry-run").stdout
    )
    assert "imported 2 new" in itops(cfg, "inventory", "import", str(csv_file)).stdout
    exported = itops(cfg, "inventory", "export").stdout
    assert exported.splitlines()[0].startswith("inventory_no,category,manufacturer")
    assert len(exported.splitlines()) == 3


def test_clearance_cli_refuses_then_signs_and_writes_both_documents(
    ctx: AppContext, tmp_path: Path
) -> None:
    with session_scope(ctx.sessions) as db:
        emp = add_employee(db, "EMP-TEST-2", "Anna Przykładowa")
        asset(db, "INV-TEST-0009", category="access_card", holder="EMP-TEST-2")
        clearance.grant_permission(db, emp.id, "Poczta", NOW.date())
    cfg = write_config(tmp_path / "itops.toml", ctx.settings.storage.url)
    out = tmp_path / "docs"
    refused = itops(cfg, "clearance", "EMP-TEST-2", "--sign", "--output", str(out))
    assert refused.returncode == 2
    assert "still open" in refused.stderr and "INV-TEST-0009" in refused.stderr
    assert not out.exists()
    done = itops(
        cfg,
        "clearance",
        "Anna Przykładowa",
        "--return",
        "INV-TEST-0009",
        "--revoke",
        "Poczta",
        "--sign",
        "--output",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    card = out / "karta-obiegowa-EMP-TEST-2.html"
    assert clearance.sha256(card.read_text(encoding="utf-8")) in done.stdout
    assert "INV-TEST-0009" in (out / "protokol-zdawczo-odbiorczy-EMP-TEST-2.html").read_text(
        encoding="utf-8"
    )


def test_inventory_collect_stores_this_host_as_discovered(ctx: AppContext, tmp_path: Path) -> None:
    from tests.inventory.conftest import make_root

    cfg = write_config(tmp_path / "itops.toml", ctx.settings.storage.url)
    root = make_root(tmp_path / "root")
    done = itops(cfg, "inventory", "collect", "--root", str(root))
    assert done.returncode == 0, done.stderr
    assert "discovered" in done.stdout
    from sqlalchemy import select

    from inventory.models import Asset

    with session_scope(ctx.sessions) as db:
        found = db.scalar(select(Asset))
        assert found is not None and found.serial == "INV-TEST-SN-0001"
