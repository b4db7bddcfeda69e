"""Assets as the dashboard and the CLI see them: search, one asset's page, its writes.

Reads return frozen dataclasses (no ORM object leaves); writes go through ``ledger`` so
every change is a dated event, in the caller's transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from inventory import ledger
from inventory.config import ASSET_CATEGORIES
from inventory.ledger import AssetInput
from inventory.location import join_location
from inventory.models import ASSET_STATUSES, Asset, AssetEvent
from inventory.people import holder_names
from inventory.repairs import AssetProtocol, protocols_of
from inventory.stock import AssetLoan, loans_of
from itops.db.models import Employee
from itops.errors import ValidationError


@dataclass(frozen=True)
class AssetRow:
    id: int
    inventory_no: str | None
    category: str
    manufacturer: str
    model: str
    serial: str | None
    hardware_uuid: str | None
    purchase_date: date | None
    purchase_document: str
    supplier: str
    price: Decimal | None
    warranty_end: date | None
    building: str
    room: str
    holder: str
    unit_id: str
    status: str
    retired_date: date | None
    hostname: str | None
    confirmed: bool
    last_seen: datetime | None
    os: str

    @property
    def location(self) -> str:
        return join_location(self.building, self.room)


def _row(a: Asset, holders: dict[int, str]) -> AssetRow:
    facts = json.loads(a.facts or "{}")
    os_name = ((facts.get("report") or {}).get("os") or {}).get("pretty", "")
    holder = holders.get(a.holder_id, "") if a.holder_id else a.holder_text
    return AssetRow(
        a.id,
        a.inventory_no,
        a.category,
        a.manufacturer,
        a.model,
        a.serial,
        a.hardware_uuid,
        a.purchase_date,
        a.purchase_document,
        a.supplier,
        a.price,
        a.warranty_end,
        a.building,
        a.room,
        holder,
        a.unit_id,
        a.status,
        a.retired_date,
        a.hostname,
        a.confirmed,
        a.last_seen,
        os_name,
    )


@dataclass(frozen=True)
class AssetSearch:
    """One page of the search: its rows and how many matched in all."""

    rows: list[AssetRow]
    total: int


def page_assets(
    session: Session,
    q: str = "",
    category: str = "",
    status: str = "",
    unit: str | None = None,
    hostnames: set[str] | None = None,
    offset: int = 0,
    limit: int = 50,
    confirmed: bool = True,
) -> AssetSearch:
    """Confirmed assets (agent-discovered ones with ``confirmed`` False) matching the
    filters, newest purchase first (undated last, then the newest entered), ``limit``
    from ``offset``, with the count of all that match.

    ``q`` matches what the list shows: inventory number, serial, maker, model, host,
    building, room and the holder (an employee's name or code, or the free-text holder);
    ``hostnames`` keeps only those hosts (the "unsupported system" filter)."""
    where = [Asset.confirmed == confirmed, *_filters(q, category, status, unit)]
    if hostnames is not None:
        where.append(Asset.hostname.in_(sorted(hostnames)))
    total = session.scalar(select(func.count()).select_from(Asset).where(*where)) or 0
    stmt = (
        select(Asset)
        .where(*where)
        .order_by(Asset.purchase_date.is_(None), Asset.purchase_date.desc(), Asset.id.desc())
        .offset(offset)
        .limit(limit)
    )
    holders = holder_names(session)
    return AssetSearch([_row(a, holders) for a in session.scalars(stmt)], total)


def _filters(q: str, category: str, status: str, unit: str | None) -> list[Any]:
    out: list[Any] = []
    if q:
        like = f"%{q}%"
        people = select(Employee.id).where(
            or_(Employee.full_name.ilike(like), Employee.code.ilike(like))
        )
        out.append(
            or_(
                Asset.inventory_no.ilike(like),
                Asset.serial.ilike(like),
                Asset.model.ilike(like),
                Asset.manufacturer.ilike(like),
                Asset.hostname.ilike(like),
                Asset.building.ilike(like),
                Asset.room.ilike(like),
                Asset.holder_text.ilike(like),
                Asset.holder_id.in_(people),
            )
        )
    if category in ASSET_CATEGORIES:
        out.append(Asset.category == category)
    if status in ASSET_STATUSES:
        out.append(Asset.status == status)
    if unit is not None:
        out.append(Asset.unit_id == unit)
    return out


@dataclass(frozen=True)
class AssetEventRow:
    id: int
    kind: str
    at: datetime
    actor: str
    detail: dict[str, Any]
    document_sha256: str | None


@dataclass(frozen=True)
class AssetPage:
    """One asset with its ledger, protocols, loans and the last agent report."""

    asset: AssetRow
    events: list[AssetEventRow]
    protocols: list[AssetProtocol]
    loans: list[AssetLoan]
    facts: dict[str, Any] | None


def asset_page(session: Session, asset_id: int) -> AssetPage | None:
    a = session.get(Asset, asset_id)
    if a is None:
        return None
    events = [
        AssetEventRow(e.id, e.kind, e.at, e.actor, json.loads(e.detail), e.document_sha256)
        for e in session.scalars(
            select(AssetEvent)
            .where(AssetEvent.asset_id == a.id)
            .order_by(AssetEvent.at, AssetEvent.id)
        )
    ]
    protocols = protocols_of(session, a.id)
    loans = loans_of(session, a.id)
    row = _row(a, holder_names(session))
    facts = json.loads(a.facts or "{}").get("report")
    return AssetPage(row, events, protocols, loans, facts)


def asset_id_by_number(session: Session, inventory_no: str) -> int | None:
    found: int | None = session.scalar(select(Asset.id).where(Asset.inventory_no == inventory_no))
    return found


def _asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise ValidationError(f"no asset #{asset_id}")
    return asset


def create_asset(
    session: Session, data: AssetInput, tz: ZoneInfo, now: datetime, actor: str = ""
) -> int:
    """Add an asset with the ledger events its dates imply; returns its id."""
    return ledger.create_asset(session, data, tz, now, actor).id


def edit_asset(
    session: Session,
    asset_id: int,
    data: AssetInput,
    tz: ZoneInfo,
    now: datetime,
    actor: str = "",
) -> list[str]:
    """Apply the changed fields as ledger events; returns their names.

    The inventory number is not edited here: a confirmed asset keeps its own, whatever
    ``data`` says (a discovered one gets its number by ``confirm_asset``).
    """
    asset = _asset(session, asset_id)
    if asset.inventory_no is not None:
        data = replace(data, inventory_no=asset.inventory_no)
    return ledger.update_asset(session, asset, data, tz, now, actor)


def confirm_asset(
    session: Session,
    asset_id: int,
    inventory_no: str,
    purchase_date: date | None,
    tz: ZoneInfo,
    now: datetime,
    actor: str = "",
) -> None:
    """Take a discovered asset into the inventory under ``inventory_no``."""
    asset = _asset(session, asset_id)
    number = inventory_no.strip()
    if not number:
        raise ValidationError("give the inventory number")
    if asset_id_by_number(session, number):
        raise ValidationError(f'inventory number "{number}" already exists')
    asset.inventory_no, asset.confirmed = number, True
    ledger.record(session, asset, "confirmed", now, now, actor, {"inventory_no": number})
    if purchase_date:
        asset.purchase_date = purchase_date
        ledger.record(
            session, asset, "purchased", ledger.local_midnight(purchase_date, tz), now, actor
        )
