"""The availability feature's state in one process: the outage tracker and the year's figures.

Pages, metrics, jobs and the result sink share these; kept apart from ``plugin`` so the
web and metrics modules need not import the module that imports them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checks.availability.kpi import AvailabilityReport
    from checks.availability.tracker import OutageTracker
    from itops.context import AppContext

TRACKER_KEY = "checks.tracker"
YEAR_KEY = "checks.availability_year"


def tracker(ctx: AppContext) -> OutageTracker:
    """The one tracker of this process, kept in ``ctx.state.values``."""
    from checks.availability.tracker import OutageTracker

    found = ctx.state.values.get(TRACKER_KEY)
    if not isinstance(found, OutageTracker):
        found = OutageTracker(ctx.settings, ctx.sessions, ctx.events)
        ctx.state.values[TRACKER_KEY] = found
    return found


def year_report(ctx: AppContext) -> AvailabilityReport | None:
    """This year's availability as last computed by the cache job (None before the first run)."""
    from checks.availability.kpi import AvailabilityReport

    found = ctx.state.values.get(YEAR_KEY)
    return found if isinstance(found, AvailabilityReport) else None


def current_year_report(ctx: AppContext) -> AvailabilityReport:
    """The cached figures; computed now if the cache job has not run yet."""
    cached = year_report(ctx)
    if cached is not None:
        return cached
    return refresh_year(ctx)


def refresh_year(ctx: AppContext) -> AvailabilityReport:
    """Recompute this year's figures (intervals only) and cache them for pages and metrics.

    The rows are read in one short read transaction (it never takes SQLite's write lock);
    the arithmetic runs after it has ended, so no transaction is open while computing (on
    SQLite an open reader would also keep the WAL from being checkpointed), and the result
    is only kept in memory.
    """
    from zoneinfo import ZoneInfo

    from checks.availability import evaluate
    from checks.availability.kpi import load
    from itops.db.session import read_scope

    now = ctx.clock.now()
    year = now.astimezone(ZoneInfo(ctx.settings.office.timezone)).year
    with read_scope(ctx.sessions) as db:
        inputs = load(db, ctx.settings, date(year, 1, 1), date(year + 1, 1, 1), now=now)
    report = evaluate.evaluate(inputs)
    ctx.state.values[YEAR_KEY] = report
    return report
