"""Repair protocols (protokoły napraw) and the hardware changes that still lack one.

A protocol is one row plus one ``repaired``/``reinstalled`` ledger event on its asset
(KPI 2 reads the protocols of a year); parts drawn from stock lower the stock in the
same transaction. A ``hardware_changed`` event the agent reported is a repair candidate
until a protocol answers it or an IT officer dismisses it with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.ledger import local_midnight, record
from inventory.models import (
    PROTOCOL_KINDS,
    Asset,
    AssetEvent,
    Consumable,
    ProtocolPart,
    RepairProtocol,
)
from inventory.toner import move
from itops.errors import ValidationError


@dataclass(frozen=True)
class ProtocolInput:
    number: str
    repaired_on: date
    inventory_no: str
    kind: str
    description: str = ""
    parts: str = ""
    technician: str = ""
    cost: Decimal | None = None
    downtime_hours: float | None = None

    def problems(self) -> list[str]:
        out = []
        if not self.number.strip():
            out.append("number is empty")
        if self.kind not in PROTOCOL_KINDS:
            out.append(f'kind "{self.kind}" is not one of {", ".join(PROTOCOL_KINDS)}')
        if self.cost is not None and self.cost < 0:
            out.append("cost is negative")
        if self.downtime_hours is not None and self.downtime_hours < 0:
            out.append("downtime is negative")
        return out


def add_protocol(
    session: Session,
    data: ProtocolInput,
    tz: ZoneInfo,
    now: datetime,
    actor: str = "",
    stock: Iterable[tuple[str, int]] = (),
    candidate_event_id: int | None = None,
) -> int:
    """Record a repair protocol, its ledger event and the parts it drew from stock.

    Returns the protocol's id.
    """
    problems = data.problems()
    asset = session.scalar(select(Asset).where(Asset.inventory_no == data.inventory_no))
    if asset is None:
        problems.append(f'no asset with inventory number "{data.inventory_no}"')
    if session.scalar(select(RepairProtocol.id).where(RepairProtocol.number == data.number)):
        problems.append(f'protocol "{data.number}" already exists')
    if problems:
        raise ValidationError(f"protocol {data.number}: " + "; ".join(problems))
    assert asset is not None  # noqa: S101 - narrowed by the check above
    protocol = RepairProtocol(
        number=data.number,
        repaired_on=data.repaired_on,
        asset_id=asset.id,
        kind=data.kind,
        description=data.description,
        parts=data.parts,
        technician=data.technician,
        cost=data.cost,
        downtime_hours=data.downtime_hours,
        created_at=now,
    )
    session.add(protocol)
    session.flush()
    for name, qty in stock:
        item = session.scalar(select(Consumable).where(Consumable.name == name))
        if item is None:
            raise ValidationError(f'protocol {data.number}: no stock item "{name}"')
        if qty <= 0 or item.quantity < qty:
            raise ValidationError(
                f'protocol {data.number}: cannot take {qty} of "{name}" (in stock {item.quantity})'
            )
        move(session, item, -qty, "repair", now, actor=actor, note=data.number)
        session.add(ProtocolPart(protocol_id=protocol.id, consumable_id=item.id, quantity=qty))
    kind = "reinstalled" if data.kind == "reinstall" else "repaired"
    record(
        session,
        asset,
        kind,
        local_midnight(data.repaired_on, tz),
        now,
        actor,
        {"number": data.number, "kind": data.kind},
        protocol_id=protocol.id,
        ref_event_id=candidate_event_id,
    )
    return protocol.id


@dataclass(frozen=True)
class ProtocolRow:
    """One protocol as the "Protokoły napraw" page lists it."""

    number: str
    date: date
    inventory_no: str | None
    kind: str
    description: str
    technician: str
    cost: Decimal | None
    downtime: float | None
    asset_id: int


def recent_protocols(session: Session, limit: int = 1000) -> list[ProtocolRow]:
    """The newest protocols first (by repair day, then number)."""
    rows = session.execute(
        select(RepairProtocol, Asset.inventory_no)
        .join(Asset, Asset.id == RepairProtocol.asset_id)
        .order_by(RepairProtocol.repaired_on.desc(), RepairProtocol.number)
        .limit(limit)
    ).all()
    return [
        ProtocolRow(
            p.number,
            p.repaired_on,
            no,
            p.kind,
            p.description,
            p.technician,
            p.cost,
            p.downtime_hours,
            p.asset_id,
        )
        for p, no in rows
    ]


@dataclass(frozen=True)
class AssetProtocol:
    """A protocol on one asset's page."""

    number: str
    date: date
    kind: str
    description: str


def protocols_of(session: Session, asset_id: int) -> list[AssetProtocol]:
    rows = session.scalars(
        select(RepairProtocol)
        .where(RepairProtocol.asset_id == asset_id)
        .order_by(RepairProtocol.repaired_on)
    )
    return [AssetProtocol(p.number, p.repaired_on, p.kind, p.description) for p in rows]


@dataclass(frozen=True)
class RepairCandidate:
    """A detected hardware change with no protocol yet (an undocumented repair?)."""

    event_id: int
    asset_id: int
    inventory_no: str | None
    hostname: str | None
    at: datetime
    changes: dict[str, Any]


def repair_candidates(session: Session) -> list[RepairCandidate]:
    """``hardware_changed`` events not yet answered by a protocol or a dismissal."""
    answered = set(
        session.scalars(select(AssetEvent.ref_event_id).where(AssetEvent.ref_event_id.is_not(None)))
    )
    rows = session.execute(
        select(AssetEvent, Asset.inventory_no, Asset.hostname)
        .join(Asset, Asset.id == AssetEvent.asset_id)
        .where(AssetEvent.kind == "hardware_changed")
        .order_by(AssetEvent.at)
    ).all()
    return [
        RepairCandidate(ev.id, ev.asset_id, no, host, ev.at, json.loads(ev.detail))
        for ev, no, host in rows
        if ev.id not in answered
    ]


def dismiss_candidate(
    session: Session, event_id: int, reason: str, now: datetime, actor: str = ""
) -> None:
    event = session.get(AssetEvent, event_id)
    if event is None or event.kind != "hardware_changed":
        raise ValidationError(f"no hardware change #{event_id}")
    asset = session.get(Asset, event.asset_id)
    assert asset is not None  # noqa: S101 - foreign key
    record(
        session,
        asset,
        "candidate_dismissed",
        now,
        now,
        actor,
        {"reason": reason},
        ref_event_id=event_id,
    )
