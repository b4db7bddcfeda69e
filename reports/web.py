"""The "Raporty" page."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from itops.context import AppContext


def routes(ctx: AppContext) -> list[BaseRoute]:
    return []
