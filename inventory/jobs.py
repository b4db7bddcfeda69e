"""Daemon jobs of the inventory feature (sync; the daemon runs them in a thread)."""

from __future__ import annotations

import logging

from inventory.api import publish, report_parts
from inventory.collect import collect
from inventory.intake import store_local
from inventory.metrics import note_agent_report
from itops.context import AppContext

logger = logging.getLogger(__name__)


def collect_self(ctx: AppContext) -> None:
    """The daemon's own host, collected daily like any workstation's agent report."""
    report = collect()
    now = ctx.clock.now()
    stored = store_local(ctx.sessions, report, now, report_parts(ctx))
    note_agent_report(ctx, stored.hostname, now)
    publish(ctx, stored, report, now)
    if stored.hardware_changed:
        logger.warning("hardware of %s changed: a repair protocol is needed", report.hostname)
