"""KPI 2 (repairs) and KPI 3 (purchases), recomputed from the ledger for any year.

KPI 2: repair protocols of kind ``component_replacement`` or ``reinstall`` dated in
the year (two on one asset count twice) ÷ equipment in service on 31 December.
KPI 3: computers purchased in the year (also those retired later that year) ÷
computers in service on 31 December. "In service on D" = purchased on or before D
and not retired on or before D, both as local (office time zone) days.
The annual report and ``itops kpi`` call ``repairs_kpi`` and ``purchases_kpi`` (through
``inventory.public``); their JSON shape is ``reports.data.Kpi``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.config import KPI
from inventory.ledger import Lifecycle, lifecycles
from inventory.models import KPI_PROTOCOL_KINDS, Asset, RepairProtocol
from itops.config import Settings

REPAIRS_RULE = (
    "KPI 2: repair protocols of kind component_replacement or reinstall dated in the year "
    "(each protocol counts, two on one asset count twice) / equipment in service on "
    "31 December (purchased on or before that day and not retired on or before it); "
    "target: ratio < {target}"
)
PURCHASES_RULE = (
    "KPI 3: computers purchased in the year (local date, also those retired later in the "
    "year) / computers in service on 31 December (purchased on or before that day and "
    "not retired on or before it); target: ratio >= {target}"
)


@dataclass(frozen=True)
class AssetItem:
    """One asset behind a KPI number."""

    inventory_no: str | None
    category: str
    purchased_on: date | None
    retired_on: date | None


@dataclass(frozen=True)
class ProtocolItem:
    """One repair protocol counted by KPI 2."""

    number: str
    repaired_on: date
    inventory_no: str | None
    kind: str


def _ratio(count: int, total: int) -> float | None:
    return count / total if total else None


@dataclass(frozen=True)
class RepairsKpi:
    """KPI 2 for one year with the protocols and equipment behind the numbers."""

    year: int
    count: int
    equipment: int
    ratio: float | None
    target: float
    met: bool | None
    rule: str
    protocols: tuple[ProtocolItem, ...]
    equipment_items: tuple[AssetItem, ...]


@dataclass(frozen=True)
class PurchasesKpi:
    """KPI 3 for one year with the purchased computers and the computers in service."""

    year: int
    count: int
    computers: int
    ratio: float | None
    target: float
    met: bool | None
    rule: str
    purchased: tuple[AssetItem, ...]
    computer_items: tuple[AssetItem, ...]


def _item(life: Lifecycle) -> AssetItem:
    return AssetItem(life.inventory_no, life.category, life.purchased_on, life.retired_on)


def _sorted(items: list[AssetItem]) -> tuple[AssetItem, ...]:
    return tuple(sorted(items, key=lambda a: (a.inventory_no or "", a.purchased_on or date.min)))


def in_service(
    session: Session, settings: Settings, on: date, categories: list[str]
) -> list[Lifecycle]:
    """Assets of ``categories`` in service on the local day ``on``, from the ledger."""
    tz = ZoneInfo(settings.office.timezone)
    wanted = set(categories)
    return [lc for lc in lifecycles(session, tz) if lc.category in wanted and lc.in_service(on)]


def repairs_kpi(session: Session, settings: Settings, year: int) -> RepairsKpi:
    """KPI 2 for ``year``: counted protocols ÷ equipment in service on 31 December."""
    cfg = settings.section(KPI)
    year_end = date(year, 12, 31)
    equipment = [
        _item(lc) for lc in in_service(session, settings, year_end, cfg.equipment_categories)
    ]
    rows = session.execute(
        select(RepairProtocol, Asset.inventory_no)
        .join(Asset, Asset.id == RepairProtocol.asset_id)
        .where(
            RepairProtocol.kind.in_(KPI_PROTOCOL_KINDS),
            RepairProtocol.repaired_on >= date(year, 1, 1),
            RepairProtocol.repaired_on <= year_end,
            Asset.category.in_(cfg.equipment_categories),
        )
        .order_by(RepairProtocol.repaired_on, RepairProtocol.number)
    ).all()
    protocols = tuple(ProtocolItem(p.number, p.repaired_on, no, p.kind) for p, no in rows)
    ratio = _ratio(len(protocols), len(equipment))
    return RepairsKpi(
        year=year,
        count=len(protocols),
        equipment=len(equipment),
        ratio=ratio,
        target=cfg.repairs_target,
        met=None if ratio is None else ratio < cfg.repairs_target,
        rule=REPAIRS_RULE.format(target=cfg.repairs_target),
        protocols=protocols,
        equipment_items=_sorted(equipment),
    )


def purchases_kpi(session: Session, settings: Settings, year: int) -> PurchasesKpi:
    """KPI 3 for ``year``: computers purchased in the year ÷ computers in service on 31 Dec."""
    cfg = settings.section(KPI)
    tz = ZoneInfo(settings.office.timezone)
    year_end = date(year, 12, 31)
    computers_cats = set(cfg.computer_categories)
    lives = [lc for lc in lifecycles(session, tz) if lc.category in computers_cats]
    computers = [_item(lc) for lc in lives if lc.in_service(year_end)]
    bought = [
        _item(lc) for lc in lives if lc.purchased_on is not None and lc.purchased_on.year == year
    ]
    ratio = _ratio(len(bought), len(computers))
    return PurchasesKpi(
        year=year,
        count=len(bought),
        computers=len(computers),
        ratio=ratio,
        target=cfg.purchases_target,
        met=None if ratio is None else ratio >= cfg.purchases_target,
        rule=PURCHASES_RULE.format(target=cfg.purchases_target),
        purchased=_sorted(bought),
        computer_items=_sorted(computers),
    )


def month_trends(
    session: Session, settings: Settings, rep: RepairsKpi, pur: PurchasesKpi, today: date
) -> tuple[list[tuple[int, float | None]], list[tuple[int, float | None]]]:
    """KPIs 2 and 3 of ``today``'s year as they stood at the end of each month so far:
    the year's protocols (purchases) up to that day ÷ the equipment (computers) in service
    on it. The current month is the KPI itself (denominator on 31 December), so the last
    point is the figure the tile shows."""
    cfg = settings.section(KPI)
    lives = lifecycles(session, ZoneInfo(settings.office.timezone))
    equipment_cats, computer_cats = set(cfg.equipment_categories), set(cfg.computer_categories)
    repairs: list[tuple[int, float | None]] = []
    purchases: list[tuple[int, float | None]] = []
    for month in range(1, today.month + 1):
        if month == today.month:
            repairs.append((month, rep.ratio))
            purchases.append((month, pur.ratio))
            break
        end = date(today.year, month + 1, 1) - timedelta(days=1)
        done = sum(1 for p in rep.protocols if p.repaired_on <= end)
        equipment = sum(1 for lc in lives if lc.category in equipment_cats and lc.in_service(end))
        bought = sum(
            1
            for lc in lives
            if lc.category in computer_cats
            and lc.purchased_on is not None
            and lc.purchased_on.year == today.year
            and lc.purchased_on <= end
        )
        computers = sum(1 for lc in lives if lc.category in computer_cats and lc.in_service(end))
        repairs.append((month, _ratio(done, equipment)))
        purchases.append((month, _ratio(bought, computers)))
    return repairs, purchases
