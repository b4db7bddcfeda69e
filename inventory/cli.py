"""The inventory commands: ``inventory``, ``repairs``; ``agent`` and ``clearance`` are in
``agent_cli`` and ``clearance_cli``.

``itops kpi`` belongs to the reports feature (it adds KPI 1); it calls
``inventory.public.repairs_kpi`` and ``purchases_kpi``. Thin wrappers: the work is in
``kpi``, ``people``, ``assets``, ``importers``, ``collect``, ``agent``, ``api`` and
``clearance``, so the dashboard and the annual report call the same functions.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from itops.cli import Ctx, pass_ctx
from itops.db.session import session_scope
from itops.errors import ValidationError


def _tz(ctx: Ctx) -> ZoneInfo:
    return ZoneInfo(ctx.settings.office.timezone)


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
    from itops.spreadsheet import read_import_file

    raw = read_import_file(file)
    app = ctx.app()
    with session_scope(app.sessions) as db:
        result = import_inventory(
            db,
            raw,
            _tz(ctx),
            app.clock.now(),
            "cli",
            update=update,
            dry_run=dry_run,
        )
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{file}: {verb} {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


@inventory_group.command("export")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@click.option("--delimiter", type=click.Choice([",", ";"]), default=",")
@pass_ctx
def inventory_export(ctx: Ctx, output: Path | None, delimiter: str) -> None:
    """Export the inventory as CSV (UTF-8 with BOM, formula-looking cells neutralised)."""
    from inventory.exporters import export_inventory

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
    from itops.spreadsheet import read_import_file

    raw = read_import_file(file)
    app = ctx.app()
    with session_scope(app.sessions) as db:
        count = import_repairs(db, raw, _tz(ctx), app.clock.now(), "cli", dry_run=dry_run)
    click.echo(f"{file}: {'would import' if dry_run else 'imported'} {count} protocols")


@inventory_group.command("collect")
@click.option("--print", "print_only", is_flag=True, help="Print the report; store nothing.")
@click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/"), hidden=True
)
@pass_ctx
def inventory_collect(ctx: Ctx, print_only: bool, root: Path) -> None:
    """Collect this host (psutil, platform, /sys/class/dmi/id) into the inventory."""
    from inventory.collect import collect

    report = collect(root)
    if print_only:
        click.echo(report.model_dump_json(indent=2))
        return
    from inventory.api import publish, report_parts
    from inventory.intake import store_local
    from inventory.payload import ReportInvalid

    app = ctx.app()
    now = app.clock.now()
    try:
        stored = store_local(app.sessions, report, now, report_parts(app))
    except ReportInvalid as exc:
        raise ValidationError("the collected report cannot be stored: " + str(exc)) from None
    publish(app, stored, report, now)
    state = "discovered" if stored.discovered else "updated"
    changed = ", hardware changed (repair candidate)" if stored.hardware_changed else ""
    click.echo(f"{report.hostname}: asset #{stored.asset_id} {state}{changed}")


@inventory_group.group("employee")
def employee_group() -> None:
    """Employees (minimal: for holders, clearance, trainings and the §82 register)."""


def _opt_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f'"{value}" is not a date (YYYY-MM-DD)') from None


@employee_group.command("add")
@click.argument("code")
@click.argument("full_name")
@click.option("--unit", default="office", show_default=True)
@click.option("--position", default="")
@click.option("--hired", default=None, help="YYYY-MM-DD")
@click.option("--left", default=None, help="YYYY-MM-DD")
@click.option(
    "--notice",
    default=None,
    help="The day the employee received the written monitoring information (YYYY-MM-DD): "
    "recorded in the §82 register, so it needs --as.",
)
@click.option(
    "--as",
    "actor",
    default=None,
    metavar="LOGIN",
    help="The acting user of the register notice (admin or monitoring officer).",
)
@click.option(
    "--policy-version",
    default=None,
    help="Of the notice. Default: [employee_monitoring] policy_version of the config.",
)
@pass_ctx
def employee_add(
    ctx: Ctx,
    code: str,
    full_name: str,
    unit: str,
    position: str,
    hired: str | None,
    left: str | None,
    notice: str | None,
    actor: str | None,
    policy_version: str | None,
) -> None:
    """Add an employee; with --notice, its §82 register notice in the same transaction."""
    from inventory.people import add_employee
    from inventory.register.public import NoticeInput, os_identity

    app = ctx.app()
    if unit not in app.settings.unit_names():
        raise ValidationError(f'unknown unit "{unit}"')
    received = _opt_date(notice)
    if received is None and (actor or policy_version):
        raise ValidationError("--as and --policy-version belong to --notice DATE")
    entry = None
    if received is not None:
        entry = NoticeInput(
            received, actor or "", app.clock.now(), policy_version or "", os_identity()
        )
    with session_scope(app.sessions) as db:
        add_employee(
            db,
            code,
            full_name,
            unit,
            position,
            _opt_date(hired),
            _opt_date(left),
            notice=entry,
            settings=app.settings,
        )
    click.echo(f"employee {code} added" + (f", notice of {received} recorded" if entry else ""))


@employee_group.command("grant")
@click.argument("employee")
@click.argument("system")
@click.option("--on", "on", default=None, help="YYYY-MM-DD (default today)")
@pass_ctx
def employee_grant(ctx: Ctx, employee: str, system: str, on: str | None) -> None:
    """Record a system permission granted to EMPLOYEE (permissions register)."""
    from inventory import clearance
    from inventory.people import find_employee

    app = ctx.app()
    day = _opt_date(on) or app.clock.now().astimezone(_tz(ctx)).date()
    with session_scope(app.sessions) as db:
        emp = find_employee(db, employee)
        clearance.grant_permission(db, emp.id, system, day)
    click.echo(f"{employee}: {system} granted {day}")


@inventory_group.command("training")
@click.option("--date", "day", required=True, help="YYYY-MM-DD")
@click.option("--topic", required=True)
@click.option("--trainer", default="")
@click.option("--individual", is_flag=True, help="An individual (not a group) training.")
@click.option("--participant", "participants", multiple=True, help="Employee code or name.")
@pass_ctx
def training_add(
    ctx: Ctx, day: str, topic: str, trainer: str, individual: bool, participants: tuple[str, ...]
) -> None:
    """Record a training the IT officer ran (counted by the annual report)."""
    from inventory.people import add_training

    app = ctx.app()
    held = _opt_date(day)
    assert held is not None  # noqa: S101 - required option
    with session_scope(app.sessions) as db:
        add_training(
            db, held, topic, trainer, "individual" if individual else "group", list(participants)
        )
    click.echo(f"training on {held} recorded ({len(participants)} participants)")


@inventory_group.command("software")
@click.argument("name")
@click.option("--version", "version", default="", help="Version prefix, e.g. 19 for 19.00.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per installation.")
@pass_ctx
def software_search(ctx: Ctx, name: str, version: str, as_json: bool) -> None:
    """Which computers run a program: NAME fragment, optional version prefix."""
    import json

    from inventory.software import search
    from itops.db.session import read_scope

    app = ctx.app()
    with read_scope(app.sessions) as db:
        found = search(db, name, version)
    for f in found:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "host": f.host,
                        "inventory_no": f.inventory_no,
                        "name": f.name,
                        "version": f.version,
                        "publisher": f.publisher,
                        "seen_at": f.seen_at.isoformat(),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            click.echo(f"{f.host}\t{f.inventory_no or '-'}\t{f.name}\t{f.version}\t{f.publisher}")
    if not as_json:
        hosts = len({f.host for f in found})
        click.echo(f"{len(found)} installations on {hosts} computers", err=True)


@inventory_group.group("licence")
def licence_group() -> None:
    """The licences ledger: product, seats, document, expiry."""


@licence_group.command("add")
@click.option("--product", required=True)
@click.option("--match", default="", help="Installed name fragment counted (default: product).")
@click.option("--seats", type=click.IntRange(min=0), required=True)
@click.option("--document", default="", help="Invoice, agreement or licence certificate.")
@click.option("--expires", default="", help="YYYY-MM-DD (none: perpetual).")
@click.option("--note", default="")
@pass_ctx
def licence_add(
    ctx: Ctx, product: str, match: str, seats: int, document: str, expires: str, note: str
) -> None:
    """Record a licence."""
    from inventory.software import add_licence

    app = ctx.app()
    until = _opt_date(expires)
    with session_scope(app.sessions) as db:
        add_licence(db, product, match, seats, document, until, note)
    click.echo(f"licence {product.strip()}: {seats} seats recorded")


@licence_group.command("list")
@pass_ctx
def licence_list(ctx: Ctx) -> None:
    """Every licence with installations counted and its problems (exit 1 if any)."""
    from inventory.software import licence_rows
    from itops.db.session import read_scope

    app = ctx.app()
    today = app.clock.now().astimezone(_tz(ctx)).date()
    with read_scope(app.sessions) as db:
        rows = licence_rows(db, today)
    for r in rows:
        until = r.expires_on.isoformat() if r.expires_on else "perpetual"
        problems = ", ".join(r.problems) or "ok"
        click.echo(f"{r.product}\t{r.installed}/{r.seats}\t{until}\t{r.document}\t{problems}")
    if any(r.problems for r in rows):
        raise SystemExit(1)


def register(group: click.Group) -> None:
    from inventory.agent_cli import agent_group
    from inventory.clearance_cli import clearance_command

    group.add_command(clearance_command)
    group.add_command(agent_group)
    group.add_command(inventory_group)
    group.add_command(repairs_group)
