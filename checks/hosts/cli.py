"""``itops hosts``: which check watches each agent host (its own, a group's, or none)."""

from __future__ import annotations

import json

import click

from itops.cli import Ctx, pass_ctx


def register(group: click.Group) -> None:
    group.add_command(hosts_cmd)


@click.command("hosts")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def hosts_cmd(ctx: Ctx, as_json: bool) -> None:
    """List the hosts reporting through an agent and the check that judges each.

    A host is covered by its own [[checks]] entry of kind host, else by the first
    [[host_checks]] group that matches it; the rest are listed with the reason.
    """
    from checks.config import CHECKS
    from checks.hosts.config import HOST_CHECKS
    from checks.hosts.groups import cover, known_hosts
    from itops.db.session import read_scope

    settings = ctx.settings  # the file's, before derivation
    app = ctx.app()
    with read_scope(app.sessions) as db:
        hosts = known_hosts(db)
    _, coverage = cover(
        settings.section(HOST_CHECKS), settings.section(CHECKS), hosts, settings.unit_names()
    )
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"host": c.host, "check": c.check, "group": c.group, "reason": c.reason or None}
                    for c in coverage
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not coverage:
        click.echo("no host reports through an agent yet (itops agent token create HOST)")
    for c in coverage:
        source = f"group {c.group}" if c.group else "[[checks]]" if c.check else "-"
        click.echo(f"{c.host}\t{c.check or '-'}\t{source}\t{c.reason}".rstrip())
