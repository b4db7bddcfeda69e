"""``itops register …``: the §82 register from the command line.

Every command names the acting user with ``--as LOGIN`` and is checked against that
user's role exactly as the dashboard checks it (``service.acting_user``); every read is
written to the register's read log. Every write also records, beside the claimed login,
who ran the command on the machine (the real user id's name and ``SUDO_USER``), so an
``--as`` in someone else's name leaves the operating-system account that did it.
The signing commands (verify, anchor, init-key, prune, grants) are in ``cli_chain``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from inventory.register import export, queries, service
from inventory.register.config import EMPLOYEE_MONITORING
from inventory.register.identity import os_identity as os_identity
from inventory.register.identity import os_reader
from itops import formats
from itops.cli import Ctx, pass_ctx
from itops.db.session import session_scope
from itops.errors import ValidationError

CHANNEL = "cli"


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f'{name}: "{value}" is not a date YYYY-MM-DD') from None


def _time(value: str, name: str, tz: ZoneInfo) -> datetime:
    """ISO time; without an offset it is the office's local time."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f'{name}: "{value}" is not an ISO time such as 2026-11-20T09:00'
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _tz(ctx: Ctx) -> ZoneInfo:
    return ZoneInfo(ctx.app().settings.office.timezone)


@click.group("register")
@pass_ctx
def register(ctx: Ctx) -> None:
    """§82 register of employee IT monitoring (authorisations, notices, acts)."""
    click.get_current_context().call_on_close(lambda: _dispose(ctx))


def _dispose(ctx: Ctx) -> None:
    """Close the database connections when the command ends (no pooled leftovers)."""
    app = getattr(ctx, "_app", None)
    if app is not None:
        app.engine.dispose()


_as = click.option("--as", "actor", required=True, metavar="LOGIN", help="The acting user.")


@register.command("authorize")
@_as
@click.option("--user", "login", required=True, help="The monitoring officer to authorise.")
@click.option("--scope", required=True, help=f"Comma-separated: {','.join(service.SCOPES)}.")
@click.option("--from", "valid_from", required=True, metavar="DATE")
@click.option("--to", "valid_to", default=None, metavar="DATE")
@pass_ctx
def authorize(
    ctx: Ctx, actor: str, login: str, scope: str, valid_from: str, valid_to: str | None
) -> None:
    """Authorise a monitoring officer (admin only; §82 ust. 6–7)."""
    app = ctx.app()
    with session_scope(app.sessions) as db:
        entry = service.grant(
            db,
            app.clock.now(),
            actor,
            login,
            scope,
            _date(valid_from, "--from"),
            _date(valid_to, "--to") if valid_to else None,
            os_user=os_identity(),
        )
        click.echo(f"entry #{entry.seq}: {login} authorised for {entry.scopes}")


@register.command("revoke")
@_as
@click.option("--entry", "seq", type=int, default=None, help="The authorisation's entry number.")
@click.option("--user", "login", default=None, help="Revoke every authorisation of this user.")
@click.option("--reason", required=True)
@pass_ctx
def revoke(ctx: Ctx, actor: str, seq: int | None, login: str | None, reason: str) -> None:
    """Revoke an authorisation from now on (admin only)."""
    if (seq is None) == (login is None):
        raise ValidationError("give exactly one of --entry N or --user LOGIN")
    app = ctx.app()
    with session_scope(app.sessions) as db:
        if seq is not None:
            entries = [
                service.revoke(db, app.clock.now(), actor, seq, reason, os_user=os_identity())
            ]
        else:
            entries = service.revoke_user(
                db, app.clock.now(), actor, login or "", reason, os_user=os_identity()
            )
        for e in entries:
            click.echo(f"entry #{e.seq}: authorisation #{e.ref_seq} revoked")


@register.command("notice")
@_as
@click.option("--employee", required=True, metavar="CODE|ID")
@click.option(
    "--date",
    "received",
    required=True,
    metavar="DATE",
    help="The day the employee received the written information.",
)
@click.option(
    "--policy-version",
    default=None,
    help="Default: [employee_monitoring] policy_version of the config.",
)
@click.option("--corrects", type=int, default=None, help="The notice entry this one corrects.")
@click.option("--reason", default=None, help="Why (required with --corrects).")
@pass_ctx
def notice(
    ctx: Ctx,
    actor: str,
    employee: str,
    received: str,
    policy_version: str | None,
    corrects: int | None,
    reason: str | None,
) -> None:
    """Record a monitoring notice received by an employee (admin or monitoring officer)."""
    app = ctx.app()
    policy = policy_version or app.settings.section(EMPLOYEE_MONITORING).policy_version
    with session_scope(app.sessions) as db:
        entry = service.record_notice(
            db,
            app.clock.now(),
            actor,
            employee,
            _date(received, "--date"),
            policy,
            corrects,
            reason,
            _tz(ctx),
            os_user=os_identity(),
        )
        click.echo(f"entry #{entry.seq}: notice of {employee} received {entry.received_on}")


@register.command("act")
@_as
@click.option("--employee", required=True, metavar="CODE|ID")
@click.option("--resource", required=True, help="The asset or mailbox inspected.")
@click.option("--scope", required=True, help=f"Comma-separated: {','.join(service.SCOPES)}.")
@click.option("--purpose", required=True, type=click.Choice(service.PURPOSES))
@click.option("--justification", required=True)
@click.option("--start", required=True, metavar="ISO")
@click.option("--end", required=True, metavar="ISO")
@click.option("--outcome", required=True, help="Outcome summary (metadata, never content).")
@click.option("--corrects", type=int, default=None, help="The act entry this one corrects.")
@click.option("--reason", default=None, help="Why (required with --corrects).")
@pass_ctx
def act(
    ctx: Ctx,
    actor: str,
    employee: str,
    resource: str,
    scope: str,
    purpose: str,
    justification: str,
    start: str,
    end: str,
    outcome: str,
    corrects: int | None,
    reason: str | None,
) -> None:
    """Record an inspection act (monitoring officer holding a valid authorisation)."""
    app = ctx.app()
    tz = _tz(ctx)
    data = service.ActInput(
        employee,
        resource,
        scope,
        purpose,
        justification,
        _time(start, "--start", tz),
        _time(end, "--end", tz),
        outcome,
    )
    with session_scope(app.sessions) as db:
        entry = service.record_act(
            db, app.clock.now(), tz, actor, data, corrects, reason, os_user=os_identity()
        )
        click.echo(f"entry #{entry.seq}: act recorded")


def _read(ctx: Ctx, actor: str | None, roles: tuple[str, ...], view: str, detail: str) -> Any:
    """Check the reader's role and log the read in its own committed transaction."""
    app = ctx.app()
    with session_scope(app.sessions) as db:
        if actor is not None:
            service.acting_user(db, actor, roles, f"read the register ({view})")
        queries.log_read(
            db,
            app.clock.now(),
            actor or os_reader(),
            CHANNEL,
            view,
            f"{detail} os={os_identity()}".strip(),
        )
    return app


# Moments and days as the reader writes them, by the one formatter in office time:
# "26.11.2026 10:00" / "05.02.2026" in Polish, "26/11/2026 10:00" in English (the export's
# CSV keeps ISO for machines).
_lang_option = click.option(
    "--lang",
    type=click.Choice(["pl", "en"]),
    default=None,
    help="Language of the dates (default: [web] language of the config).",
)


def _fmt(value: datetime | None, tz: ZoneInfo, lang: str) -> str:
    return formats.moment(value, tz.key, lang, "short") if value else "-"


def _day(value: date | None, lang: str) -> str:
    return formats.day(value, lang) if value else ""


@register.command("list")
@_as
@click.option("--from", "first", default=None, metavar="DATE")
@click.option("--to", "last", default=None, metavar="DATE")
@_lang_option
@pass_ctx
def list_entries(
    ctx: Ctx, actor: str, first: str | None, last: str | None, lang: str | None
) -> None:
    """Print the register's entries (monitoring officer, auditor)."""
    app = _read(ctx, actor, service.READ_ROLES, "list", f"from={first} to={last}")
    tz = _tz(ctx)
    lang = lang or app.settings.web.language
    with session_scope(app.sessions) as db:
        rows = queries.entry_rows(
            db, tz, _date(first, "--from") if first else None, _date(last, "--to") if last else None
        )
    for r in rows:
        head = f"#{r.seq} {_fmt(r.recorded_at, tz, lang)} {r.kind:<13} by {r.recorded_by}"
        if r.os_user:
            head += f" [os: {r.os_user}]"
        if r.corrects_seq:
            head += f" (corrects #{r.corrects_seq}: {r.reason})"
        if r.superseded:
            head += " [corrected later]"
        if r.kind == service.AUTHORISATION:
            body = f"{r.subject} {r.scopes} {_day(r.valid_from, lang)}..{_day(r.valid_to, lang)}"
        elif r.kind == service.REVOCATION:
            body = f"authorisation #{r.ref_seq} of {r.subject}: {r.reason}"
        elif r.kind == service.NOTICE:
            received = _day(r.received_on, lang)
            body = f"{r.employee_code} {r.employee_name} received {received} ({r.policy_version})"
        else:
            body = (
                f"{r.subject} -> {r.employee_code} {r.employee_name} [{r.resource}] {r.scopes} "
                f"{r.purpose} {_fmt(r.start, tz, lang)}..{_fmt(r.end, tz, lang)}: {r.outcome}"
            )
        click.echo(f"{head}  {body}")


@register.command("authorised")
@_as
@_lang_option
@pass_ctx
def authorised(ctx: Ctx, actor: str, lang: str | None) -> None:
    """Print the list of authorised persons (monitoring officer, auditor, admin)."""
    app = _read(ctx, actor, service.AUTHORISED_LIST_ROLES, "authorised", "")
    tz = _tz(ctx)
    lang = lang or app.settings.web.language
    with session_scope(app.sessions) as db:
        people = queries.authorised_persons(db, app.clock.now(), tz)
    for p in people:
        state = "active" if p.active else ("revoked" if p.revoked_at else "inactive")
        click.echo(
            f"#{p.seq} {p.login} ({p.full_name}) {','.join(p.scopes)} "
            f"{_day(p.valid_from, lang)}..{_day(p.valid_to, lang)} {state}"
        )


@register.command("notices")
@_as
@click.option("--missing", is_flag=True, help="Only employees without a notice.")
@_lang_option
@pass_ctx
def notices(ctx: Ctx, actor: str, missing: bool, lang: str | None) -> None:
    """Employees and their monitoring notices (monitoring officer, auditor, admin)."""
    app = _read(ctx, actor, service.NOTICE_READ_ROLES, "notices", f"missing={missing}")
    tz = _tz(ctx)
    lang = lang or app.settings.web.language
    with session_scope(app.sessions) as db:
        rows = queries.employee_notices(db, app.clock.now().astimezone(tz).date())
    for r in rows:
        if missing and r.received_on is not None:
            continue
        if r.received_on is None:
            state = "NO NOTICE"
        else:
            state = f"received {_day(r.received_on, lang)} ({r.policy_version})"
            if r.late:
                state += f" LATE: after admission to work on {_day(r.hired_on, lang)}"
        click.echo(f"{r.code}\t{r.full_name}\t{r.unit_id}\t{state}")


@register.command("export")
@_as
@click.option("--from", "first", required=True, metavar="DATE")
@click.option("--to", "last", required=True, metavar="DATE")
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), default="csv")
@click.option("--output", required=True, type=click.Path(dir_okay=False))
@pass_ctx
def export_cmd(ctx: Ctx, actor: str, first: str, last: str, fmt: str, output: str) -> None:
    """Export the register of a period for the data protection officer (IOD)."""
    start, end = _date(first, "--from"), _date(last, "--to")
    if end < start:
        raise ValidationError("--to is before --from")
    app = _read(ctx, actor, service.READ_ROLES, f"export.{fmt}", f"from={first} to={last}")
    with session_scope(app.sessions) as db:
        export.sign_for_print(db, app.settings, app.clock.now())
    with session_scope(app.sessions) as db:
        data = export.collect(
            db,
            app.settings.office.name,
            _tz(ctx),
            start,
            end,
            app.clock.now(),
            app.settings.section(EMPLOYEE_MONITORING).retention_years,
            app.settings,
        )
    path = Path(output)
    if fmt == "csv":
        path.write_text(export.to_csv(data), encoding="utf-8")
    else:
        path.write_bytes(export.to_pdf(data))
    click.echo(f"{len(data.rows)} entries written to {output}")
