"""The inventory as CSV, in the import's own columns, so an export imports back.

Cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.importers import INVENTORY_HEADER, INVENTORY_OPTIONAL
from inventory.location import join_location
from inventory.models import Asset
from itops.db.models import Employee
from itops.spreadsheet import neutralise


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def export_inventory(session: Session, delimiter: str = ",") -> str:
    """The inventory as CSV text (header + one row per asset, confirmed ones only)."""
    header = (*INVENTORY_HEADER, *INVENTORY_OPTIONAL)
    codes = {e.id: e.code for e in session.scalars(select(Employee))}
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    assets = session.scalars(
        select(Asset).where(Asset.confirmed.is_(True)).order_by(Asset.inventory_no)
    )
    for a in assets:
        holder = codes.get(a.holder_id, "") if a.holder_id else a.holder_text
        writer.writerow(_cell(v) for v in _export_values(a, holder))
    return out.getvalue()


def _export_values(a: Asset, holder: str) -> Iterable[object]:
    return (
        a.inventory_no,
        a.category,
        a.manufacturer,
        a.model,
        a.serial,
        a.purchase_date,
        a.purchase_document,
        a.price,
        join_location(a.building, a.room),
        holder,
        a.status,
        a.retired_date,
        a.supplier,
        a.warranty_end,
        a.hardware_uuid,
        a.hostname,
        a.unit_id,
        a.building,
        a.room,
    )
