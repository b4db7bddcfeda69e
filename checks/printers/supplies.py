"""Toner and drum readings of ``snmp`` printer checks, handed to the inventory's stock.

1. ``SupplySink.submit`` (a result sink, on the event loop) keeps the newest readings of
   each printer check in memory: no database work per probe.
2. ``SupplySink.flush`` (a daemon job, in a thread) stores them through
   ``inventory.public.record_printer_supplies`` in one short transaction and publishes a
   ``toner_order`` event ("zamów toner") for every shortage standing; the notifier's own
   de-duplication sends it once per ``repeat_after`` and holds a WARNING back outside
   working hours until the office opens.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from checks.config import CHECKS
from checks.kinds.snmp_eval import SUPPLY_TONER, supplies
from itops.db.session import session_scope
from itops.status import ProbeResult

if TYPE_CHECKING:
    from inventory.public import Shortage, SupplyReading
    from itops.config import Settings
    from itops.context import AppContext

logger = logging.getLogger(__name__)


class SupplySink:
    """Result sink + flush job of one daemon (see the module docstring)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._pending: dict[str, list[SupplyReading]] = {}
        self._printers_of: Settings | None = None
        self._printers: dict[str, tuple[str, str]] = {}

    def printers(self) -> dict[str, tuple[str, str]]:
        """``{check name: (model, unit)}`` of the printer checks; rebuilt on a reload."""
        settings = self.ctx.settings
        if self._printers_of is not settings:
            self._printers = {
                c.name: (str(c.options.model), c.unit)
                for c in settings.section(CHECKS)
                if c.kind == "snmp" and c.options.device == "printer"
            }
            self._printers_of = settings
        return self._printers

    def submit(self, result: ProbeResult) -> None:
        if result.kind != "snmp" or not result.measurements:
            return
        found = self.printers().get(result.check)
        if found is None:
            return
        readings = readings_of(result, *found)
        if readings:
            with self._lock:
                self._pending[result.check] = readings

    def flush(self, ctx: AppContext | None = None) -> list[Shortage]:
        """Store what arrived since the last flush; publish the standing shortages."""
        from inventory.public import order_event, record_printer_supplies

        ctx = ctx or self.ctx
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return []
        now = ctx.clock.now()
        readings = [r for rs in pending.values() for r in rs]
        try:
            with session_scope(ctx.sessions) as db:
                found = record_printer_supplies(db, ctx.settings, readings, now)
        except Exception:
            with self._lock:
                for name, rs in pending.items():
                    self._pending.setdefault(name, rs)
            raise
        for shortage in found:
            ctx.events.publish(order_event(shortage, now))
        return found


def readings_of(result: ProbeResult, model: str, unit: str) -> list[SupplyReading]:
    """A printer probe's toner and drum levels (measurements ``supply_*:<name>``)."""
    from inventory.public import SupplyReading

    values = {m.name: m.value for m in result.measurements}
    return [
        SupplyReading(
            result.check, model, unit, name, "toner" if kind == SUPPLY_TONER else "drum", pct
        )
        for name, kind, pct in supplies(values)
    ]
