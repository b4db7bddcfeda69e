"""KPI 1's part of the DEMO office: eight systems' year of outages and monitoring gaps.

Everything goes through the outage tracker (what the daemon's probe results go
through), manual entry, reclassification and the heartbeat, so intervals and rollups are
what a real year leaves behind. Outages fall in and out of working hours, on holidays and
weekends; UNKNOWN results become gaps; itops itself stops once (a gap for every check).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.entry import ManualOutage, add_outages, reclassify
from checks.availability.models import CheckHistory, MonitoringGap, Outage, ProbeRollup
from checks.availability.outage_texts import demo
from checks.availability.tracker import OutageTracker
from checks.availability.watch import record_added
from checks.config import CHECKS
from itops import heartbeat
from itops.calendar import OfficeCalendar
from itops.config import Settings
from itops.db.session import session_scope
from itops.demo import ACTOR, DemoWorld, tables_in_use
from itops.errors import ValidationError
from itops.intervals import Interval
from itops.messages import Summary
from itops.status import ProbeResult, Status

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
class AvailabilityDemo:
    """What the availability seed wrote."""

    outages: int = 0
    gaps: int = 0


def tables_with_data(db: Session) -> list[str]:
    """KPI 1's tables that mark a database as someone's office."""
    return tables_in_use(db, (Outage, ProbeRollup, MonitoringGap, CheckHistory))


def missing_checks(settings: Settings) -> list[str]:
    """The DEMO systems' check names the config lacks (the seed needs all eight)."""
    names = {c.name for c in settings.section(CHECKS)}
    return [s.check for s in SYSTEMS if s.check not in names]


@dataclass(frozen=True)
class _Span:
    start: datetime
    end: datetime
    status: Status
    summary: Summary


def _spans(world: DemoWorld, system_index: int, unit: str, holidays: list[date]) -> list[_Span]:
    """Outages in and out of working hours, on holidays and weekends, and UNKNOWN gaps."""
    cal = world.settings.calendar(unit)
    days = world.days()
    working = [d for d in days if cal.is_working_day(d)]
    weekend = [d for d in days if d.weekday() >= 5]
    spans = (
        _in_hours(world, cal, working)
        + _weekends(world, weekend)
        + _holiday(world, system_index, holidays)
        + _evening_and_unknown(world, cal, working)
    )  # in this order: each part draws from world.rng
    spans.sort(key=lambda s: s.start)
    kept: list[_Span] = []
    for span in spans:
        if span.end > world.until - timedelta(hours=1):
            continue
        if kept and span.start < kept[-1].end + timedelta(minutes=30):
            continue
        kept.append(span)
    return kept


def _within(
    world: DemoWorld, cal: OfficeCalendar, day: date, minutes: int
) -> tuple[datetime, datetime] | None:
    """``minutes`` at a random time inside the day's first working range, if they fit."""
    ranges = cal.local_ranges(day)
    if not ranges:
        return None
    begin, finish = ranges[0]
    lo = begin.hour * 60 + begin.minute
    hi = (finish.hour * 60 + finish.minute or 24 * 60) - minutes - 5
    if hi <= lo:
        return None
    at = world.rng.randrange(lo, hi)
    start = world.local(day, at // 60, at % 60)
    return start, start + timedelta(minutes=minutes)


def _in_hours(world: DemoWorld, cal: OfficeCalendar, working: list[date]) -> list[_Span]:
    rng = world.rng
    spans: list[_Span] = []
    for _ in range(rng.randint(2, 5)):
        if not working:
            break
        found = _within(world, cal, rng.choice(working), rng.choice((6, 12, 18, 25, 40, 55, 80)))
        if found:
            spans.append(_Span(*found, Status.CRITICAL, demo("refused")))
    return spans


def _weekends(world: DemoWorld, weekend: list[date]) -> list[_Span]:
    rng = world.rng
    spans: list[_Span] = []
    for _ in range(rng.randint(1, 3)):
        if weekend:
            day = rng.choice(weekend)
            start = world.local(day, rng.randrange(6, 20))
            spans.append(
                _Span(
                    start,
                    start + timedelta(minutes=rng.randrange(30, 300)),
                    Status.CRITICAL,
                    demo("weekend"),
                )
            )
    return spans


def _holiday(world: DemoWorld, system_index: int, holidays: list[date]) -> list[_Span]:
    if not holidays:
        return []
    day = holidays[system_index % len(holidays)]
    start = world.local(day, 9, 15)
    return [
        _Span(
            start,
            start + timedelta(minutes=95),
            Status.CRITICAL,
            demo("power_cut"),
        )
    ]


def _evening_and_unknown(world: DemoWorld, cal: OfficeCalendar, working: list[date]) -> list[_Span]:
    """An evening outage, and two UNKNOWN gaps: one in working hours, one at night."""
    if not working:
        return []
    rng = world.rng
    day = rng.choice(working)
    start = world.local(day, 19, rng.randrange(60))
    spans = [
        _Span(
            start,
            start + timedelta(minutes=rng.randrange(20, 180)),
            Status.CRITICAL,
            demo("evening"),
        )
    ]
    found = _within(world, cal, rng.choice(working), rng.choice((15, 35)))
    if found:
        spans.append(_Span(*found, Status.UNKNOWN, demo("unknown_dns")))
    night = world.local(rng.choice(working), 2)
    spans.append(
        _Span(
            night,
            night + timedelta(minutes=70),
            Status.UNKNOWN,
            demo("unknown_probe"),
        )
    )
    return spans


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
            out.append(ProbeResult(name, kind, Status.OK, demo("ok"), at, rng.uniform(0.002, 0.06)))
        at += step
    for span in spans:
        if span.status is Status.UNKNOWN:
            out.append(ProbeResult(name, kind, Status.UNKNOWN, span.summary, span.start, 10.0))
        else:
            out.append(ProbeResult(name, kind, span.status, span.summary, span.start, 10.0))
            out.append(
                ProbeResult(
                    name,
                    kind,
                    span.status,
                    span.summary,
                    span.start + timedelta(seconds=60),
                    10.0,
                )
            )
        out.append(ProbeResult(name, kind, Status.OK, demo("ok"), span.end, 0.01))
    out.sort(key=lambda r: r.started_at)
    return out


def seed_demo(sessions: sessionmaker[Session], world: DemoWorld, now: datetime) -> AvailabilityDemo:
    """A year of probe results of the DEMO systems through the outage tracker, a planned
    outage, two reclassified ones and one stop of itops itself (a gap for every check)."""
    out = AvailabilityDemo()
    settings = world.settings
    office = settings.calendar("office")
    holidays = [d for d in world.days() if d.weekday() < 5 and office.holiday_name(d) is not None]
    tracker = OutageTracker(settings, sessions)
    by_name = {c.name: c for c in settings.section(CHECKS)}
    # The eight systems were watched from the start of the DEMO year; the config's other
    # checks never ran in it (no coverage: they are added when a daemon first starts).
    with session_scope(sessions) as db:
        record_added(db, [by_name[s.check] for s in SYSTEMS], world.start)
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
    with session_scope(sessions) as db:
        # A planned upgrade (excluded from KPI 1), an ISP fault (external) and a false alarm.
        if len(working) > 40:
            day = working[len(working) // 3]
            planned = ManualOutage(
                "demo-ezd",
                world.local(day, 15, 0),
                world.local(day, 15, 25),
                "planned",
                "DEMO: planowana aktualizacja EZD, zapowiedziana pracownikom",
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
                "DEMO: dostawca internetu potwierdził awarię po swojej stronie",
                internet[0].end or now,
            )
        www = [r for r in rows if r.check_name == "demo-www"]
        if www:
            reclassify(
                db,
                www[-1].id,
                "false_alarm",
                ACTOR,
                "DEMO: komputer sprawdzający stracił trasę do sieci; strona działała",
                www[-1].end or now,
            )
    # itops itself stopped once (server room power cut): a gap for every check.
    if len(working) > 60:
        day = working[len(working) // 2]
        stop, back = world.local(day, 11, 5), world.local(day, 11, 50)
        with session_scope(sessions) as db:
            heartbeat.beat(db, stop, clean_shutdown=False)
        heartbeat.start(sessions, back)
        out.gaps += 1
    with session_scope(sessions) as db:
        heartbeat.beat(db, now, clean_shutdown=True)
    return out
