"""``itops clearance``: the IT part of an employee's exit clearance (karta obiegowa)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click

from itops.cli import Ctx, pass_ctx
from itops.db.session import session_scope
from itops.errors import ValidationError


def _tz(ctx: Ctx) -> ZoneInfo:
    return ZoneInfo(ctx.settings.office.timezone)


@click.command("clearance")
@click.argument("employee")
@click.option(
    "--return",
    "returns",
    multiple=True,
    metavar="INVENTORY_NO",
    help="Mark this asset returned (repeatable).",
)
@click.option(
    "--revoke",
    "revokes",
    multiple=True,
    metavar="SYSTEM",
    help="Mark this system permission revoked (repeatable).",
)
@click.option("--sign", is_flag=True, help="Sign off and write both documents.")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for the signed documents.",
)
@click.option("--pdf", is_flag=True, help="Also write PDFs (WeasyPrint).")
@pass_ctx
def clearance_command(
    ctx: Ctx,
    employee: str,
    returns: tuple[str, ...],
    revokes: tuple[str, ...],
    sign: bool,
    output: Path,
    pdf: bool,
) -> None:
    """Exit clearance (IT part of the karta obiegowa) for EMPLOYEE (code or full name)."""
    from inventory import clearance
    from inventory.assets import asset_id_by_number
    from inventory.people import find_employee

    app = ctx.app()
    now = app.clock.now()
    today = now.astimezone(_tz(ctx)).date()
    with session_scope(app.sessions) as db:
        emp = find_employee(db, employee)
        st = clearance.status(db, emp.id)
        for number in returns:
            asset_id = asset_id_by_number(db, number)
            if asset_id is None:
                raise ValidationError(f'no asset "{number}"')
            clearance.mark_returned(db, emp.id, asset_id, now, "cli")
        for system in revokes:
            match = [p for p in st.permissions if p.system == system]
            if not match:
                raise ValidationError(f'{emp.full_name} has no open permission "{system}"')
            for perm in match:
                clearance.revoke_permission(db, emp.id, perm.id, today)
        st = clearance.status(db, emp.id)
        row = clearance.sign_off(db, emp.id, app.settings, now, "cli") if sign else None
        if row is not None:
            output.mkdir(parents=True, exist_ok=True)
            card = output / f"karta-obiegowa-{emp.code}.html"
            proto = output / f"protokol-zdawczo-odbiorczy-{emp.code}.html"
            card.write_text(row.card_html, encoding="utf-8")
            proto.write_text(row.protocol_html, encoding="utf-8")
            if pdf:
                card.with_suffix(".pdf").write_bytes(clearance.render_pdf(row.card_html))
                proto.with_suffix(".pdf").write_bytes(clearance.render_pdf(row.protocol_html))
    click.echo(f"{st.employee.full_name} ({st.employee.code})")
    for a in st.held:
        click.echo(f"  OPEN      {a.category:12} {a.inventory_no or a.id} {a.description}")
    for p in st.permissions:
        click.echo(f"  OPEN      permission   {p.system} (granted {p.granted_on})")
    for r in st.returned:
        click.echo(f"  returned  {r.category:12} {r.inventory_no or r.asset_id}")
    for v in st.revoked:
        click.echo(f"  revoked   permission   {v.system} ({v.revoked_on})")
    if row is not None:
        click.echo(f"signed: {card} sha256={row.card_sha256}")
        click.echo(f"signed: {proto} sha256={row.protocol_sha256}")
    elif not st.can_sign:
        click.echo("cannot sign off yet: " + ", ".join(st.open_items))
    else:
        click.echo("nothing open: sign off with --sign")
