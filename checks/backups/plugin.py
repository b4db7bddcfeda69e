"""The backups and antivirus feature as the core sees it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.backups.config import ANTIVIRUS, BACKUPS
from checks.backups.i18n import TRANSLATIONS
from checks.backups.kinds import VERIFIED_KINDS
from checks.backups.service import SERVICE, BackupService, service, verify_poll_seconds
from checks.backups.store import BackupSnapshot
from itops import formats
from itops.auth import ADMIN, AUDITOR, IT_OFFICER
from itops.plugins import Feature, Job, NavItem, Problem, Tile
from itops.status import Status

if TYPE_CHECKING:
    import click
    from prometheus_client.registry import Collector
    from starlette.routing import BaseRoute

    from itops.context import AppContext
    from itops.report_parts import ReportPart

READERS = (ADMIN, IT_OFFICER, AUDITOR)
WRITERS = (ADMIN, IT_OFFICER)


# The jobs get the feature's service at registration (``jobs``) and the context as the
# daemon calls them, unused here.
async def _look(backups: BackupService, name: str, _ctx: AppContext) -> None:
    await backups.look(name)


async def _verify(backups: BackupService, name: str, _ctx: AppContext) -> None:
    await backups.verify_if_due(name)


async def _clamav(backups: BackupService, name: str, _ctx: AppContext) -> None:
    await backups.run_clamav(name)


async def _sweep(backups: BackupService, _ctx: AppContext) -> None:
    await backups.sweep()


def _prune(backups: BackupService, _ctx: AppContext) -> None:
    backups.prune()


def jobs(ctx: AppContext, backups: BackupService) -> Sequence[Job]:
    out: list[Job] = []
    for cfg in ctx.settings.section(BACKUPS):
        look = partial(_look, backups, cfg.name)
        out.append(Job(f"look:{cfg.name}", cfg.interval.total_seconds(), look))
        if cfg.kind in VERIFIED_KINDS:
            verify = partial(_verify, backups, cfg.name)
            out.append(Job(f"verify:{cfg.name}", verify_poll_seconds(cfg), verify))
    for clam in ctx.settings.section(ANTIVIRUS).clamav:
        clamav = partial(_clamav, backups, clam.name)
        out.append(Job(f"clamav:{clam.name}", clam.interval.total_seconds(), clamav))
    out.append(Job("antivirus-sweep", 600, partial(_sweep, backups)))
    out.append(Job("prune", 6 * 3600, partial(_prune, backups)))
    return out


def routes(ctx: AppContext) -> Sequence[BaseRoute]:
    from checks.backups.web import routes as web_routes

    return web_routes()


def collectors(ctx: AppContext, backups: BackupService) -> Sequence[Collector]:
    from checks.backups.metrics import BackupCollector

    if not backups.snapshot.loaded:
        try:
            backups.load()
        except Exception:  # noqa: BLE001 - an unmigrated database must not break /metrics
            import logging

            logging.getLogger(__name__).warning("backup states not loaded yet")
    return [BackupCollector(backups)]


def report_parts(ctx: AppContext, backups: BackupService) -> Sequence[ReportPart[Any]]:
    """The antivirus section of agent reports, stored in the report's own transaction."""
    from checks.backups.agent_part import AntivirusPart

    return [AntivirusPart(backups)]


def start(ctx: AppContext) -> None:
    service(ctx).load()


async def stop(ctx: AppContext) -> None:
    await service(ctx).runner.drain(ctx.settings.daemon.shutdown_timeout.total_seconds())


def _plural(n: int, one: str, few: str, many: str | None = None) -> str:
    """Polish (one, few, many) or English (one, other: ``many`` None)."""
    if n == 1:
        return one
    if many is None:
        return few
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def backup_tile(backups: Sequence[BackupSnapshot]) -> Tile:
    """OK counts as OK and nothing else: a warning, an error and "no data" (UNKNOWN: itops
    could not tell) are each named, e.g. "1 OK, 1 błąd, 2 brak danych"."""
    by_status: dict[Status, list[str]] = {s: [] for s in Status}
    for b in sorted(backups, key=lambda b: b.name):
        by_status[Status(b.status)].append(b.name)
    ok, warn = len(by_status[Status.OK]), len(by_status[Status.WARNING])
    bad, unknown = len(by_status[Status.CRITICAL]), len(by_status[Status.UNKNOWN])
    names = ", ".join(by_status[Status.CRITICAL])

    def detail(lang: str) -> str:
        en = lang == "en"
        parts = [f"{ok} OK" if en else f"{ok} w porządku"]
        if warn:
            word = ("warning", "warnings") if en else ("ostrzeżenie", "ostrzeżenia", "ostrzeżeń")
            parts.append(f"{warn} {_plural(warn, *word)}")
        if bad:
            word = ("error", "errors") if en else ("błąd", "błędy", "błędów")
            parts.append(f"{bad} {_plural(bad, *word)} ({names})")
        if unknown:
            parts.append(f"{unknown} {'no data' if en else 'brak danych'}")
        return ", ".join(parts)

    def say(lang: str) -> tuple[str, str, str]:
        label = "Backups" if lang == "en" else "Kopie zapasowe"
        return label, f"{ok}/{len(backups)}", detail(lang)

    return Tile(
        "Kopie zapasowe",
        f"{ok}/{len(backups)}",
        detail("pl"),
        ok=ok == len(backups),
        link="/backups",
        say=say,
    )


def tiles(ctx: AppContext) -> Sequence[Tile]:
    snap = service(ctx).snapshot
    with snap.lock:
        backups = list(snap.backups.values())
        good, counted = snap.antivirus_tally()
    out: list[Tile] = []
    if backups:
        out.append(backup_tile(backups))
    if counted:
        out.append(
            Tile(
                "Ochrona antywirusowa",
                formats.percent(good / counted, "pl", 0, floor=True),  # 119/120 is not 100%
                f"{good}/{counted}",
                ok=good == counted,
                link="/antivirus",
            )
        )
    return out


def problems(ctx: AppContext) -> Sequence[Problem]:
    """Backups not OK and computers whose antivirus is not compliant or never reported,
    each linking to its page (from the in-memory snapshot: no query)."""
    from urllib.parse import quote

    snap = service(ctx).snapshot
    with snap.lock:
        backups = list(snap.backups.values())
        antivirus = dict(snap.antivirus)
        expected = snap.expected_hosts
    out = [
        Problem(
            b.status,
            "kopia zapasowa",
            b.name,
            f"/backups/{quote(b.name)}",
            b.since,
            b.summary,
            roles=READERS,
        )
        for b in backups
        if b.status is not Status.OK
    ]
    out.extend(
        Problem(
            a.status,
            "ochrona antywirusowa",
            a.host,
            "/antivirus",
            a.since,
            a.summary,
            roles=READERS,
        )
        for a in antivirus.values()
        if not a.compliant
    )
    out.extend(
        Problem(
            Status.UNKNOWN,
            "ochrona antywirusowa",
            host,
            "/antivirus",
            note="brak raportu programu antywirusowego",
            roles=READERS,
        )
        for host in expected or ()
        if host not in antivirus
    )
    return out


def cli(group: click.Group) -> None:
    from checks.backups.cli import register

    register(group)


feature = Feature(
    name="backups",
    build=SERVICE.of,
    models=["checks.backups.models"],
    cli=cli,
    routes=routes,
    jobs=jobs,
    nav=(
        NavItem("Kopie zapasowe", "/backups", READERS, order=40),
        NavItem("Ochrona antywirusowa", "/antivirus", READERS, order=41),
    ),
    templates=str(Path(__file__).parent / "templates"),
    collectors=collectors,
    tiles=tiles,
    problems=problems,
    report_parts=report_parts,
    start=start,
    stop=stop,
    translations={
        **TRANSLATIONS,
        "kopia zapasowa": "backup",
        "ochrona antywirusowa": "antivirus",
        "brak raportu programu antywirusowego": "no antivirus report",
    },
    labels={"backup_kind:file": "plik", "backup_kind:push": "sygnał z zadania (push)"},
)
