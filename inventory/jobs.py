"""Daemon jobs of the inventory feature (sync; the daemon runs them in a thread)."""

from __future__ import annotations

import logging

from inventory.api import publish, store_report
from inventory.collect import collect
from itops.context import AppContext
from itops.db.session import session_scope

logger = logging.getLogger(__name__)


def collect_self(ctx: AppContext) -> None:
    """The daemon's own host, collected daily like any workstation's agent report."""
    report = collect()
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        stored = store_report(db, report, now)
    publish(ctx, stored, report, now)
    if stored.hardware_changed:
        logger.warning("hardware of %s changed: a repair protocol is needed", report.hostname)
