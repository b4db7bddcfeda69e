"""CSV import/export: all or nothing, BOM and separators, --update as ledger events."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from inventory.exporters import export_inventory
from inventory.importers import (
    CsvRejected,
    import_inventory,
    import_repairs,
)
from inventory.models import Asset, AssetEvent, RepairProtocol
from itops.context import AppContext
from itops.db.session import session_scope
from itops.spreadsheet import neutralise
from tests.inventory.helpers import NOW, TZ

HEADER = (
    "inventory_no,category,manufacturer,model,serial,purchase_date,purchase_document,"
    "price,location,holder,status,retired_date"
)


def _rows(n: int, bad_row: int | None = None) -> str:
    lines = [HEADER]
    for i in range(1, n + 1):
        day = "2024-13-01" if i == bad_row else "2024-03-01"
        lines.append(
            f"INV-TEST-{i:05d},desktop,Dell,OptiPlex 7010,SN{i:06d},{day},FV/1/2024,"
            f"3200.00,Pokój {i % 40},,in_use,"
        )
    return "\n".join(lines) + "\n"


def _count(ctx: AppContext, model: type) -> int:
    with session_scope(ctx.sessions) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_one_bad_row_among_1000_imports_nothing_and_names_the_row(ctx: AppContext) -> None:
    raw = _rows(1000, bad_row=637).encode()
    with pytest.raises(CsvRejected) as caught:
        with session_scope(ctx.sessions) as db:
            import_inventory(db, raw, TZ, NOW)
    assert caught.value.problems == [
        'row 638 (INV-TEST-00637): purchase_date "2024-13-01" is not an ISO date (YYYY-MM-DD)'
    ]
    assert _count(ctx, Asset) == 0
    assert _count(ctx, AssetEvent) == 0


def test_1000_good_rows_import_with_their_purchase_events(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        result = import_inventory(db, _rows(1000).encode(), TZ, NOW)
    assert result.created == 1000
    assert _count(ctx, Asset) == 1000
    assert _count(ctx, AssetEvent) == 1000


def test_utf8_bom_and_semicolons_are_accepted(ctx: AppContext) -> None:
    text = (
        HEADER.replace(",", ";") + "\n"
        "INV-TEST-0001;printer;HP;LaserJet;SN1;2023-02-01;FV/2/2023;1 299,99;Sekretariat;"
        "Jan Testowy;in_use;\n"
    )
    with session_scope(ctx.sessions) as db:
        import_inventory(db, b"\xef\xbb\xbf" + text.encode(), TZ, NOW)
    with session_scope(ctx.sessions) as db:
        a = db.scalar(select(Asset))
        assert a is not None
        assert (a.inventory_no, a.building, a.room, str(a.price)) == (
            "INV-TEST-0001",
            "",
            "Sekretariat",
            "1299.99",
        )
        assert a.holder_text == "Jan Testowy"


def test_every_bad_row_is_listed(ctx: AppContext) -> None:
    text = (
        HEADER + "\n"
        "INV-TEST-0001,toaster,,,,,,,,,,\n"
        "INV-TEST-0002,desktop,,,,,,abc,,,,\n"
        "INV-TEST-0002,desktop,,,,,,,,,broken,\n"
        "INV-TEST-0004,desktop,,,,2024-05-01,,,,,,2024-01-01\n"
    )
    with pytest.raises(CsvRejected) as caught:
        with session_scope(ctx.sessions) as db:
            import_inventory(db, text.encode(), TZ, NOW)
    problems = caught.value.problems
    assert [p.split(" ")[1] for p in problems] == ["2", "3", "4", "5"]
    assert 'category "toaster"' in problems[0]
    assert 'price "abc" is not a number' in problems[1]
    assert "repeats row 3" in problems[2] and 'status "broken"' in problems[2]
    assert "retired_date is before purchase_date" in problems[3]


def test_missing_columns_reject_the_file(ctx: AppContext) -> None:
    with pytest.raises(CsvRejected, match="missing columns: retired_date"):
        with session_scope(ctx.sessions) as db:
            import_inventory(db, HEADER.rsplit(",", 1)[0].encode(), TZ, NOW)


def test_an_existing_inventory_number_is_an_error_without_update(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        import_inventory(db, _rows(2).encode(), TZ, NOW)
    with pytest.raises(CsvRejected, match=r"row 2 \(INV-TEST-00001\): inventory number already"):
        with session_scope(ctx.sessions) as db:
            import_inventory(db, _rows(2).encode(), TZ, NOW)


def test_update_turns_changes_into_ledger_events(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        import_inventory(db, _rows(2).encode(), TZ, NOW)
    changed = (
        _rows(2)
        .replace("Pokój 1,", "Archiwum,")
        .replace(
            "INV-TEST-00002,desktop,Dell,OptiPlex 7010,SN000002,2024-03-01,FV/1/2024,3200.00,"
            "Pokój 2,,in_use,",
            "INV-TEST-00002,desktop,Dell,OptiPlex 7010,SN000002,2024-03-01,FV/1/2024,3200.00,"
            "Pokój 2,,retired,2026-06-30",
        )
    )
    with session_scope(ctx.sessions) as db:
        dry = import_inventory(db, changed.encode(), TZ, NOW, update=True, dry_run=True)
    assert (dry.created, dry.updated, dry.unchanged) == (0, 2, 0)
    assert _count(ctx, AssetEvent) == 2
    with session_scope(ctx.sessions) as db:
        result = import_inventory(db, changed.encode(), TZ, NOW, update=True)
    assert result.updated == 2
    with session_scope(ctx.sessions) as db:
        kinds = sorted(db.scalars(select(AssetEvent.kind).where(AssetEvent.kind != "purchased")))
        assert kinds == ["moved", "retired", "updated"]
        moved = db.scalar(select(AssetEvent).where(AssetEvent.kind == "moved"))
        assert moved is not None
        assert json.loads(moved.detail) == {"room": ["Pokój 1", "Archiwum"]}


def test_dry_run_writes_nothing(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        result = import_inventory(db, _rows(5).encode(), TZ, NOW, dry_run=True)
    assert result.created == 5
    assert _count(ctx, Asset) == 0


def test_export_neutralises_formula_cells_and_round_trips(ctx: AppContext) -> None:
    text = HEADER + "\n" + 'INV-TEST-0001,desktop,=HYPERLINK("x"),+model,@serial,,-doc,,,,,\n'
    with session_scope(ctx.sessions) as db:
        import_inventory(db, text.encode(), TZ, NOW)
    with session_scope(ctx.sessions) as db:
        out = export_inventory(db)
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["manufacturer"] == '\'=HYPERLINK("x")'
    assert (row["model"], row["serial"], row["purchase_document"]) == (
        "'+model",
        "'@serial",
        "'-doc",
    )
    assert neutralise("Dell") == "Dell"


def test_repairs_import_is_all_or_nothing(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        import_inventory(db, _rows(2).encode(), TZ, NOW)
    bad = (
        "number;date;inventory_no;kind;description\n"
        "PN/1/2026;2026-02-03;INV-TEST-00001;component_replacement;Wymiana dysku\n"
        "PN/2/2026;2026-02-04;INV-TEST-09999;reinstall;Reinstalacja\n"
    )
    with pytest.raises(CsvRejected, match=r"row 3 \(PN/2/2026\): no asset"):
        with session_scope(ctx.sessions) as db:
            import_repairs(db, bad.encode(), TZ, NOW)
    assert _count(ctx, RepairProtocol) == 0
    with session_scope(ctx.sessions) as db:
        assert import_repairs(db, bad.replace("09999", "00002").encode(), TZ, NOW) == 2
    assert _count(ctx, RepairProtocol) == 2


def test_status_retired_without_a_date_is_refused(ctx: AppContext) -> None:
    text = HEADER + "\nINV-TEST-0001,desktop,,,,2020-01-01,,,,,retired,\n"
    with pytest.raises(CsvRejected, match="status retired needs a retired_date"):
        with session_scope(ctx.sessions) as db:
            import_inventory(db, text.encode(), TZ, NOW)


def test_one_cell_location_is_split_into_building_and_room(ctx: AppContext) -> None:
    text = (
        HEADER + "\n"
        'INV-TEST-0001,desktop,Dell,X,SN1,2024-01-01,FV/1,100,"Budynek A, pok. 12",,in_use,\n'
        "INV-TEST-0002,desktop,Dell,X,SN2,2024-01-01,FV/1,100,Budynek B,,in_use,\n"
    )
    with session_scope(ctx.sessions) as db:
        import_inventory(db, text.encode(), TZ, NOW)
    with session_scope(ctx.sessions) as db:
        got = [(a.building, a.room) for a in db.scalars(select(Asset).order_by(Asset.id))]
    assert got == [("Budynek A", "pok. 12"), ("Budynek B", "")]


def test_building_and_room_columns_win_over_the_location_cell(ctx: AppContext) -> None:
    text = (
        HEADER + ",building,room\n"
        "INV-TEST-0001,desktop,Dell,X,SN1,2024-01-01,FV/1,100,stare,,in_use,,Ratusz,"
        "pok. 3 (parter)\n"
    )
    with session_scope(ctx.sessions) as db:
        import_inventory(db, text.encode(), TZ, NOW)
    with session_scope(ctx.sessions) as db:
        a = db.scalar(select(Asset))
        assert a is not None and (a.building, a.room) == ("Ratusz", "pok. 3 (parter)")


def test_export_has_location_building_and_room_and_imports_back_unchanged(
    ctx: AppContext,
) -> None:
    text = (
        HEADER + ",building,room\n"
        "INV-TEST-0001,desktop,Dell,X,SN1,2024-01-01,FV/1,100,,,in_use,,Ratusz,12\n"
    )
    with session_scope(ctx.sessions) as db:
        import_inventory(db, text.encode(), TZ, NOW)
    with session_scope(ctx.sessions) as db:
        exported = export_inventory(db)
    header, row = list(csv.reader(io.StringIO(exported)))[:2]
    cells = dict(zip(header, row, strict=True))
    assert (cells["location"], cells["building"], cells["room"]) == ("Ratusz, 12", "Ratusz", "12")
    with session_scope(ctx.sessions) as db:
        again = import_inventory(db, exported.encode(), TZ, NOW, update=True)
    assert (again.updated, again.unchanged) == (0, 1)
