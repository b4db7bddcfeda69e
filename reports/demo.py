"""The DEMO office: ``itops demo seed`` fills an empty database with one invented year.

Why: a newcomer running ``make run`` should see a full dashboard and annual report at
once, not empty tables. Each feature seeds its own part through its own functions
(``seed_demo`` in its ``public`` module: inventory, the §82 register, backups and
antivirus), so ledgers, intervals and the register's hash chain are exactly what a real
year would leave behind; this module only orders them and adds KPI 1's outages and gaps
(through the outage tracker and the heartbeat).

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

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.config import CHECKS
from itops.config import Settings
from itops.context import AppContext
from itops.db.session import session_scope
from itops.demo import (
    ACTOR,
    DemoWorld,
    core_tables_in_use,
    mark,
    seed_unfinished,
    tables_in_use,
)
from itops.errors import ValidationError
from itops.intervals import Interval
from itops.messages import raw
from itops.status import ProbeResult, Status

__all__ = [
    "SYSTEMS",
    "SeedSummary",
    "default_year",
    "in_use",
    "missing_checks",
    "seed",
    "seed_unfinished",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoSystem:
    """One of the eight monitored systems; ``check`` must be a ``[[checks]]`` name."""

    check: str
    label: str
    kind: str


SYSTEMS: tuple[DemoSystem, ...] = (
    DemoSystem("demo-poczta", "serwer poczty", "tcp"),
    DemoSystem("demo-ezd", "system EZD", "http"),
    DemoSystem("demo-serwer-plikow", "serwer plików", "tcp"),
    DemoSystem("demo-ksiegowosc", "system finansowo-księgowy", "tcp"),
    DemoSystem("demo-ewidencja", "ewidencja ludności", "tcp"),
    DemoSystem("demo-www", "strona internetowa urzędu", "http"),
    DemoSystem("demo-internet", "łącze internetowe", "tcp"),
    DemoSystem("demo-szkola-siec", "sieć szkoły", "tcp"),
)


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
    from checks.availability.models import MonitoringGap, Outage, ProbeRollup
    from checks.backups.public import demo_tables_with_data as backup_tables
    from inventory.public import demo_tables_with_data as inventory_tables
    from inventory.register.public import demo_tables_with_data as register_tables

    return [
        *core_tables_in_use(db),
        *inventory_tables(db),
        *tables_in_use(db, (Outage, ProbeRollup, MonitoringGap)),
        *register_tables(db),
        *backup_tables(db),
    ]


def missing_checks(settings: Settings) -> list[str]:
    """The DEMO systems' check names the config lacks (the seed needs all eight)."""
    names = {c.name for c in settings.section(CHECKS)}
    return [s.check for s in SYSTEMS if s.check not in names]


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
        seed_demo_agent_reports(db, backups.last_reports)
        out.antivirus_reports = backups.antivirus_reports
        out.backup_looks, out.restore_tests = backups.backup_looks, backups.restore_tests


# --- availability: outages and gaps through the outage tracker --------------------------


@dataclass(frozen=True)
class _Span:
    start: datetime
    end: datetime
    status: Status
    summary: str


def _spans(world: DemoWorld, system_index: int, unit: str, holidays: list[date]) -> list[_Span]:
    """Outages in and out of working hours, on holidays and weekends, and UNKNOWN gaps."""
    rng = world.rng
    cal = world.settings.calendar(unit)
    days = world.days()
    working = [d for d in days if cal.is_working_day(d)]
    weekend = [d for d in days if d.weekday() >= 5]
    spans: list[_Span] = []
    down = Status.CRITICAL

    def within(day: date, minutes: int) -> tuple[datetime, datetime] | None:
        ranges = cal.local_ranges(day)
        if not ranges:
            return None
        begin, finish = ranges[0]
        lo = begin.hour * 60 + begin.minute
        hi = (finish.hour * 60 + finish.minute or 24 * 60) - minutes - 5
        if hi <= lo:
            return None
        at = rng.randrange(lo, hi)
        start = world.local(day, at // 60, at % 60)
        return start, start + timedelta(minutes=minutes)

    for _ in range(rng.randint(2, 5)):
        if not working:
            break
        found = within(rng.choice(working), rng.choice((6, 12, 18, 25, 40, 55, 80)))
        if found:
            spans.append(_Span(*found, down, "DEMO: connection refused"))
    for _ in range(rng.randint(1, 3)):
        if weekend:
            day = rng.choice(weekend)
            start = world.local(day, rng.randrange(6, 20))
            spans.append(
                _Span(
                    start,
                    start + timedelta(minutes=rng.randrange(30, 300)),
                    down,
                    "DEMO: no reply (weekend)",
                )
            )
    if holidays:
        day = holidays[system_index % len(holidays)]
        start = world.local(day, 9, 15)
        spans.append(
            _Span(
                start,
                start + timedelta(minutes=95),
                down,
                "DEMO: power cut in the building (holiday)",
            )
        )
    if working:
        day = rng.choice(working)
        start = world.local(day, 19, rng.randrange(60))
        spans.append(
            _Span(
                start,
                start + timedelta(minutes=rng.randrange(20, 180)),
                down,
                "DEMO: timeout (evening)",
            )
        )
        found = within(rng.choice(working), rng.choice((15, 35)))
        if found:
            spans.append(_Span(*found, Status.UNKNOWN, "DEMO: probe could not tell (DNS)"))
        night = world.local(rng.choice(working), 2)
        spans.append(
            _Span(
                night,
                night + timedelta(minutes=70),
                Status.UNKNOWN,
                "DEMO: probe could not tell (timeout of the probe itself)",
            )
        )
    spans.sort(key=lambda s: s.start)
    kept: list[_Span] = []
    for span in spans:
        if span.end > world.until - timedelta(hours=1):
            continue
        if kept and span.start < kept[-1].end + timedelta(minutes=30):
            continue
        kept.append(span)
    return kept


def _results(name: str, kind: str, world: DemoWorld, spans: list[_Span]) -> list[ProbeResult]:
    """The probe results that produce ``spans``: two failures open, one OK closes."""
    rng = world.rng
    out: list[ProbeResult] = []
    blocked = [
        Interval(s.start - timedelta(minutes=5), s.end + timedelta(minutes=5)) for s in spans
    ]
    at = world.start + timedelta(minutes=7)
    step = timedelta(hours=4)
    index = 0
    while at < world.until:
        while index < len(blocked) and blocked[index].end <= at:
            index += 1
        if index >= len(blocked) or at < blocked[index].start:
            out.append(
                ProbeResult(name, kind, Status.OK, raw("DEMO: ok"), at, rng.uniform(0.002, 0.06))
            )
        at += step
    for span in spans:
        if span.status is Status.UNKNOWN:
            out.append(ProbeResult(name, kind, Status.UNKNOWN, raw(span.summary), span.start, 10.0))
        else:
            out.append(ProbeResult(name, kind, span.status, raw(span.summary), span.start, 10.0))
            out.append(
                ProbeResult(
                    name,
                    kind,
                    span.status,
                    raw(span.summary),
                    span.start + timedelta(seconds=60),
                    10.0,
                )
            )
        out.append(ProbeResult(name, kind, Status.OK, raw("DEMO: ok"), span.end, 0.01))
    out.sort(key=lambda r: r.started_at)
    return out


def _availability(ctx: AppContext, world: DemoWorld, now: datetime, out: SeedSummary) -> None:
    from checks.availability.entry import ManualOutage, add_outages, reclassify
    from checks.availability.models import Outage
    from checks.availability.tracker import OutageTracker
    from itops import heartbeat

    settings = world.settings
    office = settings.calendar("office")
    holidays = [d for d in world.days() if d.weekday() < 5 and office.holiday_name(d) is not None]
    tracker = OutageTracker(settings, ctx.sessions)
    by_name = {c.name: c for c in settings.section(CHECKS)}
    results: list[ProbeResult] = []
    for index, system in enumerate(SYSTEMS):
        cfg = by_name[system.check]
        spans = _spans(world, index, cfg.unit, holidays)
        results += _results(cfg.name, cfg.kind, world, spans)
        out.outages += sum(1 for s in spans if s.status is Status.CRITICAL)
        out.gaps += sum(1 for s in spans if s.status is Status.UNKNOWN)
    # In time order, one flush per local month: a flush reads back the rollups of the
    # hours it writes, so small batches keep that read small.
    results.sort(key=lambda r: r.started_at)
    month = None
    for result in results:
        key = result.started_at.astimezone(world.tz).month
        if month is not None and key != month:
            tracker.flush(now, everything=True)
        month = key
        tracker.submit(result)
    tracker.flush(now, everything=True)
    working = [d for d in world.days() if office.is_working_day(d)]
    with session_scope(ctx.sessions) as db:
        # A planned upgrade (excluded from KPI 1), an ISP fault (external) and a false alarm.
        if len(working) > 40:
            day = working[len(working) // 3]
            planned = ManualOutage(
                "demo-ezd",
                world.local(day, 15, 0),
                world.local(day, 15, 25),
                "planned",
                "DEMO: planned upgrade of EZD, announced to staff",
            )
            try:
                add_outages(db, settings, [planned], now, ACTOR, "manual")
                out.outages += 1
            except ValidationError:
                logger.info("DEMO planned outage skipped: overlaps a generated one")
        rows = list(db.scalars(select(Outage).order_by(Outage.start)))
        internet = [r for r in rows if r.check_name == "demo-internet"]
        if internet:
            reclassify(
                db,
                internet[0].id,
                "external",
                ACTOR,
                "DEMO: the ISP confirmed a fault on their side",
                internet[0].end or now,
            )
        www = [r for r in rows if r.check_name == "demo-www"]
        if www:
            reclassify(
                db,
                www[-1].id,
                "false_alarm",
                ACTOR,
                "DEMO: the probe host lost its route; the site was up",
                www[-1].end or now,
            )
    # itops itself stopped once (server room power cut): a gap for every check.
    if len(working) > 60:
        day = working[len(working) // 2]
        stop, back = world.local(day, 11, 5), world.local(day, 11, 50)
        with session_scope(ctx.sessions) as db:
            heartbeat.beat(db, stop, clean_shutdown=False)
        heartbeat.start(ctx.sessions, back)
        out.gaps += 1
    with session_scope(ctx.sessions) as db:
        heartbeat.beat(db, now, clean_shutdown=True)
