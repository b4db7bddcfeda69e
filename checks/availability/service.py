"""The availability feature's service in one process: the outage tracker and the year's figures.

Pages, metrics, jobs and the result sink share one :class:`AvailabilityService` per
context (``SERVICE.of(ctx)``, see itops.services); kept apart from ``plugin`` so the web
and metrics modules need not import the module that imports them.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from itops.services import Service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from checks.availability.figures import OfficeAvailability
    from checks.availability.kpi import AvailabilityReport
    from checks.availability.tracker import OutageTracker
    from itops.config import Settings
    from itops.context import AppContext

logger = logging.getLogger(__name__)


class AvailabilityService:
    """KPI 1's live objects: the one tracker and the cached figures of this year."""

    def __init__(self, ctx: AppContext) -> None:
        from checks.availability.tracker import OutageTracker

        self.ctx = ctx
        self.tracker: OutageTracker = OutageTracker(ctx.settings, ctx.sessions, ctx.events)
        # This year's availability as last computed by the cache job (None before its run).
        self.year: AvailabilityReport | None = None
        # The office's and each KPI unit's figure, with the report they were computed with.
        self.units: tuple[AvailabilityReport, dict[str, OfficeAvailability]] | None = None
        # The outages' fingerprint read just before ``year`` was computed (outage_stamp).
        self.stamp: tuple[object, ...] | None = None
        # The moment ``year`` was computed for (its rows read then): its age on /metrics.
        self.year_at: datetime | None = None

    def current_year(self) -> AvailabilityReport:
        """The cached figures; computed now if the cache job has not run yet, or if an
        outage was recorded, ended, reclassified or removed since they were computed.

        The fingerprint is read from the database at every call (one aggregate query), not
        remembered from this process's own writes: a write by the tracker, the CLI or
        another node on the same PostgreSQL shows on the next page view, and the year is
        computed again only when something changed (the 600 s job still catches what the
        fingerprint does not cover: probe coverage, monitoring gaps, configuration).
        """
        cached = self.year
        if cached is not None and self.stamp == self.outage_stamp():
            return cached
        return self.refresh_year()

    def fresh_year(self) -> AvailabilityReport | None:
        """``current_year`` once the figures were computed at all, else None (the Pulpit
        tile shows "not computed yet" rather than computing a year on the first view)."""
        return self.current_year() if self.year is not None else None

    def outage_stamp(self) -> tuple[object, ...]:
        from itops.db.session import read_scope

        with read_scope(self.ctx.sessions) as db:
            return outage_stamp(db)

    def year_units(self, report: AvailabilityReport) -> dict[str, OfficeAvailability]:
        """The office's and every KPI unit's figure computed with ``report`` (cache job)."""
        found = self.units
        if found is not None and found[0] is report:
            return found[1]
        return {report.office.unit: report.office}

    def refresh_year(self) -> AvailabilityReport:
        """Recompute this year's figures (intervals only) and cache them for pages and metrics.

        The rows are read in one short read transaction (it never takes SQLite's write
        lock); the arithmetic runs after it has ended, so no transaction is open while
        computing (on SQLite an open reader would also keep the WAL from being
        checkpointed), and the result is only kept in memory. From ``apart.MIN_CHECKS``
        checks on, reading and computing happen in a forked child (see
        checks.availability.apart), off this process's GIL.
        """
        from checks.availability import apart
        from itops.plugins import configured_checks

        ctx = self.ctx
        settings, now = ctx.settings, ctx.clock.now()
        computed: YearFigures | None = None
        if apart.can_fork() and len(configured_checks(settings)) >= apart.MIN_CHECKS:
            try:
                computed = apart.run_apart(lambda: year_figures(settings, None, now))
            except apart.Interrupted:
                raise
            except Exception as exc:
                logger.warning("year's figures not computed apart (%s): computing here", exc)
        if computed is None:
            computed = year_figures(settings, ctx.sessions, now)
        report, units, stamp = computed
        self.units = (report, units)
        self.year, self.stamp, self.year_at = report, stamp, now
        return report


YearFigures = tuple["AvailabilityReport", dict[str, "OfficeAvailability"], tuple[object, ...]]
"""This year's report, the office's and each KPI unit's figure, the outages' stamp."""


def year_figures(
    settings: Settings, sessions: sessionmaker[Session] | None, now: datetime
) -> YearFigures:
    """This year's figures. ``sessions`` None: a database engine of its own (in a forked
    child, never the parent's connections)."""
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from checks.availability import evaluate
    from checks.availability.kpi import load
    from itops.db.session import make_engine, make_sessionmaker, read_scope

    engine = None
    if sessions is None:
        engine = make_engine(settings.storage.url)
        sessions = make_sessionmaker(engine)
    try:
        year = now.astimezone(ZoneInfo(settings.office.timezone)).year
        with read_scope(sessions) as db:
            # read before the rows: a write between the two makes the next view compute
            # again, never keeps a stale figure
            stamp = outage_stamp(db)
            inputs = load(db, settings, date(year, 1, 1), date(year + 1, 1, 1), now=now)
    finally:
        if engine is not None:
            engine.dispose()
    report = evaluate.evaluate(inputs)
    units = {report.office.unit: report.office}
    for unit_id in sorted({c.unit for c in inputs.checks if c.kpi} - set(units)):
        # A unit's own figure (its KPI checks, its hours); only its checks are evaluated again.
        part = replace(inputs, checks=[c for c in inputs.checks if c.unit == unit_id])
        units[unit_id] = evaluate.evaluate(replace(part, aggregate_unit=unit_id)).office
    return report, units, stamp


def outage_stamp(db: Session) -> tuple[object, ...]:
    """What changes when an outage is recorded (count, newest id), ends (count and latest
    of the ends: an end is set once), is removed (count) or reclassified (the append-only
    reclassifications' count and newest id): one query of six aggregates over two small
    tables (their primary keys and ``ix_outage_end``)."""
    from sqlalchemy import func, select

    from checks.availability.models import Outage, OutageReclassification

    parts = [
        select(f(c)).scalar_subquery()
        for f, c in (
            (func.count, Outage.id),
            (func.max, Outage.id),
            (func.count, Outage.end),
            (func.max, Outage.end),
            (func.count, OutageReclassification.id),
            (func.max, OutageReclassification.id),
        )
    ]
    return tuple(db.execute(select(*parts)).one())


SERVICE: Service[AvailabilityService] = Service("checks.availability", AvailabilityService)
