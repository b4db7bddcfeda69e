"""The availability feature's state in one process: the outage tracker and the year's figures.

Pages, metrics, jobs and the result sink share these; kept apart from ``plugin`` so the
web and metrics modules need not import the module that imports them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checks.availability.figures import OfficeAvailability
    from checks.availability.kpi import AvailabilityReport
    from checks.availability.tracker import OutageTracker
    from itops.context import AppContext

TRACKER_KEY = "checks.tracker"
YEAR_KEY = "checks.availability_year"
UNITS_KEY = "checks.availability_year_units"


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


def year_units(ctx: AppContext, report: AvailabilityReport) -> dict[str, OfficeAvailability]:
    """The office's and every KPI unit's figure computed with ``report`` (cache job)."""
    found = ctx.state.values.get(UNITS_KEY)
    if isinstance(found, tuple) and found[0] is report:
        units: dict[str, OfficeAvailability] = found[1]
        return units
    return {report.office.unit: report.office}


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
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from checks.availability import evaluate
    from checks.availability.kpi import load
    from itops.db.session import read_scope

    now = ctx.clock.now()
    year = now.astimezone(ZoneInfo(ctx.settings.office.timezone)).year
    with read_scope(ctx.sessions) as db:
        inputs = load(db, ctx.settings, date(year, 1, 1), date(year + 1, 1, 1), now=now)
    report = evaluate.evaluate(inputs)
    units = {report.office.unit: report.office}
    for unit_id in sorted({c.unit for c in inputs.checks if c.kpi} - set(units)):
        # A unit's own figure (its KPI checks, its hours); only its checks are evaluated again.
        part = replace(inputs, checks=[c for c in inputs.checks if c.unit == unit_id])
        units[unit_id] = evaluate.evaluate(replace(part, aggregate_unit=unit_id)).office
    ctx.state.values[UNITS_KEY] = (report, units)
    ctx.state.values[YEAR_KEY] = report
    return report
