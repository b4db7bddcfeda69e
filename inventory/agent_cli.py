"""``itops agent``: report this workstation to the server; per-host agent tokens."""

from __future__ import annotations

from pathlib import Path

import click

from itops.cli import Ctx, pass_ctx
from itops.db.session import session_scope


@click.group("agent", invoke_without_command=True)
@click.option("--server", help="itops URL, e.g. https://itops.urzad.local")
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File holding this host's token (from `itops agent token create`).",
)
@click.option("--print", "print_only", is_flag=True, help="Print the report; send nothing.")
@click.option("--timeout", type=float, default=30.0, show_default=True)
@click.option(
    "--service",
    "services",
    multiple=True,
    metavar="NAME",
    help="A service whose state to report (systemd unit or Windows service).",
)
@click.option("--no-software", is_flag=True, help="Leave out the installed software list.")
@click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/"), hidden=True
)
@click.option("--windows-status-file", type=click.Path(dir_okay=False, path_type=Path), hidden=True)
@click.pass_context
def agent_group(
    click_ctx: click.Context,
    server: str | None,
    token_file: Path | None,
    print_only: bool,
    timeout: float,
    services: tuple[str, ...],
    no_software: bool,
    root: Path,
    windows_status_file: Path | None,
) -> None:
    """Report this workstation to the itops server (run by a timer or Task Scheduler)."""
    if click_ctx.invoked_subcommand is not None:
        return
    from inventory.agent import read_token, send
    from inventory.collect import collect

    if windows_status_file is not None:
        report = collect(
            root,
            system="Windows",
            windows_status=windows_status_file.read_text(encoding="utf-8"),
            services=services,
            with_software=not no_software,
        )
    else:
        report = collect(root, services=services, with_software=not no_software)
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
    from inventory.api import revoke_token

    app = ctx.app()
    with session_scope(app.sessions) as db:
        revoke_token(db, hostname)
    click.echo(f"token of {hostname} revoked")
