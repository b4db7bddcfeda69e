"""Feature ``printers``: toner and drum levels of ``snmp`` printer checks feed the stock.

A result sink keeps each printer's newest readings; a job every minute stores them
through ``inventory.public`` and publishes "zamów toner" (``checks.printers.supplies``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from itops.plugins import Feature, Job
from itops.services import Service

if TYPE_CHECKING:
    from checks.printers.supplies import SupplySink
    from itops.context import AppContext
    from itops.runner import ResultSink

FLUSH_SECONDS = 60.0


def _supply_sink(ctx: AppContext) -> SupplySink:
    from checks.printers.supplies import SupplySink

    return SupplySink(ctx)


SERVICE: Service[SupplySink] = Service("checks.printers", _supply_sink)


def sink(ctx: AppContext) -> SupplySink:
    """The supply sink of this context, created on first use."""
    return SERVICE.of(ctx)


def _sinks(ctx: AppContext, supplies: SupplySink) -> Sequence[ResultSink]:
    return [supplies]


def _flush(supplies: SupplySink, ctx: AppContext) -> None:
    supplies.flush(ctx)


def _jobs(ctx: AppContext, supplies: SupplySink) -> Sequence[Job]:
    return [Job("printers-supplies", FLUSH_SECONDS, partial(_flush, supplies), first_in=None)]


def _stop(ctx: AppContext) -> None:
    """Forget the sink; readings not yet flushed are re-read at the next start's probes
    (a flush here could wait for a held database lock past the shutdown deadline)."""
    ctx.services.drop(SERVICE)


feature = Feature(name="printers", build=SERVICE.of, sinks=_sinks, jobs=_jobs, stop=_stop)
