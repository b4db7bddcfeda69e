"""The inventory's /metrics and dashboard tiles, served from a cached snapshot.

A job refreshes the snapshot every ``[inventory] metrics_refresh``; agent reports
update their host's timestamp in memory. A scrape or a page view never queries the
database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from inventory import repairs, stock
from inventory.kpi import month_trends, purchases_kpi, repairs_kpi
from inventory.models import Asset
from itops.charts import Chart, nice_max, trend
from itops.context import AppContext
from itops.db.session import read_scope
from itops.plugins import Tile
from itops.services import Service


@dataclass(frozen=True)
class Snapshot:
    """What the metrics and tiles show; replaced whole, never mutated."""

    at: datetime
    year: int
    assets: dict[tuple[str, str], int] = field(default_factory=dict)
    repair_ratio: float | None = None
    repair_count: int = 0
    equipment: int = 0
    repairs_met: bool | None = None
    purchase_ratio: float | None = None
    purchase_count: int = 0
    computers: int = 0
    purchases_met: bool | None = None
    candidates: int = 0
    low_stock: int = 0
    overdue_loans: int = 0
    unsupported_os: int = 0
    discovered: int = 0
    agents: dict[str, float] = field(default_factory=dict)
    update_risk: dict[str, int] = field(default_factory=dict)
    at_risk: int = 0
    toner_orders: int = 0
    # KPIs 2 and 3 at the end of each month so far (month, ratio; None: no denominator)
    repair_trend: tuple[tuple[int, float | None], ...] = ()
    purchase_trend: tuple[tuple[int, float | None], ...] = ()
    repairs_target: float = 0.0
    purchases_target: float = 0.0
    # False for the stand-in holding agents' report times before the first refresh
    refreshed: bool = True


class InventoryMetrics:
    """The inventory's service object: the cached snapshot, replaced whole under a lock."""

    def __init__(self, ctx: AppContext) -> None:
        self.lock = threading.Lock()
        self.snapshot: Snapshot | None = None


SERVICE: Service[InventoryMetrics] = Service("inventory.metrics", InventoryMetrics)


def snapshot(ctx: AppContext) -> Snapshot | None:
    return SERVICE.of(ctx).snapshot


def refresh(ctx: AppContext) -> Snapshot:
    """Recompute the snapshot from the database (one short session)."""
    return refresh_into(SERVICE.of(ctx), ctx)


def refresh_into(held: InventoryMetrics, ctx: AppContext) -> Snapshot:
    """``refresh`` into ``held`` (the job gets its service at registration)."""
    from inventory.config import INVENTORY
    from inventory.public import os_support_status, update_risk
    from inventory.toner import shortages

    now = ctx.clock.now()
    tz = ZoneInfo(ctx.settings.office.timezone)
    today = now.astimezone(tz).date()
    with read_scope(ctx.sessions) as db:
        counts: dict[tuple[str, str], int] = {}
        for cat, status, confirmed, n in db.execute(
            select(Asset.category, Asset.status, Asset.confirmed, func.count()).group_by(
                Asset.category, Asset.status, Asset.confirmed
            )
        ):
            key = (cat, status if confirmed else "discovered")
            counts[key] = counts.get(key, 0) + int(n)
        rep = repairs_kpi(db, ctx.settings, today.year)
        pur = purchases_kpi(db, ctx.settings, today.year)
        agents = {
            host: seen.timestamp()
            for host, seen in db.execute(
                select(Asset.hostname, Asset.last_seen).where(Asset.last_seen.is_not(None))
            )
            if host and seen is not None
        }
        risk = update_risk(db, ctx.settings, now)
        repair_trend, purchase_trend = month_trends(db, ctx.settings, rep, pur, today)
        orders = shortages(db, ctx.settings.section(INVENTORY).toner_order_percent)
        snap = Snapshot(
            at=now,
            year=today.year,
            assets=counts,
            repair_ratio=rep.ratio,
            repair_count=rep.count,
            equipment=rep.equipment,
            repairs_met=rep.met,
            purchase_ratio=pur.ratio,
            purchase_count=pur.count,
            computers=pur.computers,
            purchases_met=pur.met,
            candidates=len(repairs.repair_candidates(db)),
            low_stock=len(stock.low_stock(db)),
            overdue_loans=len(stock.overdue_loans(db, today)),
            unsupported_os=sum(
                1 for s in os_support_status(db, ctx.settings, today) if s.supported is False
            ),
            discovered=int(
                db.scalar(select(func.count()).select_from(Asset).where(Asset.confirmed.is_(False)))
                or 0
            ),
            agents=agents,
            update_risk=risk.counts,
            at_risk=risk.at_risk,
            toner_orders=len(orders),
            repair_trend=tuple(repair_trend),
            purchase_trend=tuple(purchase_trend),
            repairs_target=rep.target,
            purchases_target=pur.target,
        )
    with held.lock:
        old = held.snapshot
        if old is not None:
            merged = {**snap.agents}
            for host, ts in old.agents.items():
                merged[host] = max(ts, merged.get(host, 0.0))
            snap = replace(snap, agents=merged)
        held.snapshot = snap
    return snap


def note_agent_report(ctx: AppContext, host: str, at: datetime) -> None:
    note_agent_reports(ctx, {host: at})


def note_agent_reports(ctx: AppContext, reports: Mapping[str, datetime]) -> None:
    """Stored reports (host → time) for ``itops_agent_last_report_*``: one copy per batch."""
    if not reports:
        return
    at = max(reports.values())
    held = SERVICE.of(ctx)
    with held.lock:
        old = held.snapshot or Snapshot(at=at, year=at.year, refreshed=False)
        agents = {**old.agents, **{h: t.timestamp() for h, t in reports.items()}}
        held.snapshot = replace(old, agents=agents)


class InventoryCollector(Collector):
    """``itops_inventory_assets``, ``itops_kpi_*_ratio``, ``itops_agent_last_report_*``."""

    def __init__(self, service: InventoryMetrics) -> None:
        self.service = service

    def snapshot_times(self) -> dict[str, datetime | None]:
        """When the snapshot was read from the database (agents' reports only add times)."""
        snap = self.service.snapshot
        return {"inventory": snap.at if snap is not None and snap.refreshed else None}

    def collect(self) -> Iterator[Metric]:
        snap = self.service.snapshot
        assets = GaugeMetricFamily(
            "itops_inventory_assets",
            "assets in the inventory by category and status",
            labels=["category", "status"],
        )
        repair = GaugeMetricFamily(
            "itops_kpi_repair_ratio",
            "KPI 2 this year: repairs needing parts or reinstall / equipment in service",
        )
        purchase = GaugeMetricFamily(
            "itops_kpi_purchase_ratio",
            "KPI 3 this year: computers bought / computers in service",
        )
        agents = GaugeMetricFamily(
            "itops_agent_last_report_timestamp_seconds",
            "when the host's agent last reported (Unix time)",
            labels=["host"],
        )
        if snap is not None:
            for (cat, status), n in sorted(snap.assets.items()):
                assets.add_metric([cat, status], n)
            if snap.repair_ratio is not None:
                repair.add_metric([], snap.repair_ratio)
            if snap.purchase_ratio is not None:
                purchase.add_metric([], snap.purchase_ratio)
            for host, ts in sorted(snap.agents.items()):
                agents.add_metric([host], ts)
        yield assets
        yield repair
        yield purchase
        yield agents
        risk = GaugeMetricFamily(
            "itops_hosts_update_risk",
            "computers in service at update risk, by reason (one computer may count twice)",
            labels=["reason"],
        )
        toner = GaugeMetricFamily(
            "itops_stock_toner_orders",
            "printer toners and drums at the order level with no fitting cartridge in stock",
        )
        if snap is not None:
            from inventory.updates import RISK_REASONS

            for reason in RISK_REASONS:
                risk.add_metric([reason], snap.update_risk.get(reason, 0))
            toner.add_metric([], snap.toner_orders)
        yield risk
        yield toner


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}".replace(".", ",")


MONTHS = {
    "pl": ("sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def kpi_trend(
    points: tuple[tuple[int, float | None], ...], target: float, chart_id: str, lang: str
) -> Chart:
    """A KPI 2/3 tile's bars: the ratio at each month's end, the target as a dashed line."""
    from itops import formats
    from itops.i18n import translator

    _ = translator(lang)
    names = MONTHS["en" if lang == "en" else "pl"]
    values = [100 * (r or 0.0) for _, r in points]
    return trend(
        [names[m - 1] for m, _ in points],
        values,
        title=_("Od początku roku na koniec każdego miesiąca"),
        chart_id=chart_id,
        columns=(_("Miesiąc"), _("Od początku roku")),
        texts=[formats.percent(r, lang, 1) for _, r in points],
        top=nice_max(max([*values, target * 100], default=1.0)),
        target=target * 100,
        decimal="." if lang == "en" else ",",
    )


def _say(
    label: str, year: int, ratio: float | None, count: int, base: int, lang: str
) -> tuple[str, str, str]:
    """A KPI tile's label, value and detail in ``lang`` (the year and the percent's sign)."""
    from itops import formats
    from itops.i18n import translator

    value = "—" if ratio is None else formats.percent(ratio, lang, 1)
    return f"{translator(lang)(label)} {year}", value, f"{count} / {base}"


def _kpi_tile(
    label: str,
    year: int,
    figures: tuple[float | None, int, int, bool | None],
    goal: tuple[tuple[tuple[int, float | None], ...], float, str, str],
) -> Tile:
    """KPI 2 or 3: (ratio, count, base, met), (month trend, target, chart id, relation)."""
    ratio, count, base, met = figures
    points, target, chart_id, relation = goal
    return Tile(
        f"{label} {year}",
        _pct(ratio),
        f"{count} / {base}",
        met,
        "/inventory/kpi",
        partial(kpi_trend, points, target, chart_id) if points else None,
        target=target,
        target_relation=relation,
        say=partial(_say, label, year, ratio, count, base),
    )


def tiles(ctx: AppContext) -> list[Tile]:

    snap = snapshot(ctx)
    if snap is None:
        return []
    out = [
        _kpi_tile(
            "KPI 2: naprawy",
            snap.year,
            (snap.repair_ratio, snap.repair_count, snap.equipment, snap.repairs_met),
            (snap.repair_trend, snap.repairs_target, "trend-kpi2", "<"),
        ),
        _kpi_tile(
            "KPI 3: zakupy komputerów",
            snap.year,
            (snap.purchase_ratio, snap.purchase_count, snap.computers, snap.purchases_met),
            (snap.purchase_trend, snap.purchases_target, "trend-kpi3", "≥"),
        ),
        Tile(
            "Zmiany sprzętu bez protokołu",
            str(snap.candidates),
            "",
            snap.candidates == 0,
            "/inventory/repairs",
        ),
        Tile(
            "Niski stan magazynu",
            str(snap.low_stock),
            "",
            snap.low_stock == 0,
            "/inventory/stock",
        ),
        Tile(
            "Przeterminowane użyczenia",
            str(snap.overdue_loans),
            "",
            snap.overdue_loans == 0,
            "/inventory/loans",
        ),
        Tile(
            "Systemy bez wsparcia producenta",
            str(snap.unsupported_os),
            "",
            snap.unsupported_os == 0,
            "/inventory?unsupported=1",
        ),
        Tile(
            "Komputery z ryzykiem aktualizacji",
            str(snap.at_risk),
            "",
            snap.at_risk == 0,
            "/inventory/updates",
        ),
        Tile(
            "Zamów toner",
            str(snap.toner_orders),
            "",
            snap.toner_orders == 0,
            "/inventory/stock#toner-orders",
        ),
    ]
    return out
