"""CSV import of the inventory and of repair protocols (the export: ``inventory.exporters``).

Offices keep these lists in spreadsheets, so files may be UTF-8 with or without a BOM
and separated by ``;`` or ``,``. A file is all or nothing: every bad row is reported
(by its spreadsheet row number, the header being row 1) and nothing is written.
Exported cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from inventory import ledger
from inventory.location import split_location
from inventory.models import Asset, AssetEvent, RepairProtocol
from inventory.repairs import ProtocolInput, add_protocol
from itops.db.models import Base, Employee, OrgUnit
from itops.errors import ValidationError
from itops.spreadsheet import FORMULA_PREFIXES as FORMULA_PREFIXES  # re-exported
from itops.spreadsheet import rows as csv_rows

INVENTORY_HEADER = (
    "inventory_no",
    "category",
    "manufacturer",
    "model",
    "serial",
    "purchase_date",
    "purchase_document",
    "price",
    "location",
    "holder",
    "status",
    "retired_date",
)
INVENTORY_OPTIONAL = (
    "supplier",
    "warranty_end",
    "hardware_uuid",
    "hostname",
    "unit",
    "building",
    "room",
)
REPAIRS_HEADER = ("number", "date", "inventory_no", "kind", "description")
REPAIRS_OPTIONAL = ("parts", "technician", "cost", "downtime_hours")


class CsvRejected(ValidationError):
    """The whole file was rejected; ``problems`` holds every bad row's number and reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("file rejected, nothing imported:\n" + "\n".join(problems))


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    changed_numbers: tuple[str, ...] = field(default_factory=tuple)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRejected([f"the file is not UTF-8 (byte {exc.start})"]) from None


def read_rows(
    raw: bytes, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row number, cells)``; the separator is whichever of ``;`` ``,`` the header uses."""
    text = _decode(raw)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    try:
        _, first_row = next(reader)
    except StopIteration:
        raise CsvRejected(["the file is empty"]) from None
    if isinstance(first_row, str):
        raise CsvRejected([f"row 1: {first_row}"])
    header = [h.strip().lower() for h in first_row]
    missing = [h for h in required if h not in header]
    unknown = [h for h in header if h not in required and h not in optional]
    dupes = sorted({h for h in header if header.count(h) > 1})
    problems = []
    if missing:
        problems.append(f"row 1: missing columns: {', '.join(missing)}")
    if unknown:
        problems.append(f"row 1: unknown columns: {', '.join(unknown)}")
    if dupes:
        problems.append(f"row 1: repeated columns: {', '.join(dupes)}")
    if problems:
        raise CsvRejected(problems)
    for number, cells in reader:
        if isinstance(cells, str):
            yield number, {"__error__": cells}
            return
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield number, {"__error__": f"{len(cells)} cells, the header has {len(header)}"}
            continue
        yield number, {h: c.strip() for h, c in zip(header, cells, strict=True)}


def _date(value: str, name: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f'{name} "{value}" is not an ISO date (YYYY-MM-DD)')
        return None


def _decimal(value: str, name: str, errors: list[str]) -> Decimal | None:
    if not value:
        return None
    text = value.replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        result = Decimal(text)
    except InvalidOperation:
        errors.append(f'{name} "{value}" is not a number')
        return None
    if not result.is_finite():
        errors.append(f'{name} "{value}" is not a number')
        return None
    return result


def parse_inventory(
    raw: bytes, units: set[str]
) -> tuple[list[tuple[int, ledger.AssetInput]], list[str]]:
    """Parse and validate every row; returns the rows and every problem found."""
    rows: list[tuple[int, ledger.AssetInput]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in read_rows(raw, INVENTORY_HEADER, INVENTORY_OPTIONAL):
        if "__error__" in cells:
            problems.append(f"row {number}: {cells['__error__']}")
            continue
        errors: list[str] = []
        no = cells["inventory_no"]
        unit = cells.get("unit") or "office"
        if unit not in units:
            errors.append(f'unit "{unit}" is not configured')
        # building/room columns win; else the one-cell location is split (see location.py)
        if cells.get("building") or cells.get("room"):
            building, room = cells.get("building", ""), cells.get("room", "")
        else:
            building, room = split_location(cells["location"])
        data = ledger.AssetInput(
            inventory_no=no,
            category=cells["category"].lower(),
            manufacturer=cells["manufacturer"],
            model=cells["model"],
            serial=cells["serial"] or None,
            hardware_uuid=cells.get("hardware_uuid") or None,
            purchase_date=_date(cells["purchase_date"], "purchase_date", errors),
            purchase_document=cells["purchase_document"],
            supplier=cells.get("supplier", ""),
            price=_decimal(cells["price"], "price", errors),
            warranty_end=_date(cells.get("warranty_end", ""), "warranty_end", errors),
            building=building,
            room=room,
            holder=cells["holder"],
            unit_id=unit,
            status=(cells["status"] or "in_use").lower(),
            retired_date=_date(cells["retired_date"], "retired_date", errors),
            hostname=cells.get("hostname") or None,
        )
        errors += data.problems()
        if no and no in seen:
            errors.append(f'inventory_no "{no}" repeats row {seen[no]}')
        seen.setdefault(no, number)
        if errors:
            problems.append(f"row {number} ({no or 'no inventory_no'}): " + "; ".join(errors))
        else:
            rows.append((number, data))
    return rows, problems


def import_inventory(
    session: Session,
    raw: bytes,
    tz: ZoneInfo,
    now: datetime,
    actor: str = "",
    update: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Import an inventory CSV in the caller's transaction: all rows, or none (``CsvRejected``)."""
    units = set(session.scalars(select(OrgUnit.id)))
    rows, problems = parse_inventory(raw, units)
    existing = _existing(session, [d.inventory_no for _, d in rows])
    if not update:
        problems += [
            f"row {n} ({d.inventory_no}): inventory number already exists (use --update)"
            for n, d in rows
            if d.inventory_no in existing
        ]
    if problems:
        raise CsvRejected(sorted(problems, key=_row_key))
    employees = _employee_index(session)
    new = [d for _, d in rows if d.inventory_no not in existing]
    changed: list[str] = []
    if dry_run:
        for _, d in rows:
            if d.inventory_no in existing and _differs(existing[d.inventory_no], d, employees):
                changed.append(d.inventory_no)
        return ImportResult(
            len(new), len(changed), len(rows) - len(new) - len(changed), True, tuple(changed)
        )
    if new:
        last_id = int(session.scalar(select(func.max(Asset.id))) or 0)
        # Core bulk inserts: the ORM unit of work costs ~1 ms per object at 10,000 rows.
        _insert_multirow(
            session, Asset, [ledger.asset_values(d, employees.get(d.holder)) for d in new]
        )
        wanted = {d.inventory_no for d in new}
        ids: dict[str, int] = {
            str(no): int(aid)
            for aid, no in session.execute(
                select(Asset.id, Asset.inventory_no).where(Asset.id > last_id)
            )
            if no in wanted
        }
        events = [
            ev
            for d in new
            for ev in ledger.initial_event_values(ids[d.inventory_no], d, tz, now, actor)
        ]
        _insert_multirow(session, AssetEvent, events)
    for _, d in rows:
        asset = existing.get(d.inventory_no)
        if asset is not None and ledger.update_asset(session, asset, d, tz, now, actor):
            changed.append(d.inventory_no)
    session.flush()
    return ImportResult(
        len(new), len(changed), len(rows) - len(new) - len(changed), False, tuple(changed)
    )


def _insert_multirow(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert many rows fast, in the session's transaction.

    PostgreSQL: COPY (psycopg's executemany sends one statement per row, and its
    parsing of one huge multi-row INSERT costs seconds). SQLite: SQLAlchemy's
    "insertmanyvalues" batches (a RETURNING clause turns them on).
    """
    if not rows:
        return
    table = cast(Table, model.__table__)
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table).returning(table.c.id), rows).all()
        return
    columns = list(rows[0])
    types = [table.c[name].type for name in columns]
    processors = [
        t.bind_processor(conn.dialect) if hasattr(t, "bind_processor") else None for t in types
    ]
    decorators = [t if hasattr(t, "process_bind_param") else None for t in types]
    quoted = ", ".join(f'"{name}"' for name in columns)
    raw = conn.connection.driver_connection
    assert raw is not None  # noqa: S101 - an open connection
    with (
        raw.cursor() as cursor,
        cursor.copy(
            f'COPY "{table.name}" ({quoted}) FROM STDIN'  # noqa: S608 - names from the model
        ) as copy,
    ):
        for row in rows:
            values = []
            for name, deco, proc in zip(columns, decorators, processors, strict=True):
                value = row[name]
                if deco is not None:
                    value = deco.process_bind_param(value, conn.dialect)
                elif proc is not None:
                    value = proc(value)
                values.append(value)
            copy.write_row(values)


def _existing(session: Session, numbers: list[str]) -> dict[str, Asset]:
    """Assets already holding these numbers (one scan of the numbers, then only the hits)."""
    taken = set(session.scalars(select(Asset.inventory_no).where(Asset.inventory_no.is_not(None))))
    hits = [n for n in numbers if n in taken]
    found: dict[str, Asset] = {}
    for start in range(0, len(hits), 1000):
        for asset in session.scalars(
            select(Asset).where(Asset.inventory_no.in_(hits[start : start + 1000]))
        ):
            found[asset.inventory_no or ""] = asset
    return found


def _row_key(problem: str) -> int:
    head = problem.split(" ", 2)[1].rstrip(":")
    return int(head) if head.isdigit() else 0


def _employee_index(session: Session) -> dict[str, int]:
    index: dict[str, int] = {}
    for emp in session.scalars(select(Employee)):
        index.setdefault(emp.full_name, emp.id)
    for emp in session.scalars(select(Employee)):
        index[emp.code] = emp.id
    return index


def _differs(asset: Asset, data: ledger.AssetInput, employees: dict[str, int]) -> bool:
    for name in ledger.UPDATABLE:
        new = getattr(data, name)
        if name in ("serial", "hardware_uuid", "hostname"):
            new = new or None
        if name == "status" and data.retired_date:
            new = "retired"
        if getattr(asset, name) != new:
            return True
    holder_id = employees.get(data.holder)
    holder_same = (
        (asset.holder_id == holder_id)
        if holder_id
        else (asset.holder_id is None and asset.holder_text == data.holder)
    )
    return (
        not holder_same
        or asset.purchase_date != data.purchase_date
        or (data.retired_date is not None and asset.retired_date != data.retired_date)
    )


def import_repairs(
    session: Session,
    raw: bytes,
    tz: ZoneInfo,
    now: datetime,
    actor: str = "",
    dry_run: bool = False,
) -> int:
    """Import repair protocols (all or none); returns how many were (or would be) added."""
    problems: list[str] = []
    inputs: list[ProtocolInput] = []
    seen: dict[str, int] = {}
    rows = list(read_rows(raw, REPAIRS_HEADER, REPAIRS_OPTIONAL))
    known_assets = set(
        session.scalars(
            select(Asset.inventory_no).where(
                Asset.inventory_no.in_([c.get("inventory_no", "") for _, c in rows])
            )
        )
    )
    known_numbers = set(
        session.scalars(
            select(RepairProtocol.number).where(
                RepairProtocol.number.in_([c.get("number", "") for _, c in rows])
            )
        )
    )
    for number, cells in rows:
        if "__error__" in cells:
            problems.append(f"row {number}: {cells['__error__']}")
            continue
        errors: list[str] = []
        day = _date(cells["date"], "date", errors)
        if day is None and not errors:
            errors.append("date is empty")
        hours = _decimal(cells.get("downtime_hours", ""), "downtime_hours", errors)
        data = ProtocolInput(
            number=cells["number"],
            repaired_on=day or date.min,
            inventory_no=cells["inventory_no"],
            kind=cells["kind"].lower(),
            description=cells["description"],
            parts=cells.get("parts", ""),
            technician=cells.get("technician", ""),
            cost=_decimal(cells.get("cost", ""), "cost", errors),
            downtime_hours=float(hours) if hours is not None else None,
        )
        errors += data.problems()
        if data.inventory_no not in known_assets:
            errors.append(f'no asset with inventory number "{data.inventory_no}"')
        if data.number in known_numbers:
            errors.append(f'protocol "{data.number}" already exists')
        if data.number and data.number in seen:
            errors.append(f'number "{data.number}" repeats row {seen[data.number]}')
        seen.setdefault(data.number, number)
        if errors:
            problems.append(f"row {number} ({data.number or 'no number'}): " + "; ".join(errors))
        else:
            inputs.append(data)
    if problems:
        raise CsvRejected(problems)
    if not dry_run:
        for data in inputs:
            add_protocol(session, data, tz, now, actor)
    return len(inputs)
