"""Printer toner and drum levels against the consumables stock ("zamów toner").

1. ``record_supplies`` takes one printer's SNMP readings (handed over by the checks
   feature through ``inventory.public``), keeps the newest level per supply and notices a
   replacement: a level rising by ``[inventory] toner_replaced_rise`` points means a new
   cartridge went in, so one fitting cartridge leaves the stock as a ``toner_replaced``
   movement.
2. A supply at or below ``toner_order_percent`` with no fitting cartridge in stock is a
   shortage: ``short_since`` is set on its row, the stock page warns and the caller
   publishes a "zamów toner" notification.
3. A cartridge fits by ``CartridgeFit``: printer model and/or a fragment of the supply's
   name as the printer reports it ("TK-2000").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inventory.models import CartridgeFit, Consumable, PrinterSupply, StockMovement
from itops.errors import ValidationError
from itops.events import TONER_ORDER, Event
from itops.messages import COMMA_LIST, Summary, joined, raw
from itops.status import Status


@dataclass(frozen=True)
class SupplyReading:
    """One toner or drum of one printer as the last probe read it (percent None: unknown)."""

    printer: str
    model: str
    unit: str
    supply: str
    kind: str  # "toner" or "drum"
    percent: float | None


@dataclass(frozen=True)
class Fit:
    id: int
    consumable: str
    printer_model: str
    supply_match: str


@dataclass(frozen=True)
class Shortage:
    """A supply at or below the order level with no fitting cartridge in stock."""

    printer: str
    model: str
    unit: str
    supply: str
    kind: str
    percent: float
    since: datetime
    fitting: tuple[str, ...]  # stock items that would fit (all at quantity 0), may be empty


@dataclass(frozen=True)
class SupplyRow:
    """A printer supply as the stock page lists it."""

    printer: str
    model: str
    supply: str
    kind: str
    percent: float | None
    seen_at: datetime
    in_stock: int
    low: bool
    short: bool


@dataclass(frozen=True)
class Movement:
    at: datetime
    item: str
    delta: int
    reason: str
    printer: str
    actor: str
    note: str


def _fits(fit: CartridgeFit, model: str, supply: str) -> bool:
    if not fit.printer_model and not fit.supply_match:
        return False
    if fit.printer_model and fit.printer_model.strip().lower() != model.strip().lower():
        return False
    return not fit.supply_match or fit.supply_match.lower() in supply.lower()


def fitting(session: Session, model: str, supply: str) -> list[Consumable]:
    """Stock items that fit a printer's supply, the fullest first (then by name)."""
    rows = session.execute(
        select(CartridgeFit, Consumable).join(
            Consumable, Consumable.id == CartridgeFit.consumable_id
        )
    ).all()
    found = {c.id: c for fit, c in rows if _fits(fit, model, supply)}
    return sorted(found.values(), key=lambda c: (-c.quantity, c.name))


def add_fit(session: Session, item: str, printer_model: str, supply_match: str) -> None:
    """Say that stock item ``item`` fits a printer model and/or supply name fragment."""
    model, match = printer_model.strip(), supply_match.strip()
    if not model and not match:
        raise ValidationError("give the printer model or a fragment of the supply's name")
    if len(model) > 200 or len(match) > 200:
        raise ValidationError("printer model and supply fragment: at most 200 characters")
    consumable = session.scalar(select(Consumable).where(Consumable.name == item.strip()))
    if consumable is None:
        raise ValidationError(f'no stock item "{item.strip()}"')
    exists = session.scalar(
        select(CartridgeFit.id).where(
            CartridgeFit.consumable_id == consumable.id,
            CartridgeFit.printer_model == model,
            CartridgeFit.supply_match == match,
        )
    )
    if exists is None:
        session.add(
            CartridgeFit(consumable_id=consumable.id, printer_model=model, supply_match=match)
        )


def fits(session: Session) -> list[Fit]:
    rows = session.execute(
        select(CartridgeFit, Consumable.name)
        .join(Consumable, Consumable.id == CartridgeFit.consumable_id)
        .order_by(Consumable.name, CartridgeFit.printer_model, CartridgeFit.supply_match)
    ).all()
    return [Fit(f.id, name, f.printer_model, f.supply_match) for f, name in rows]


def move(
    session: Session,
    item: Consumable,
    delta: int,
    reason: str,
    at: datetime,
    printer: str = "",
    actor: str = "",
    note: str = "",
) -> None:
    """Change ``item``'s quantity by ``delta`` and record why (never below zero)."""
    if item.quantity + delta < 0:
        raise ValidationError(f'cannot take {-delta} of "{item.name}" (in stock {item.quantity})')
    item.quantity += delta
    session.add(
        StockMovement(
            consumable_id=item.id,
            at=at,
            delta=delta,
            reason=reason,
            printer=printer[:100],
            actor=actor[:64],
            note=note[:400],
        )
    )


def record_supplies(
    session: Session,
    readings: Sequence[SupplyReading],
    now: datetime,
    order_percent: float,
    replaced_rise: float,
) -> list[Shortage]:
    """Store one round of readings; returns every shortage standing after them.

    Readings with an unknown level keep the stored level (the printer said nothing new).
    """
    for reading in readings:
        row = session.scalar(
            select(PrinterSupply).where(
                PrinterSupply.printer == reading.printer[:100],
                PrinterSupply.supply == reading.supply[:200],
            )
        )
        if row is None:
            row = PrinterSupply(
                printer=reading.printer[:100],
                supply=reading.supply[:200],
                kind=reading.kind,
                percent=None,
                seen_at=now,
            )
            session.add(row)
        before = row.percent
        row.model, row.unit, row.kind, row.seen_at = (
            reading.model[:200],
            reading.unit,
            reading.kind,
            now,
        )
        if reading.percent is None:
            continue
        row.percent = reading.percent
        if before is not None and reading.percent - before >= replaced_rise:
            items = [c for c in fitting(session, reading.model, reading.supply) if c.quantity > 0]
            if items:
                note = f"{reading.supply}: {round(before)}% -> {round(reading.percent)}%"
                move(session, items[0], -1, "toner_replaced", now, reading.printer, "itops", note)
    session.flush()
    return _update_shortages(session, now, order_percent, {r.printer for r in readings})


def _update_shortages(
    session: Session, now: datetime, order_percent: float, printers: Iterable[str]
) -> list[Shortage]:
    out = []
    rows = session.scalars(
        select(PrinterSupply)
        .where(PrinterSupply.printer.in_(list(printers)))
        .order_by(PrinterSupply.printer, PrinterSupply.supply)
    )
    for row in rows:
        items = fitting(session, row.model, row.supply)
        low = row.percent is not None and row.percent <= order_percent
        short = low and sum(c.quantity for c in items) == 0
        if not short:
            row.short_since = None
            continue
        if row.short_since is None:
            row.short_since = now
        assert row.percent is not None  # noqa: S101 - low implies a level
        out.append(
            Shortage(
                row.printer,
                row.model,
                row.unit,
                row.supply,
                row.kind,
                row.percent,
                row.short_since,
                tuple(c.name for c in items),
            )
        )
    return out


def shortages(session: Session, order_percent: float) -> list[Shortage]:
    """Every supply low with no fitting cartridge in stock, judged against today's stock.

    Why recomputed here and not read from ``short_since``: a cartridge entered into the
    stock a minute ago ends the warning now, not at the printer's next probe.
    """
    out = []
    for row in session.scalars(
        select(PrinterSupply).order_by(PrinterSupply.printer, PrinterSupply.supply)
    ):
        if row.percent is None or row.percent > order_percent:
            continue
        items = fitting(session, row.model, row.supply)
        if sum(c.quantity for c in items) == 0:
            out.append(
                Shortage(
                    row.printer,
                    row.model,
                    row.unit,
                    row.supply,
                    row.kind,
                    row.percent,
                    row.short_since or row.seen_at,
                    tuple(c.name for c in items),
                )
            )
    return out


def supply_rows(session: Session, order_percent: float) -> list[SupplyRow]:
    out = []
    for row in session.scalars(
        select(PrinterSupply).order_by(PrinterSupply.printer, PrinterSupply.supply)
    ):
        stocked = sum(c.quantity for c in fitting(session, row.model, row.supply))
        low = row.percent is not None and row.percent <= order_percent
        out.append(
            SupplyRow(
                row.printer,
                row.model,
                row.supply,
                row.kind,
                row.percent,
                row.seen_at,
                stocked,
                low,
                low and stocked == 0,
            )
        )
    return out


def movements(session: Session, limit: int = 50) -> list[Movement]:
    rows = session.execute(
        select(StockMovement, Consumable.name)
        .join(Consumable, Consumable.id == StockMovement.consumable_id)
        .order_by(StockMovement.at.desc(), StockMovement.id.desc())
        .limit(limit)
    ).all()
    return [Movement(m.at, name, m.delta, m.reason, m.printer, m.actor, m.note) for m, name in rows]


def movement_count(session: Session, reason: str) -> int:
    return int(session.scalar(select(func.count()).where(StockMovement.reason == reason)) or 0)


def order_summary(shortage: Shortage) -> Summary:
    """The notification's text, in the reader's language (``toner.order``)."""
    model = Summary("toner.model", {"model": shortage.model}) if shortage.model else raw("")
    fitting = (
        Summary("toner.fitting", {"items": joined(shortage.fitting, COMMA_LIST)})
        if shortage.fitting
        else Summary("toner.no_fitting")
    )
    return Summary(
        "toner.order",
        {
            "printer": shortage.printer,
            "model": model,
            "supply": shortage.supply,
            "level": shortage.percent / 100,
            "fitting": fitting,
        },
    )


def order_event(shortage: Shortage, now: datetime) -> Event:
    """The ``toner_order`` event ("zamów toner") of one standing shortage.

    Published at every reading and every reminder round: the notifier sends it once per
    ``repeat_after`` and holds a WARNING back outside working hours.
    """
    return Event(
        TONER_ORDER,
        shortage.printer,
        Status.WARNING,
        now,
        order_summary(shortage),
        {
            "unit": shortage.unit,
            "model": shortage.model,
            "supply": shortage.supply,
            "percent": round(shortage.percent, 1),
            "since": shortage.since.isoformat(),
            "fitting": list(shortage.fitting),
        },
    )
