"""The reports feature as the core sees it: ``itops kpi``, ``itops report``, the Raporty page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from itops.auth import ADMIN, AUDITOR, IT_OFFICER
from itops.plugins import Feature, NavItem

if TYPE_CHECKING:
    import click
    from starlette.routing import BaseRoute

    from itops.context import AppContext

READERS = (ADMIN, IT_OFFICER, AUDITOR)


def _cli(group: click.Group) -> None:
    from reports.cli import register

    register(group)


def _routes(ctx: AppContext) -> Sequence[BaseRoute]:
    from reports.web import routes

    return routes(ctx)


def _translations() -> dict[str, str]:
    from reports.i18n import TRANSLATIONS

    return TRANSLATIONS


feature: Feature[None] = Feature(
    name="reports",
    cli=_cli,
    routes=_routes,
    nav=(NavItem("Raporty", "/raporty", READERS, order=80),),
    templates=str(Path(__file__).parent / "templates"),
    translations=_translations(),
)
