"""The DEMO office as a feature: only the ``itops demo`` command group."""

from __future__ import annotations

import click

from itops.cli import Ctx, pass_ctx
from itops.errors import ValidationError
from itops.plugins import Feature


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


feature = Feature(name="demo", cli=_cli)
