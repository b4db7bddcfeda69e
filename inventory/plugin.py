"""The inventory feature as the core sees it: tables, CLI, pages, API, jobs, metrics, tiles."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inventory.config import INVENTORY
from itops.auth import ADMIN, AUDITOR, IT_OFFICER
from itops.plugins import Feature, Job, NavItem, Problem, Tile

if TYPE_CHECKING:
    import click
    from prometheus_client.registry import Collector
    from starlette.routing import BaseRoute

    from inventory.metrics import InventoryMetrics
    from itops.context import AppContext
    from itops.report_parts import ReportPart

READERS = (ADMIN, IT_OFFICER, AUDITOR)


def _cli(group: click.Group) -> None:
    from inventory.cli import register

    register(group)


def _routes(ctx: AppContext) -> Sequence[BaseRoute]:
    from inventory import api, web

    return [*api.routes(ctx), *web.routes(ctx)]


def _jobs(ctx: AppContext, metrics: InventoryMetrics) -> Sequence[Job]:
    from inventory.jobs import collect_self, remind_toner_orders
    from inventory.metrics import refresh_into

    cfg = ctx.settings.section(INVENTORY)
    return [
        Job(
            "inventory-metrics",
            cfg.metrics_refresh.total_seconds(),
            partial(refresh_into, metrics),
        ),
        Job(
            "inventory-collect-self",
            cfg.collect_interval.total_seconds(),
            collect_self,
            first_in=cfg.collect_self_delay.total_seconds(),
        ),
        Job("inventory-toner-orders", cfg.metrics_refresh.total_seconds(), remind_toner_orders),
    ]


def _build(ctx: AppContext) -> InventoryMetrics:
    from inventory.metrics import SERVICE

    return SERVICE.of(ctx)


def _collectors(ctx: AppContext, metrics: InventoryMetrics) -> Sequence[Collector]:
    from inventory.metrics import InventoryCollector

    return [InventoryCollector(metrics)]


def _tiles(ctx: AppContext) -> Sequence[Tile]:
    from inventory.metrics import tiles

    return tiles(ctx)


def _problems(ctx: AppContext) -> Sequence[Problem]:
    """Computers whose agent has been silent past ``[inventory] report_max_age``."""
    from inventory.updates import fleet
    from itops.db.session import read_scope
    from itops.status import Status

    with read_scope(ctx.sessions) as db:
        states = fleet(db, ctx.settings, ctx.clock.now())
    return [
        Problem(
            Status.UNKNOWN,
            "agent milczy",
            s.hostname or s.inventory_no or f"#{s.asset_id}",
            f"/inventory/asset/{s.asset_id}",
            s.reported_at,
            note="ostatni raport agenta",
            roles=READERS,
        )
        for s in states
        if "silent" in s.risks
    ]


def _translations() -> dict[str, str]:
    from inventory.i18n import TRANSLATIONS

    return {**TRANSLATIONS, "ostatni raport agenta": "the agent's last report"}


def _summaries() -> list[tuple[str, str]]:
    from inventory.i18n import SUMMARIES

    return SUMMARIES


def _body_limits(ctx: AppContext) -> dict[str, int]:
    """The dashboard CSV import and the agent API take larger bodies than a form."""
    from inventory.web_list import IMPORT_MAX_BYTES

    return {
        "/inventory/import": IMPORT_MAX_BYTES,
        "/api/v1/agent/report": ctx.settings.section(INVENTORY).agent_max_report_bytes,
    }


def _report_parts(ctx: AppContext, _metrics: InventoryMetrics) -> Sequence[ReportPart[Any]]:
    from inventory.software import SoftwarePart

    return [SoftwarePart()]


def _labels() -> dict[str, str]:
    from inventory.i18n import LABELS

    return LABELS


feature = Feature(
    name="inventory",
    build=_build,
    models=["inventory.models"],
    cli=_cli,
    routes=_routes,
    jobs=_jobs,
    nav=(
        NavItem("Ewidencja sprzętu", "/inventory", READERS, order=40),
        NavItem("Protokoły napraw", "/inventory/repairs", READERS, order=41),
        NavItem("Pracownicy i karta obiegowa", "/inventory/employees", READERS, order=42),
        NavItem("Aktualizacje", "/inventory/updates", READERS, order=43),
        NavItem("Oprogramowanie i licencje", "/inventory/software", READERS, order=44),
    ),
    templates=str(Path(__file__).parent / "templates"),
    collectors=_collectors,
    tiles=_tiles,
    problems=_problems,
    translations=_translations(),
    labels=_labels(),
    body_limits=_body_limits,
    summaries=_summaries(),
    report_parts=_report_parts,
)
