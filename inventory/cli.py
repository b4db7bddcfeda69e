"""The inventory commands: ``kpi``, ``inventory``, ``repairs``, ``agent``, ``clearance``.

Thin wrappers: the work is in ``kpi``, ``ledger``, ``importers``, ``collect``, ``agent``
and ``clearance``, so the dashboard and the annual report call the same functions.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import click

from itops.cli import Ctx, pass_ctx
from itops.db.session import session_scope


def _tz(ctx: Ctx) -> ZoneInfo:
    return ZoneInfo(ctx.settings.office.timezone)


def _fmt_ratio(value: float | None) -> str:
    return "n/a (no denominator)" if value is None else f"{value:.2%}"


@click.command("kpi")
@click.option("--year", type=int, required=True, help="Calendar year (local time).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_ctx
def kpi_command(ctx: Ctx, year: int, as_json: bool) -> None:
    """KPI 2 (repairs) and KPI 3 (purchases) for YEAR, with the rule and the lists behind them."""
    from inventory.kpi import kpi_json, purchases_kpi, repairs_kpi

    app = ctx.app()
    with session_scope(app.sessions) as db:
        if as_json:
            click.echo(json.dumps(kpi_json(db, app.settings, year), ensure_ascii=False, indent=2))
            return
        rep = repairs_kpi(db, app.settings, year)
        pur = purchases_kpi(db, app.settings, year)
    click.echo(rep.rule)
    click.echo(
        f"  {year}: {rep.count} / {rep.equipment} = {_fmt_ratio(rep.ratio)}  "
        f"met: {rep.met}"
    )
    click.echo("  protocols counted:")
    for p in rep.protocols:
        click.echo(f"    {p.repaired_on} {p.number} {p.inventory_no} {p.kind}")
    click.echo("  equipment in service on 31 December:")
    for a in rep.equipment_items:
        click.echo(f"    {a.inventory_no} {a.category} bought {a.purchased_on}")
    click.echo(pur.rule)
    click.echo(
        f"  {year}: {pur.count} / {pur.computers} = {_fmt_ratio(pur.ratio)}  met: {pur.met}"
    )
    click.echo("  computers purchased in the year:")
    for a in pur.purchased:
        retired = f" retired {a.retired_on}" if a.retired_on else ""
        click.echo(f"    {a.inventory_no} {a.category} bought {a.purchased_on}{retired}")
    click.echo("  computers in service on 31 December:")
    for a in pur.computer_items:
        click.echo(f"    {a.inventory_no} {a.category} bought {a.purchased_on}")


def register(group: click.Group) -> None:
    group.add_command(kpi_command)
