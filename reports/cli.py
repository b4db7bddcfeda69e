"""``itops kpi`` and ``itops report annual``: thin wrappers over ``kpi`` and ``annual``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from itops.cli import Ctx, pass_ctx
from itops.db.session import session_scope


def _fmt_ratio(value: float | None) -> str:
    return "n/a (no denominator)" if value is None else f"{value:.2%}"


def register(group: click.Group) -> None:
    group.add_command(kpi_command)
    group.add_command(report_group)


@click.command("kpi")
@click.option("--year", type=int, required=True, help="Calendar year (local time).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_ctx
def kpi_command(ctx: Ctx, year: int, as_json: bool) -> None:
    """The three KPIs for YEAR: availability, repairs, purchases (rules and lists behind them)."""
    from reports.data import to_json
    from reports.kpi import kpi_object

    app = ctx.app()
    with session_scope(app.sessions) as db:
        data = kpi_object(db, app.settings, year, app.clock.now())
    if as_json:
        click.echo(json.dumps(to_json(data), ensure_ascii=False, indent=2))
        return
    av, rep, pur = data.availability, data.repairs, data.purchases
    click.echo("KPI 1: availability of systems within the office's working time")
    click.echo(
        f"  {year}: {av.availability:.6f} (target {av.target:g}) met: {av.met}, "
        f"downtime {av.downtime_seconds / 60:.1f} min of "
        f"{av.working_seconds / 60:.1f} working min"
    )
    click.echo(rep.rule)
    click.echo(
        f"  {year}: {rep.count} / {rep.equipment} = {_fmt_ratio(rep.ratio)}  "
        f"met: {rep.met}"
    )
    click.echo("  protocols counted:")
    for p in rep.protocols:
        click.echo(f"    {p.date} {p.number} {p.inventory_no} {p.kind}")
    click.echo("  equipment in service on 31 December:")
    for a in rep.equipment_list:
        click.echo(f"    {a.inventory_no} {a.category} bought {a.purchased_on}")
    click.echo(pur.rule)
    click.echo(
        f"  {year}: {pur.count} / {pur.computers} = {_fmt_ratio(pur.ratio)}  "
        f"met: {pur.met}"
    )
    click.echo("  computers purchased in the year:")
    for a in pur.purchased_list:
        retired = f" retired {a.retired_on}" if a.retired_on else ""
        click.echo(f"    {a.inventory_no} {a.category} bought {a.purchased_on}{retired}")
    click.echo("  computers in service on 31 December:")
    for a in pur.computers_list:
        click.echo(f"    {a.inventory_no} {a.category} bought {a.purchased_on}")


@click.group("report")
def report_group() -> None:
    """Reports: the annual quality report of the process "Obsługa informatyczna"."""


@report_group.command("annual")
@click.option("--year", type=int, required=True, help="Calendar year (local time).")
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--lang", type=click.Choice(["pl", "en"]), default=None,
              help="Language (default: [web] language of the config).")
@click.option("--no-pdf", is_flag=True, help="Write only HTML and JSON.")
@pass_ctx
def report_annual(ctx: Ctx, year: int, out_dir: Path, lang: str | None, no_pdf: bool) -> None:
    """Write raport-jakosci-YEAR.html, .pdf and .json into OUT."""
    from reports.annual import write_annual

    app = ctx.app()
    paths = write_annual(app, year, out_dir, lang or app.settings.web.language, pdf=not no_pdf)
    for path in paths:
        click.echo(str(path))
