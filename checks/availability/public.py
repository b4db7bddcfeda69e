"""The public API of KPI 1 (availability) for other features: the report and the DEMO seed.

Other features import only this module of ``checks.availability``. The year's figures
are ``compute`` over a period (the pure function over intervals behind ``itops
availability``); the DEMO part is imported only when seeding, so ``itops kpi`` does not
load the tracker and the writer.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from checks.availability.kpi import AvailabilityReport, compute

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from checks.availability.demo import AvailabilityDemo
    from itops.config import Settings
    from itops.context import AppContext
    from itops.demo import DemoWorld

__all__ = [
    "AvailabilityReport",
    "compute",
    "demo_tables_with_data",
    "missing_demo_checks",
    "seed_demo",
    "year_has_data",
]


def year_has_data(ctx: AppContext) -> bool:
    """Whether itops watched some working time of this year (a check with coverage > 0),
    from the daemon's cached year figures (computed now if the cache job has not run)."""
    from checks.availability.service import SERVICE

    report = SERVICE.of(ctx).current_year()
    return any(c.working_seconds > c.unknown_seconds for c in report.checks)


def seed_demo(sessions: sessionmaker[Session], world: DemoWorld, now: datetime) -> AvailabilityDemo:
    """Seed KPI 1's DEMO year (outages, gaps, reclassifications) up to ``world.until``."""
    from checks.availability import demo

    return demo.seed_demo(sessions, world, now)


def demo_tables_with_data(db: Session) -> list[str]:
    """KPI 1's tables holding data (a database in use gets no DEMO data)."""
    from checks.availability import demo

    return demo.tables_with_data(db)


def missing_demo_checks(settings: Settings) -> list[str]:
    """The DEMO systems' ``[[checks]]`` names the config lacks (the seed needs all eight)."""
    from checks.availability import demo

    return demo.missing_checks(settings)
