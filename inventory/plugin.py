"""The inventory feature as the core sees it: tables, CLI, pages, API, jobs, metrics, tiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from itops.plugins import Feature

if TYPE_CHECKING:
    import click


def _cli(group: click.Group) -> None:
    from inventory.cli import register

    register(group)


feature = Feature(
    name="inventory",
    models=["inventory.models"],
    cli=_cli,
)
