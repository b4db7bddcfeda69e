"""``itops backups …`` and ``itops antivirus …`` commands."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from checks.backups.config import BACKUPS
from itops.cli import Ctx, pass_ctx
from itops.errors import ValidationError

STATUS = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}


@contextmanager
def _app(ctx: Any) -> Iterator[Any]:
    """The command's AppContext; its connection pool is closed when the command ends."""
    app = ctx.app()
    try:
        yield app
    finally:
        app.engine.dispose()


def _local(value: datetime | None, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if value else "-"


def register(group: click.Group) -> None:
    """Add ``itops backups …`` and ``itops antivirus …`` to the ``itops`` group."""
    group.add_command(backups)
    group.add_command(antivirus)


@click.group("backups")
def backups() -> None:
    """Backups: state, checks on demand, restore tests."""


@backups.command("list")
@pass_ctx
def list_cmd(ctx: Ctx) -> None:
    """Show every configured backup's last known state."""
    from checks.backups import store
    from itops.db.session import session_scope

    with _app(ctx) as app:
        tz = app.settings.office.timezone
        with session_scope(app.sessions) as db:
            states = store.backup_states(db)
        for cfg in app.settings.section(BACKUPS):
            s = states.get(cfg.name)
            status = STATUS[int(s.status)] if s else "UNKNOWN"
            click.echo(
                f"{cfg.name}\t{cfg.kind}\t{status}\t"
                f"last success {_local(s.last_success_at if s else None, tz)}"
                f"\t{s.summary if s else 'not looked at yet'}"
            )


@backups.command("check")
@click.argument("name")
@click.option("--verify", is_flag=True, help="Run the verification (restic/borg check) now.")
@pass_ctx
def check_cmd(ctx: Ctx, name: str, verify: bool) -> None:
    """Look at (or verify) one backup now and store the result."""
    from checks.backups.service import service

    with _app(ctx) as app:
        svc = service(app)
        if name not in svc.backups():
            raise ValidationError(f'unknown backup "{name}"')
        snap = asyncio.run(svc.verify(name) if verify else svc.look(name))
        if snap is None:
            raise ValidationError(f'"{name}" has no separate verification (kind file/push)')
        click.echo(f"{name}: {STATUS[int(snap.status)]}: {snap.summary}")
        if verify:
            click.echo(f"verification: {snap.verify_summary}")
        if int(snap.status) >= 2:
            raise SystemExit(int(snap.status))


@backups.group("restore-test")
def restore_test() -> None:
    """Manual restore tests (RODO art. 32(1)(d))."""


@restore_test.command("add")
@click.argument("backup")
@click.option("--by", "performed_by", required=True, help="Who performed the test.")
@click.option("--restored", required=True, help="What was restored, and where to.")
@click.option("--result", type=click.Choice(["ok", "failed"]), required=True)
@click.option("--at", "performed_at", default=None, help="When (ISO, local time); default now.")
@click.option("--notes", default="")
@pass_ctx
def add_cmd(
    ctx: Ctx,
    backup: str,
    performed_by: str,
    restored: str,
    result: str,
    performed_at: str | None,
    notes: str,
) -> None:
    """Record a restore test."""
    import getpass

    from checks.backups import store
    from itops.db.session import session_scope

    with _app(ctx) as app:
        tz = ZoneInfo(app.settings.office.timezone)
        now = app.clock.now()
        try:
            when = datetime.fromisoformat(performed_at) if performed_at else now
        except ValueError:
            raise ValidationError(
                f'--at "{performed_at}" is not a date such as 2026-11-20T10:30'
            ) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=tz)
        with session_scope(app.sessions) as db:
            rec = store.add_restore_test(
                db,
                app.settings,
                backup=backup,
                performed_at=when,
                performed_by=performed_by,
                restored=restored,
                success=result == "ok",
                notes=notes,
                recorded_by=f"cli:{getpass.getuser()}",
                now=now,
            )
        click.echo(f"restore test #{rec.id} recorded for {backup}")


@restore_test.command("list")
@click.argument("backup", required=False)
@pass_ctx
def tests_cmd(ctx: Ctx, backup: str | None) -> None:
    """List restore tests, newest first."""
    from checks.backups import store
    from itops.db.session import session_scope

    with _app(ctx) as app:
        tz = app.settings.office.timezone
        with session_scope(app.sessions) as db:
            rows = store.restore_tests(db, backup)
        for r in rows:
            click.echo(
                f"{_local(r.performed_at, tz)}\t{r.backup}\t{'ok' if r.success else 'FAILED'}"
                f"\t{r.performed_by}\t{r.restored}"
            )


@click.group("antivirus")
def antivirus() -> None:
    """Antivirus compliance."""


@antivirus.command("status")
@click.option(
    "--host",
    "hosts",
    multiple=True,
    help="Expected host (repeat); default: the inventory's computers in service.",
)
@pass_ctx
def av_status(ctx: Ctx, hosts: tuple[str, ...]) -> None:
    """Compliance figure and the hosts out of compliance."""
    from checks.backups.public import antivirus_compliance, protected_hosts
    from itops.db.session import session_scope

    with _app(ctx) as app:
        now = app.clock.now()
        with session_scope(app.sessions) as db:
            expected = list(hosts) or protected_hosts(db, app.settings, now)
            c = antivirus_compliance(db, app.settings, now, expected)
        ratio = f"{100 * c.ratio:.0f}%" if c.ratio is not None else "n/a"
        click.echo(f"compliant: {c.compliant}/{c.expected} ({ratio})")
        for h in c.others:
            click.echo(
                f"{h.host}\t{h.state}\t"
                f"since {_local(h.since, app.settings.office.timezone)}\t{h.summary}"
            )
