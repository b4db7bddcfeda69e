"""Feature ``printers``: toner and drum levels of ``snmp`` printer checks feed the stock.

A result sink keeps each printer's newest readings; a job every minute stores them
through ``inventory.public`` and publishes "zamów toner" (``checks.printers.supplies``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from itops.plugins import Feature, Job

if TYPE_CHECKING:
    from checks.printers.supplies import SupplySink
    from itops.context import AppContext
    from itops.runner import ResultSink

FLUSH_SECONDS = 60.0
_sinks: dict[int, SupplySink] = {}


def sink(ctx: AppContext) -> SupplySink:
    """The supply sink of this context, created on first use."""
    from checks.printers.supplies import SupplySink

    found = _sinks.get(id(ctx))
    if found is None or found.ctx is not ctx:
        found = _sinks[id(ctx)] = SupplySink(ctx)
    return found


def _sinks_of(ctx: AppContext) -> Sequence[ResultSink]:
    return [sink(ctx)]


def _flush(ctx: AppContext) -> None:
    sink(ctx).flush(ctx)


def _jobs(ctx: AppContext) -> Sequence[Job]:
    return [Job("printers-supplies", FLUSH_SECONDS, _flush, run_at_start=False)]


def _stop(ctx: AppContext) -> None:
    """Forget the sink; readings not yet flushed are re-read at the next start's probes
    (a flush here could wait for a held database lock past the shutdown deadline)."""
    _sinks.pop(id(ctx), None)


feature = Feature(name="printers", sinks=_sinks_of, jobs=_jobs, stop=_stop)
