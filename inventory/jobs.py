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


def remind_toner_orders(ctx: AppContext) -> int:
    """Publish "zamów toner" for every shortage standing now (the notifier de-duplicates).

    Why besides the printers' own readings: a shortage also stands when nobody probes
    the printer any more (switched off, its check removed) or when itops restarted.
    """
    from inventory.config import INVENTORY
    from inventory.toner import order_event, shortages
    from itops.db.session import read_scope

    now = ctx.clock.now()
    with read_scope(ctx.sessions) as db:
        found = shortages(db, ctx.settings.section(INVENTORY).toner_order_percent)
    for shortage in found:
        ctx.events.publish(order_event(shortage, now))
    return len(found)
