"""The ``checks`` feature as the core sees it (kinds themselves are in ``CHECK_KINDS``).

Wires KPI 1 into the daemon: the outage tracker as a result sink, its flush / pruning /
availability-cache jobs, the CLI, the "Systemy" pages, metrics and the home-page tile.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.availability.config import AVAILABILITY
from checks.availability.service import SERVICE, AvailabilityService
from checks.availability.texts import STATUS_TRANSLATIONS, SYSTEM_TRANSLATIONS
from itops.messages import stored_within
from itops.plugins import Feature, Job, NavItem, Panel, Tile

if TYPE_CHECKING:
    from prometheus_client.registry import Collector
    from sqlalchemy.orm import Session
    from starlette.routing import BaseRoute

    from checks.availability.models import MonitoringGap
    from itops.check import Check, CheckEntry
    from itops.config import Settings
    from itops.context import AppContext
    from itops.heartbeat import Unwatched
    from itops.runner import ResultSink

logger = logging.getLogger(__name__)

# itops.auth.ROLES, spelled out: importing itops.auth hashes a dummy password (~0.3 s of
# Argon2) and every CLI command imports this module. A test keeps the two equal.
ROLES = ("admin", "it_officer", "auditor", "monitoring_officer")


def _flush(availability: AvailabilityService, ctx: AppContext) -> None:
    tracker = availability.tracker
    tracker.settings = ctx.settings
    tracker.flush(ctx.clock.now())


def _prune(ctx: AppContext) -> None:
    from checks.availability.retention import prune

    deleted, folded = prune(ctx.sessions, ctx.settings, ctx.clock.now())
    if deleted or folded:
        logger.info("pruned %d raw results, folded %d hourly rollups", deleted, folded)


def _refresh_year(availability: AvailabilityService, _ctx: AppContext) -> None:
    availability.refresh_year()


def _jobs(ctx: AppContext, availability: AvailabilityService) -> Sequence[Job]:
    return [
        Job(
            "flush",
            ctx.settings.section(AVAILABILITY).flush_interval.total_seconds(),
            partial(_flush, availability),
            False,
        ),
        Job("prune", 3600, _prune),
        Job("availability", 600, partial(_refresh_year, availability)),
    ]


def _checks(ctx: AppContext) -> Sequence[Check[Any]]:
    """The ``[[checks]]`` of the running config, for the core's check engine."""
    from checks.config import CHECKS
    from checks.kinds import CHECK_KINDS

    return [CHECK_KINDS.create(c) for c in ctx.settings.section(CHECKS)]


def _configured(settings: Settings) -> Sequence[CheckEntry]:
    from checks.config import CHECKS

    return settings.section(CHECKS)


def _unwatched(db: Session, period: Unwatched) -> None:
    """A period nobody watched is a monitoring gap for every check (neither up nor down)."""
    from checks.availability.models import MonitoringGap

    db.add(
        MonitoringGap(start=period.start, end=period.end, reason=stored_within(period.reason, 200))
    )


def _sinks(ctx: AppContext, availability: AvailabilityService) -> Sequence[ResultSink]:
    return [availability.tracker]


def _start(ctx: AppContext) -> None:
    _record_checks(ctx)
    SERVICE.of(ctx).tracker.load()  # with the open gaps of the checks just added


def _reloaded(ctx: AppContext) -> None:
    SERVICE.of(ctx).tracker.await_first(_record_checks(ctx))


def _record_checks(ctx: AppContext) -> list[MonitoringGap]:
    """The configured checks into the check history (added, changed, removed), so a past
    period is computed with the checks as they were then; the gaps of the checks added."""
    from checks.availability.watch import sync_checks
    from itops.units import sync_units

    sync_units(ctx.sessions, ctx.settings)  # the gaps name their unit (done at a start)
    written, gaps = sync_checks(ctx.sessions, ctx.settings, ctx.clock.now())
    if written:
        logger.info("check history: %d change(s) of the configured checks recorded", written)
    return gaps


def _stop(ctx: AppContext) -> None:
    SERVICE.of(ctx).tracker.flush(ctx.clock.now(), everything=True)


def _cli(group: object) -> None:
    from checks.availability.cli import register

    register(group)  # type: ignore[arg-type]


def _routes(ctx: AppContext) -> Sequence[BaseRoute]:
    from checks.availability.web import routes

    return routes()


def _collectors(ctx: AppContext, availability: AvailabilityService) -> Sequence[Collector]:
    from checks.availability.metrics import AvailabilityCollector

    return [AvailabilityCollector(ctx, availability)]


def _tiles(ctx: AppContext) -> Sequence[Tile]:
    from zoneinfo import ZoneInfo

    from checks.availability.pulpit import kpi1_trend
    from itops import formats
    from itops.i18n import translator

    report = SERVICE.of(ctx).fresh_year()
    if report is None:
        return [Tile("Dostępność systemów (rok)", "—", "jeszcze nie policzono", None, "/systemy")]
    office = report.office
    if office.availability is None:
        return [
            Tile("Dostępność systemów (rok)", "brak danych", "nie do ustalenia", None, "/systemy")
        ]
    today = ctx.clock.now().astimezone(ZoneInfo(ctx.settings.office.timezone)).date()
    ratio, minutes = office.availability, f"{office.downtime_seconds / 60:.0f} min"

    def say(lang: str) -> tuple[str, str, str]:
        _ = translator(lang)
        value = formats.percent(ratio, lang, 3, floor=True)  # never rounded up
        return _("Dostępność systemów (rok)"), value, f"{_('przestoje')} {minutes}"

    return [
        Tile(
            "Dostępność systemów (rok)",
            formats.percent(ratio, "pl", 3, floor=True),
            f"przestoje {minutes}",
            office.met,
            "/systemy",
            lambda lang: kpi1_trend(report, lang, today),
            target=office.target,
            say=say,
        )
    ]


def _panels(ctx: AppContext, lang: str) -> Sequence[Panel]:
    from checks.availability.pulpit import office_strip

    return [office_strip(ctx, lang)]


TRANSLATIONS = {
    "port TCP": "TCP port",
    "strona WWW (HTTP)": "web page (HTTP)",
    "certyfikat TLS": "TLS certificate",
    "ping (ICMP)": "ping (ICMP)",
    "dysk": "disk",
    "proces": "process",
    "pamięć": "memory",
    "obciążenie": "load",
    "urządzenie SNMP": "SNMP device",
    "aktualność strony": "page freshness",
    "raport agenta": "agent report",
    "Systemy": "Systems",
    "Awarie": "Outages",
    "Stan systemów": "System status",
    "Stan": "State",
    "Od": "Since",
    "Dostępność w godzinach pracy (rok)": "Working-hours availability (year)",
    "Pokrycie monitoringiem": "Monitoring coverage",
    "Dostępność systemów (rok)": "System availability (year)",
    "Przerwy w godzinach pracy": "Outages in working hours",
    "System": "System",
    "Początek": "Start",
    "Koniec": "End",
    "Minuty w godzinach pracy": "Working-hours minutes",
    "Przyczyna": "Cause",
    "Pierwotna przyczyna": "Original cause",
    "Notatka": "Note",
    "Zmień przyczynę": "Change cause",
    "Uzasadnienie": "Reason",
    "Zapisz": "Save",
    "trwa": "ongoing",
    "awaria": "failure",
    "planowana": "planned",
    "zewnętrzna": "external",
    "fałszywy alarm": "false alarm",
    "brak danych": "no data",
    "nie do ustalenia": "cannot be determined",
    "Cel": "Target",
    "Urząd": "Office",
    "spełniony": "met",
    "niespełniony": "not met",
    "Brak przerw w godzinach pracy w tym roku.": "No outages in working hours this year.",
    "Rodzaj": "Kind",
    "zmiana przyczyny awarii": "outage cause changed",
    "dopisanie awarii": "outage entered",
    "import awarii": "outages imported",
    "dodanie prac planowych": "maintenance window added",
}

# Outage causes and this feature's audit actions, as the pages and the audit log show them.
LABELS = {
    "cause:failure": "awaria",
    "cause:planned": "planowana",
    "cause:external": "zewnętrzna",
    "cause:false_alarm": "fałszywy alarm",
    "audit:outage_reclassified": "zmiana przyczyny awarii",
    "audit:outage_added": "dopisanie awarii",
    "audit:outages_imported": "import awarii",
    "audit:maintenance_added": "dodanie prac planowych",
    "audit:status_note": "komunikat na stronie statusu",
    # check kinds as a page names them (the key stays what the config says: kind = "disk")
    "check_kind:tcp": "port TCP",
    "check_kind:http": "strona WWW (HTTP)",
    "check_kind:tls": "certyfikat TLS",
    "check_kind:dns": "DNS",
    "check_kind:icmp": "ping (ICMP)",
    "check_kind:disk": "dysk",
    "check_kind:process": "proces",
    "check_kind:memory": "pamięć",
    "check_kind:load": "obciążenie",
    "check_kind:snmp": "urządzenie SNMP",
    "check_kind:freshness": "aktualność strony",
    "check_kind:host": "raport agenta",
}

feature = Feature(
    name="checks",
    build=SERVICE.of,
    models=["checks.availability.models"],
    cli=_cli,
    routes=_routes,
    jobs=_jobs,
    nav=(
        NavItem("Systemy", "/systemy", ROLES, order=10),
        NavItem("Awarie", "/systemy/awarie", ROLES, order=11),
    ),
    templates=str(Path(__file__).parent / "templates"),
    checks=_checks,
    configured=_configured,
    unwatched=_unwatched,
    sinks=_sinks,
    collectors=_collectors,
    tiles=_tiles,
    panels=_panels,
    start=_start,
    stop=_stop,
    reloaded=_reloaded,
    translations={**TRANSLATIONS, **SYSTEM_TRANSLATIONS, **STATUS_TRANSLATIONS},
    labels=LABELS,
)
