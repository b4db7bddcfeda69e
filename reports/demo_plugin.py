"""The DEMO office as a feature: only the ``itops demo`` command group."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from itops.cli import Ctx, pass_ctx
from itops.config import OFFICE_UNIT
from itops.context import AppContext
from itops.errors import ValidationError
from itops.plugins import Feature

logger = logging.getLogger(__name__)


@click.group("demo")
def demo_group() -> None:
    """The DEMO office: invented data for a first look at itops."""


@demo_group.command("seed")
@click.option(
    "--year",
    type=int,
    default=None,
    help="Calendar year to invent (default: the current one up to today; "
    "in January the previous one).",
)
@click.option(
    "--if-empty", is_flag=True, help="Skip quietly (exit 0) when the database already has data."
)
@pass_ctx
def demo_seed(ctx: Ctx, year: int | None, if_empty: bool) -> None:
    """Fill an EMPTY database with a DEMO office: inventory, outages, backups, register.

    Refuses (exit 2) when the database already has data, unless --if-empty, which skips.
    """
    from zoneinfo import ZoneInfo

    from itops.db.session import session_scope
    from reports.demo import default_year, in_use, missing_checks, seed, seed_unfinished

    app = ctx.app()
    with session_scope(app.sessions) as db:
        used = in_use(db)
        unfinished = seed_unfinished(db)
    if unfinished:
        raise ValidationError(
            "an earlier DEMO seed stopped part-way: this database holds part of a DEMO "
            "year. Delete it (make run: var/itops.db) and seed again, or start a new "
            "database with DEMO=no"
        )
    if used and if_empty:
        click.echo(
            f"itops: the database is not empty; DEMO data not seeded (has {', '.join(used)})"
        )
        return
    missing = missing_checks(app.settings)
    if missing and if_empty:
        click.echo(
            "itops: the config lacks the DEMO checks ("
            + ", ".join(missing)
            + "); DEMO data not seeded"
        )
        return
    tz = ZoneInfo(app.settings.office.timezone)
    chosen = year if year is not None else default_year(app.clock.now(), tz)
    summary = seed(app, chosen)
    click.echo(f"itops: the database was seeded with DEMO data: {summary.describe()}")


def _cli(group: click.Group) -> None:
    group.add_command(demo_group)


_responders: dict[int, Any] = {}
WALKS = Path(__file__).parent / "demo_walks"
COMMUNITIES = {
    "demo-switch": "switch.snmprec",  # Gi0/5 down
    "demo-ups": "ups-battery.snmprec",  # on battery
    "demo-printer": "printer-low.snmprec",  # DEMO TK-2000 toner at 8 %, drum 45 %
}
# The DEMO office's names, answered by the responder's DNS side (the example's dns-urzad).
DNS_NAMES = {"bip.urzad.example": "127.0.0.1"}
STATEMENT_AGE_DAYS = 60  # the DEMO accessibility statement was updated two months ago


def _targets_on(ctx: AppContext) -> bool:
    from reports.config import DEMO

    return ctx.settings.section(DEMO).targets


async def _start(ctx: AppContext) -> None:
    """Start the DEMO SNMP (and DNS) responder on 127.0.0.1, UDP port = the [web] bind port."""
    if not _targets_on(ctx):
        return
    from reports.demo_targets import SnmpResponder

    port = int(ctx.settings.web.bind.rsplit(":", 1)[1])
    responder = SnmpResponder({c: WALKS / f for c, f in COMMUNITIES.items()}, port, DNS_NAMES)
    await responder.start()
    _responders[id(ctx)] = responder
    logger.info(
        "DEMO SNMP and DNS responder on 127.0.0.1:%d/udp (%s; %s)",
        port,
        ", ".join(COMMUNITIES),
        ", ".join(DNS_NAMES),
    )


async def _stop(ctx: AppContext) -> None:
    responder = _responders.pop(id(ctx), None)
    if responder is not None:
        responder.stop()


def _routes(ctx: AppContext) -> Sequence[BaseRoute]:
    if not _targets_on(ctx):
        return ()

    async def bip(request: Request) -> Response:
        from reports.config import DEMO
        from reports.demo_targets import bip_page, working_days_back

        calendar = ctx.settings.calendar(OFFICE_UNIT)
        days = ctx.settings.section(DEMO).bip_age_working_days
        newest = working_days_back(ctx.clock.now(), days, calendar.tz, calendar.is_working_day)
        return HTMLResponse(bip_page(newest, calendar.tz))

    async def statement(request: Request) -> Response:
        from datetime import timedelta

        from reports.demo_targets import statement_page

        tz = ctx.settings.calendar(OFFICE_UNIT).tz
        dated = ctx.clock.now() - timedelta(days=STATEMENT_AGE_DAYS)
        return HTMLResponse(statement_page(dated, tz))

    return [
        Route("/demo/bip", bip, methods=["GET"]),
        Route("/demo/bip/deklaracja-dostepnosci", statement, methods=["GET"]),
    ]


feature: Feature[None] = Feature(name="demo", cli=_cli, start=_start, stop=_stop, routes=_routes)
