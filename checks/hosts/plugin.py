"""Feature ``hosts``: binds the ``host`` check kind to the agent reports in the database.

At daemon start the kind's ``SOURCE`` becomes a reader of ``inventory.public`` (the
inventory feature's public surface) over one short session per probe; ``derive`` turns
``[[host_checks]]`` groups into one check per matching host (``checks.hosts.groups``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from itops.db.session import read_scope
from itops.plugins import Feature

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from itops.config import Settings
    from itops.context import AppContext


def bind(ctx: AppContext) -> None:
    from checks.kinds import host_report
    from inventory.public import latest_agent_report

    def read(hostname: str) -> tuple[dict[str, Any], datetime] | None:
        with read_scope(ctx.sessions) as db:
            return latest_agent_report(db, hostname)

    host_report.SOURCE = read


def _derive(settings: Settings, session: Session) -> Settings:
    from checks.hosts.groups import derive

    return derive(settings, session)


def _cli(group: object) -> None:
    from checks.hosts.cli import register

    register(group)  # type: ignore[arg-type]


feature: Feature[None] = Feature(name="hosts", start=bind, derive=_derive, cli=_cli)
