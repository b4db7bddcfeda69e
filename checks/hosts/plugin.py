"""Feature ``hosts``: binds the ``host`` check kind to the agent reports in the database.

At daemon start the kind's ``SOURCE`` becomes a reader of ``inventory.public`` (the
inventory feature's public surface) over one short session per probe.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from itops.db.session import session_scope
from itops.plugins import Feature

if TYPE_CHECKING:
    from itops.context import AppContext


def bind(ctx: AppContext) -> None:
    from checks.kinds import host_report
    from inventory.public import latest_agent_report

    def read(hostname: str) -> tuple[dict[str, Any], datetime] | None:
        with session_scope(ctx.sessions) as db:
            return latest_agent_report(db, hostname)

    host_report.SOURCE = read


feature = Feature(name="hosts", start=bind)
