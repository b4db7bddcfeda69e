"""Write and read the append-only asset ledger; every state change goes through here.

Why a ledger: KPIs 2 and 3 for a past year must not move when today's inventory
changes, so "in service on 31 December" is derived from dated ``purchased`` and
``retired``/``disposed`` events, never from the asset's current status. Dates given
without a time (CSV cells, forms) mean the office's local day and are stored as its
local midnight in UTC.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.config import ASSET_CATEGORIES
from inventory.models import (
    ASSET_STATUSES,
    Asset,
    AssetEvent,
    AssetMac,
)
from itops.db.models import Employee
from itops.errors import ValidationError

logger = logging.getLogger(__name__)

RETIRING_KINDS = ("retired", "disposed")


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in the office's zone."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def detail_json(value: dict[str, Any] | None) -> str:
    """The stored form of an event's ``detail`` (also for bulk inserts)."""
    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True, default=str)


_json = detail_json


def record(
    session: Session,
    asset: Asset,
    kind: str,
    at: datetime,
    now: datetime,
    actor: str = "",
    detail: dict[str, Any] | None = None,
    protocol_id: int | None = None,
    ref_event_id: int | None = None,
    document_sha256: str | None = None,
) -> AssetEvent:
    """Append one ledger event (in the caller's transaction)."""
    if asset.id is None:
        session.flush()
    event = AssetEvent(
        asset_id=asset.id,
        kind=kind,
        at=at,
        recorded_at=now,
        actor=actor,
        detail=_json(detail),
        protocol_id=protocol_id,
        ref_event_id=ref_event_id,
        document_sha256=document_sha256,
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class AssetInput:
    """Validated fields of a new or updated asset (from a form, CSV row or the CLI)."""

    inventory_no: str
    category: str
    manufacturer: str = ""
    model: str = ""
    serial: str | None = None
    hardware_uuid: str | None = None
    purchase_date: date | None = None
    purchase_at: datetime | None = None
    purchase_document: str = ""
    supplier: str = ""
    price: Decimal | None = None
    warranty_end: date | None = None
    building: str = ""
    room: str = ""
    holder: str = ""
    unit_id: str = "office"
    status: str = "in_use"
    retired_date: date | None = None
    hostname: str | None = None

    def problems(self) -> list[str]:
        out = []
        if not self.inventory_no.strip():
            out.append("inventory_no is empty")
        if self.category not in ASSET_CATEGORIES:
            out.append(f'category "{self.category}" is not one of {", ".join(ASSET_CATEGORIES)}')
        if self.status not in ASSET_STATUSES:
            out.append(f'status "{self.status}" is not one of {", ".join(ASSET_STATUSES)}')
        if self.status == "retired" and not self.retired_date:
            out.append("status retired needs a retired_date (the KPIs count from it)")
        if self.retired_date and self.purchase_date and self.retired_date < self.purchase_date:
            out.append("retired_date is before purchase_date")
        if self.price is not None and self.price < 0:
            out.append("price is negative")
        if len(self.building) > 200:
            out.append("building is longer than 200 characters")
        if len(self.room) > 100:
            out.append("room is longer than 100 characters")
        return out


def find_employee(session: Session, text: str) -> Employee | None:
    """An employee by code or exact full name (CSV ``holder`` cells use either)."""
    text = text.strip()
    if not text:
        return None
    found = session.scalar(select(Employee).where(Employee.code == text))
    if found is None:
        found = session.scalars(select(Employee).where(Employee.full_name == text)).first()
    return found


def create_asset(
    session: Session, data: AssetInput, tz: ZoneInfo, now: datetime, actor: str = ""
) -> Asset:
    """Insert an asset and the ledger events its dates imply (purchased, assigned, retired)."""
    problems = data.problems()
    if problems:
        raise ValidationError(f"{data.inventory_no}: " + "; ".join(problems))
    if session.scalar(select(Asset.id).where(Asset.inventory_no == data.inventory_no)):
        raise ValidationError(f'inventory number "{data.inventory_no}" already exists')
    holder = find_employee(session, data.holder)
    asset = new_asset(data, holder.id if holder else None)
    session.add(asset)
    session.flush()
    for event in initial_events(asset, data, tz, now, actor):
        session.add(event)
    return asset


def asset_values(data: AssetInput, holder_id: int | None) -> dict[str, Any]:
    """Column values of a new asset for validated ``data`` (bulk import inserts these)."""
    return {
        "inventory_no": data.inventory_no,
        "category": data.category,
        "manufacturer": data.manufacturer,
        "model": data.model,
        "serial": data.serial or None,
        "hardware_uuid": (data.hardware_uuid or "").lower() or None,
        "purchase_date": data.purchase_date,
        "purchase_document": data.purchase_document,
        "supplier": data.supplier,
        "price": data.price,
        "warranty_end": data.warranty_end,
        "building": data.building,
        "room": data.room,
        "holder_id": holder_id,
        "holder_text": "" if holder_id else data.holder,
        "unit_id": data.unit_id,
        "status": "retired" if data.retired_date else data.status,
        "retired_date": data.retired_date,
        "hostname": data.hostname or None,
        "confirmed": True,
        "facts": "{}",
        "notes": "",
    }


def new_asset(data: AssetInput, holder_id: int | None) -> Asset:
    """An ``Asset`` row for validated ``data`` (not yet added to a session)."""
    return Asset(**asset_values(data, holder_id))


def initial_event_values(
    asset_id: int, data: AssetInput, tz: ZoneInfo, now: datetime, actor: str = ""
) -> list[dict[str, Any]]:
    """The ledger events a new asset's dates imply: purchased, assigned, retired."""
    events: list[dict[str, Any]] = []
    purchase_at = data.purchase_at or (
        local_midnight(data.purchase_date, tz) if data.purchase_date else None
    )

    def event(kind: str, at: datetime, detail: dict[str, Any] | None = None) -> None:
        events.append(
            {
                "asset_id": asset_id,
                "kind": kind,
                "at": at,
                "recorded_at": now,
                "actor": actor,
                "detail": _json(detail),
                "protocol_id": None,
                "ref_event_id": None,
                "document_sha256": None,
            }
        )

    if purchase_at is not None:
        event(
            "purchased",
            purchase_at,
            {
                "document": data.purchase_document,
                "supplier": data.supplier,
                "price": str(data.price) if data.price is not None else None,
            },
        )
    if data.holder:
        event("assigned", purchase_at or now, {"holder": data.holder})
    if data.retired_date:
        event("retired", local_midnight(data.retired_date, tz))
    return events


def initial_events(
    asset: Asset, data: AssetInput, tz: ZoneInfo, now: datetime, actor: str = ""
) -> list[AssetEvent]:
    return [AssetEvent(**v) for v in initial_event_values(asset.id, data, tz, now, actor)]


UPDATABLE = (
    "category",
    "manufacturer",
    "model",
    "serial",
    "hardware_uuid",
    "purchase_document",
    "supplier",
    "price",
    "warranty_end",
    "building",
    "room",
    "unit_id",
    "status",
    "hostname",
)


def update_asset(
    session: Session,
    asset: Asset,
    data: AssetInput,
    tz: ZoneInfo,
    now: datetime,
    actor: str = "",
) -> list[str]:
    """Apply changed fields as ledger events; returns the names of the changed fields."""
    problems = data.problems()
    if problems:
        raise ValidationError(f"{data.inventory_no}: " + "; ".join(problems))
    changes: dict[str, list[Any]] = {}
    for name in UPDATABLE:
        new = getattr(data, name)
        if name in ("serial", "hardware_uuid", "hostname"):
            new = new or None
        if name == "status" and data.retired_date:
            new = "retired"
        old = getattr(asset, name)
        if old != new:
            changes[name] = [old, new]
            setattr(asset, name, new)
    moved: dict[str, Any] = {k: changes[k] for k in ("building", "room") if k in changes}
    if moved:
        record(session, asset, "moved", now, now, actor, moved)
    if data.purchase_date != asset.purchase_date:
        changes["purchase_date"] = [asset.purchase_date, data.purchase_date]
        asset.purchase_date = data.purchase_date
        if data.purchase_date is not None:
            record(
                session,
                asset,
                "purchased",
                local_midnight(data.purchase_date, tz),
                now,
                actor,
                {"corrected": True},
            )
    holder_now = _holder_text(session, asset)
    if data.holder.strip() != holder_now:
        changes["holder"] = [holder_now, data.holder]
        set_holder(session, asset, data.holder, now, now, actor)
    if data.retired_date != asset.retired_date and data.retired_date is not None:
        changes["retired_date"] = [asset.retired_date, data.retired_date]
        asset.retired_date = data.retired_date
        record(session, asset, "retired", local_midnight(data.retired_date, tz), now, actor)
    own_events = ("building", "room", "holder", "retired_date", "purchase_date")
    plain = {k: v for k, v in changes.items() if k not in own_events}
    if plain:
        record(session, asset, "updated", now, now, actor, {"changes": plain})
    return sorted(changes)


def _holder_text(session: Session, asset: Asset) -> str:
    if asset.holder_id is not None:
        emp = session.get(Employee, asset.holder_id)
        return emp.code if emp else ""
    return asset.holder_text


def set_holder(
    session: Session, asset: Asset, holder: str, at: datetime, now: datetime, actor: str = ""
) -> None:
    """Return the asset from its holder (if any) and assign it to ``holder`` (if given)."""
    previous = _holder_text(session, asset)
    if previous:
        record(session, asset, "returned", at, now, actor, {"holder": previous})
    emp = find_employee(session, holder)
    asset.holder_id = emp.id if emp else None
    asset.holder_text = "" if emp else holder.strip()
    if holder.strip():
        record(session, asset, "assigned", at, now, actor, {"holder": holder.strip()})


def retire(
    session: Session,
    asset: Asset,
    on: date,
    tz: ZoneInfo,
    now: datetime,
    actor: str = "",
    kind: str = "retired",
) -> None:
    if kind not in RETIRING_KINDS:
        raise ValidationError(f"unknown retirement kind {kind}")
    asset.status = "retired"
    asset.retired_date = on
    record(session, asset, kind, local_midnight(on, tz), now, actor)


def add_mac(session: Session, asset: Asset, mac: str) -> None:
    mac = normalise_mac(mac)
    if mac and session.get(AssetMac, mac) is None:
        session.add(AssetMac(mac=mac, asset_id=asset.id))


_NOT_HEX = re.compile(r"[^0-9a-f]")


def normalise_mac(mac: str) -> str:
    hexdigits = _NOT_HEX.sub("", mac.lower())
    if len(hexdigits) != 12 or hexdigits == "0" * 12:
        return ""
    return ":".join(hexdigits[i : i + 2] for i in range(0, 12, 2))


@dataclass(frozen=True)
class Lifecycle:
    """An asset's service life as the ledger tells it (local days)."""

    asset_id: int
    inventory_no: str | None
    category: str
    hostname: str | None
    purchased_on: date | None
    retired_on: date | None

    def in_service(self, day: date) -> bool:
        """Purchased on or before ``day`` and not retired on or before it."""
        return (
            self.purchased_on is not None
            and self.purchased_on <= day
            and (self.retired_on is None or self.retired_on > day)
        )


_ONCE = "inventory.ledger.lifecycles"  # session.info key of ``lifecycles_once``'s memo


@contextmanager
def lifecycles_once(session: Session) -> Iterator[None]:
    """Inside the block ``lifecycles`` reads the ledger once per time zone and hands out
    copies: the annual report asks for it eight times in one read-only session."""
    session.info[_ONCE] = {}
    try:
        yield
    finally:
        session.info.pop(_ONCE, None)


def lifecycles(session: Session, tz: ZoneInfo) -> list[Lifecycle]:
    """Every asset's purchase day (latest ``purchased`` event) and retirement (earliest)."""
    memo: dict[str, list[Lifecycle]] | None = session.info.get(_ONCE)
    if memo is None:
        return _read_lifecycles(session, tz)
    if tz.key not in memo:
        memo[tz.key] = _read_lifecycles(session, tz)
    return list(memo[tz.key])


def _read_lifecycles(session: Session, tz: ZoneInfo) -> list[Lifecycle]:
    purchased: dict[int, tuple[int, date]] = {}
    retired: dict[int, date] = {}
    rows = session.execute(
        select(AssetEvent.id, AssetEvent.asset_id, AssetEvent.kind, AssetEvent.at).where(
            AssetEvent.kind.in_(("purchased", *RETIRING_KINDS))
        )
    ).all()
    for event_id, asset_id, kind, at in rows:
        day = local_day(at, tz)
        if kind == "purchased":
            if asset_id not in purchased or purchased[asset_id][0] < event_id:
                purchased[asset_id] = (event_id, day)
        elif asset_id not in retired or day < retired[asset_id]:
            retired[asset_id] = day
    assets = session.execute(
        select(Asset.id, Asset.inventory_no, Asset.category, Asset.hostname)
    ).all()
    return [
        Lifecycle(
            aid,
            no,
            cat,
            host,
            purchased[aid][1] if aid in purchased else None,
            retired.get(aid),
        )
        for aid, no, cat, host in assets
    ]
