"""``itops register verify|anchor|init-key|prune|grants``: the register's integrity.

``verify`` and ``anchor`` print only sequence numbers, hashes and signatures (no personal
data), so ``--as`` is optional for them (cron); without it the read is logged under the
operating-system user.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from inventory.register import anchors, retention, roles, seals, service, verification
from inventory.register.cli import _read, os_identity
from inventory.register.config import EMPLOYEE_MONITORING
from inventory.register.signing import configured_key, create_key_file
from itops.cli import Ctx, pass_ctx
from itops.db.session import read_scope, session_scope
from itops.errors import ValidationError


def add_commands(group: click.Group) -> None:
    for command in (verify, anchor, init_key, prune_cmd, grants):
        group.add_command(command)


@click.command("verify")
@click.option("--as", "actor", default=None, metavar="LOGIN")
@click.option(
    "--anchor",
    "anchor_args",
    multiple=True,
    metavar="FILE|TEXT",
    help="An earlier anchor (file, JSON or its one-line text); repeatable.",
)
@click.option(
    "--public-key",
    default=None,
    metavar="BASE64",
    help="The register's public key as printed in its PDF (default: derived "
    "from signing_key_file).",
)
@pass_ctx
def verify(
    ctx: Ctx, actor: str | None, anchor_args: tuple[str, ...], public_key: str | None
) -> None:
    """Check chain, signatures, prunes and anchors: exit 0, or 1 naming every problem."""
    loaded = [anchors.load(a) for a in anchor_args]
    app = _read(ctx, actor, service.AUTHORISED_LIST_ROLES, "verify", f"anchors={len(loaded)}")
    with read_scope(app.sessions) as db:
        result = verification.verify_settings(db, app.settings, app.clock.now(), loaded, public_key)
    click.echo(result.describe())
    if not result.ok:
        sys.exit(1)


@click.command("anchor")
@click.option("--as", "actor", default=None, metavar="LOGIN")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the anchor (then ship it off this machine).",
)
@pass_ctx
def anchor(ctx: Ctx, actor: str | None, output: str) -> None:
    """Sign the head now (time-stamped if a TSA is set) and write it as an anchor file."""
    from inventory.register.jobs import make_anchor

    app = _read(ctx, actor, service.AUTHORISED_LIST_ROLES, "anchor", output)
    made = make_anchor(app)
    if made.anchor is None and made.verification.head_seq is None:
        raise ValidationError("the register is empty: nothing to anchor")
    if made.anchor is None:
        click.echo(made.verification.describe(), err=True)
        sys.exit(1)
    anchors.write(Path(output), made.anchor)
    state = "signed" if made.anchor.signature else "UNSIGNED (no signing key configured)"
    click.echo(f"anchored #{made.anchor.seq} {made.anchor.hash} to {output} ({state})")
    for note in made.notes:
        click.echo(note, err=True)
    click.echo(made.anchor.text())


@click.command("init-key")
@pass_ctx
def init_key(ctx: Ctx) -> None:
    """Create the register's Ed25519 signing key (mode 0600); never overwrites one."""
    path = ctx.settings.section(EMPLOYEE_MONITORING).signing_key_file
    if path is None:
        raise ValidationError(
            "set [employee_monitoring] signing_key_file first (e.g. "
            '"/etc/itops/register-signing.key"), then run init-key again'
        )
    key = create_key_file(Path(path))
    click.echo(f"created {path} (mode 0600); keep it readable by the itops service only")
    click.echo(f"public key:  {key.public.text}")
    click.echo(f"fingerprint: {key.public.fingerprint}")
    click.echo("Print the public key for the auditor: verify --public-key checks with it.")


@click.command("prune")
@click.option("--as", "actor", required=True, metavar="LOGIN", help="The acting user.")
@click.option("--dry-run", is_flag=True, help="Say what would be pruned; change nothing.")
@pass_ctx
def prune_cmd(ctx: Ctx, actor: str, dry_run: bool) -> None:
    """Remove entries past the retention period under a signed checkpoint."""
    app = ctx.app()
    with session_scope(app.sessions) as db:
        service.acting_user(db, actor, service.PRUNE_ROLES, "prune the register")
    key = None if dry_run else configured_key(app.settings)
    engine, sessions = retention.prune_sessions(app)
    try:
        with session_scope(sessions) as db:
            result = retention.prune(
                db,
                app.settings,
                app.clock.now(),
                actor,
                key,
                dry_run=dry_run,
                os_user=os_identity(),
            )
    finally:
        if engine is not app.engine:
            engine.dispose()
    if result.checkpoint_seq is not None and key is not None:
        with session_scope(app.sessions) as db:  # the new head, signed at once
            seals.seal_head(db, key, app.clock.now(), app.settings.office.name)
    click.echo(("would have " if dry_run and result.count else "") + result.describe())
    if result.stopped_at is not None:
        click.echo(f"kept from #{result.stopped_at}: {result.reason}")


@click.command("grants")
@click.option("--service-role", default="itops", show_default=True)
@click.option("--prune-role", default="itops_prune", show_default=True)
def grants(service_role: str, prune_role: str) -> None:
    """Print the PostgreSQL GRANTs: the dashboard role never deletes from the register."""
    click.echo(roles.grants_sql(service_role, prune_role))
