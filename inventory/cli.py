"""The inventory commands: ``kpi``, ``inventory``, ``repairs``, ``agent``, ``clearance``.

Thin wrappers: the work is in ``kpi``, ``ledger``, ``importers``, ``collect``, ``agent``
and ``clearance``, so the dashboard and the annual report call the same functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from itops.cli import Ctx, pass_ctx
from itops.db.session import session_scope
from itops.errors import ValidationError


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


@click.group("inventory")
def inventory_group() -> None:
    """Hardware inventory: import, export, collect, employees, stock, loans."""


@inventory_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--update", is_flag=True, help="Existing inventory numbers are updated (ledger).")
@pass_ctx
def inventory_import(ctx: Ctx, file: Path, dry_run: bool, update: bool) -> None:
    """Import FILE.csv (UTF-8, ";" or ","): every row or none."""
    from inventory.importers import import_inventory

    app = ctx.app()
    with session_scope(app.sessions) as db:
        result = import_inventory(
            db, file.read_bytes(), _tz(ctx), app.clock.now(), "cli", update=update,
            dry_run=dry_run,
        )
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{file}: {verb} {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


@inventory_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--delimiter", type=click.Choice([",", ";"]), default=",")
@pass_ctx
def inventory_export(ctx: Ctx, output: Path | None, delimiter: str) -> None:
    """Export the inventory as CSV (UTF-8 with BOM, formula-looking cells neutralised)."""
    from inventory.importers import export_inventory

    app = ctx.app()
    with session_scope(app.sessions) as db:
        text = export_inventory(db, delimiter)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8-sig", newline="")
        click.echo(f"{output}: written")


@click.group("repairs")
def repairs_group() -> None:
    """Repair protocols (protokoły napraw)."""


@repairs_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@pass_ctx
def repairs_import(ctx: Ctx, file: Path, dry_run: bool) -> None:
    """Import repair protocols from FILE.csv: number,date,inventory_no,kind,description."""
    from inventory.importers import import_repairs

    app = ctx.app()
    with session_scope(app.sessions) as db:
        count = import_repairs(db, file.read_bytes(), _tz(ctx), app.clock.now(), "cli",
                               dry_run=dry_run)
    click.echo(f"{file}: {'would import' if dry_run else 'imported'} {count} protocols")


@inventory_group.command("collect")
@click.option("--print", "print_only", is_flag=True, help="Print the report; store nothing.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/"),
              hidden=True)
@pass_ctx
def inventory_collect(ctx: Ctx, print_only: bool, root: Path) -> None:
    """Collect this host (psutil, platform, /sys/class/dmi/id) into the inventory."""
    from inventory.collect import collect

    report = collect(root)
    if print_only:
        click.echo(report.model_dump_json(indent=2))
        return
    from inventory.api import publish, store_report

    app = ctx.app()
    now = app.clock.now()
    with session_scope(app.sessions) as db:
        stored = store_report(db, report, now)
    publish(app, stored, report, now)
    state = "discovered" if stored.discovered else "updated"
    changed = ", hardware changed (repair candidate)" if stored.hardware_changed else ""
    click.echo(f"{report.hostname}: asset #{stored.asset_id} {state}{changed}")


@click.group("agent", invoke_without_command=True)
@click.option("--server", help="itops URL, e.g. https://itops.urzad.local")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
              help="File holding this host's token (from `itops agent token create`).")
@click.option("--print", "print_only", is_flag=True, help="Print the report; send nothing.")
@click.option("--timeout", type=float, default=30.0, show_default=True)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/"),
              hidden=True)
@click.option("--windows-status-file", type=click.Path(dir_okay=False, path_type=Path),
              hidden=True)
@click.pass_context
def agent_group(
    click_ctx: click.Context, server: str | None, token_file: Path | None, print_only: bool,
    timeout: float, root: Path, windows_status_file: Path | None,
) -> None:
    """Report this workstation to the itops server (run by a timer or Task Scheduler)."""
    if click_ctx.invoked_subcommand is not None:
        return
    from inventory.agent import read_token, send
    from inventory.collect import collect

    if windows_status_file is not None:
        report = collect(root, system="Windows",
                         windows_status=windows_status_file.read_text(encoding="utf-8"))
    else:
        report = collect(root)
    if print_only:
        click.echo(report.model_dump_json(indent=2))
        return
    if not server or token_file is None:
        raise click.UsageError("--server and --token-file are required")
    answer = send(server, read_token(token_file), report, timeout)
    click.echo(f"{report.hostname}: reported (asset #{answer.get('asset_id')})")


@agent_group.group("token")
def token_group() -> None:
    """Per-host agent tokens (only their hashes are stored)."""


@token_group.command("create")
@click.argument("hostname")
@pass_ctx
def token_create(ctx: Ctx, hostname: str) -> None:
    """Create (or replace) HOSTNAME's token and print it once."""
    from inventory.api import create_token

    app = ctx.app()
    with session_scope(app.sessions) as db:
        token = create_token(db, hostname, app.clock.now())
    click.echo(token)


@token_group.command("revoke")
@click.argument("hostname")
@pass_ctx
def token_revoke(ctx: Ctx, hostname: str) -> None:
    """Revoke HOSTNAME's token: its reports are refused from now on."""
    from sqlalchemy import select

    from inventory.models import AgentToken

    app = ctx.app()
    with session_scope(app.sessions) as db:
        row = db.scalar(select(AgentToken).where(AgentToken.hostname == hostname.lower()))
        if row is None:
            raise ValidationError(f'no token for "{hostname}"')
        row.revoked = True
    click.echo(f"token of {hostname} revoked")


def register(group: click.Group) -> None:
    group.add_command(agent_group)
    group.add_command(kpi_command)
    group.add_command(inventory_group)
    group.add_command(repairs_group)
