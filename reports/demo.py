"""The DEMO office: ``itops demo seed`` fills an empty database with one invented year.

Why: a newcomer running ``make run`` should see a full dashboard and annual report at
once, not empty tables. Each feature seeds its own part through its own functions
(``seed_demo`` in its ``public`` module: inventory, the §82 register, backups and
antivirus, KPI 1's outages and gaps), so ledgers, intervals and the register's hash
chain are exactly what a real year would leave behind; this module only orders them.

Rules:
1. Only an empty database is seeded (see ``in_use``); a second seed writes nothing.
2. Everything is marked DEMO: names "DEMO …", inventory numbers "DEMO/…", hosts
   ``demo-…``, codes "DEMO-…"; nothing resembles a real person or device.
3. The year is deterministic: one ``random.Random`` seeded with the year, drawn from by
   the parts in a fixed order (inventory, register, antivirus, backups, availability);
   nothing is dated after "now" (seeding the current year stops at today).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itops.config import Settings
from itops.context import AppContext
from itops.db.session import session_scope
from itops.demo import (
    DemoWorld,
    core_tables_in_use,
    mark,
    seed_unfinished,
)
from itops.errors import ValidationError

__all__ = [
    "SeedSummary",
    "default_year",
    "in_use",
    "missing_checks",
    "seed",
    "seed_unfinished",
]

logger = logging.getLogger(__name__)


@dataclass
class SeedSummary:
    """What one seed wrote (printed by the CLI, checked by the tests)."""

    year: int
    until: datetime
    employees: int = 0
    assets: dict[str, int] = field(default_factory=dict)
    repairs: int = 0
    outages: int = 0
    gaps: int = 0
    backup_looks: int = 0
    restore_tests: int = 0
    antivirus_reports: int = 0
    register_entries: int = 0
    trainings: int = 0

    def describe(self) -> str:
        assets = ", ".join(f"{n} {k}" for k, n in sorted(self.assets.items()))
        return (
            f"{self.year} until {self.until:%Y-%m-%d %H:%M} UTC: {self.employees} employees, "
            f"assets ({assets}), {self.repairs} repair protocols, {self.outages} outages, "
            f"{self.gaps} monitoring gaps, {self.backup_looks} backup looks, "
            f"{self.restore_tests} restore tests, {self.antivirus_reports} antivirus reports, "
            f"{self.register_entries} §82 register entries, {self.trainings} trainings"
        )


def in_use(db: Session) -> list[str]:
    """Tables that already hold data (empty list: the database may be seeded).

    Users and the heartbeat count too: a database someone logged into, or that a
    daemon ever ran on, is somebody's office and gets no invented data.
    """
    from checks.availability.public import demo_tables_with_data as availability_tables
    from checks.backups.public import demo_tables_with_data as backup_tables
    from inventory.public import demo_tables_with_data as inventory_tables
    from inventory.register.public import demo_tables_with_data as register_tables

    return [
        *core_tables_in_use(db),
        *inventory_tables(db),
        *availability_tables(db),
        *register_tables(db),
        *backup_tables(db),
    ]


def missing_checks(settings: Settings) -> list[str]:
    """The DEMO systems' check names the config lacks (the seed needs all eight)."""
    from checks.availability.public import missing_demo_checks

    return missing_demo_checks(settings)


def default_year(now: datetime, tz: ZoneInfo) -> int:
    """The current local year; in January the previous one (a whole year to look at)."""
    local = now.astimezone(tz)
    return local.year - 1 if local.month == 1 else local.year


def seed(ctx: AppContext, year: int, now: datetime | None = None) -> SeedSummary:
    """Seed the DEMO office for ``year``; ``ValidationError`` if the database is in use."""
    settings = ctx.settings
    now = (now or ctx.clock.now()).astimezone(UTC)
    tz = ZoneInfo(settings.office.timezone)
    missing = missing_checks(settings)
    if missing:
        raise ValidationError(
            "the config lacks the DEMO checks "
            + ", ".join(missing)
            + " (copy them from config/itops.example.toml)"
        )
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=tz).astimezone(UTC)
    if start >= now - timedelta(days=7):
        raise ValidationError(f"{year} has not begun a week ago; seed an earlier year")
    until = min(end, now - timedelta(hours=1))
    from itops.daemon import sync_units

    with session_scope(ctx.sessions) as db:
        used = in_use(db)
    if used:
        raise ValidationError(
            "the database already has data (" + ", ".join(used) + "); DEMO data goes only "
            "into an empty database"
        )
    sync_units(ctx)
    with session_scope(ctx.sessions) as db:
        mark(db, f"started {year}")  # a seed stopped part-way is told apart (seed_unfinished)
    out = SeedSummary(year=year, until=until)
    rng = random.Random(f"itops-demo-{year}")  # noqa: S311 - invented data, not secrets
    world = DemoWorld(settings, tz, year, start, until, rng)
    _seed_parts(ctx, world, now, out)
    _availability(ctx, world, now, out)
    with session_scope(ctx.sessions) as db:
        mark(db, f"complete {year}")
    logger.info("seeded the DEMO office: %s", out.describe())
    return out


def _seed_parts(ctx: AppContext, world: DemoWorld, now: datetime, out: SeedSummary) -> None:
    """The features' parts, in the order they draw from the generator."""
    from checks.backups.public import seed_demo as seed_backups
    from inventory.public import seed_demo as seed_inventory
    from inventory.public import seed_demo_agent_reports
    from inventory.register.public import seed_demo as seed_register

    with session_scope(ctx.sessions) as db:
        inventory = seed_inventory(db, world, now)
        out.employees, out.assets = len(inventory.codes), inventory.assets
        out.repairs, out.trainings = inventory.repairs, inventory.trainings
        out.register_entries = seed_register(db, world, inventory.codes)
    with session_scope(ctx.sessions) as db:
        backups = seed_backups(db, world, inventory.hosts)
        seed_demo_agent_reports(db, backups.last_reports, now)
        out.antivirus_reports = backups.antivirus_reports
        out.backup_looks, out.restore_tests = backups.backup_looks, backups.restore_tests


def _availability(ctx: AppContext, world: DemoWorld, now: datetime, out: SeedSummary) -> None:
    from checks.availability.public import seed_demo as seed_availability

    seeded = seed_availability(ctx.sessions, world, now)
    out.outages, out.gaps = seeded.outages, seeded.gaps
