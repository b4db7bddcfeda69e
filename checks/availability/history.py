"""One system's history for its page: stored results, per-day and per-month KPI 1 figures,
response times from rollups, outages in a time range.

The per-day and per-month figures are KPI 1 itself: the period's intervals are loaded once
(``kpi.load``) and ``evaluate`` runs on each slice, which is what ``compute`` (and so
``itops availability --check NAME --from … --to …``) does for that slice alone: same
working time, same outages, same exclusions (a test holds the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from checks.availability.evaluate import PeriodInput, evaluate, local_midnight
from checks.availability.figures import AvailabilityReport, CheckAvailability
from checks.availability.kpi import effective_causes, load
from checks.availability.maintenance import load_windows
from checks.availability.models import Outage, ProbeResultRow, ProbeRollup
from checks.availability.rollups import p95
from itops.config import Settings
from itops.config_types import PerLanguage
from itops.intervals import Interval, clip
from itops.status import Status


def slice_figures(
    db: Session,
    settings: Settings,
    check: str,
    slices: list[tuple[date, date]],
    now: datetime,
) -> list[CheckAvailability]:
    """KPI 1 of ``check`` over each (first, until) local-date slice, in the given order."""
    period = load(db, settings, *_bounds(slices), check=check, now=now) if slices else None
    return [r.check(check) for r in slice_reports(period, slices)]


def _bounds(slices: list[tuple[date, date]]) -> tuple[date, date]:
    return min(s[0] for s in slices), max(s[1] for s in slices)


def load_period(
    db: Session,
    settings: Settings,
    slices: list[tuple[date, date]],
    now: datetime,
    checks: list[str] | None = None,
    around_the_clock: bool = False,
) -> PeriodInput:
    """The intervals of the slices' whole span, loaded once for ``slice_reports``.

    ``checks`` keeps only those checks (the office figure then aggregates them alone);
    ``around_the_clock`` counts every hour of the day as time to be available (the
    residents' view of an e-service) instead of the unit's working hours (KPI 1).
    """
    period = load(db, settings, *_bounds(slices), now=now)
    if checks is not None:
        wanted = set(checks)
        period = replace(period, checks=[c for c in period.checks if c.name in wanted])
    if around_the_clock:
        period = replace(period, working={u: [period.window] for u in period.working})
    return period


def slice_reports(
    period: PeriodInput | None, slices: list[tuple[date, date]]
) -> list[AvailabilityReport]:
    """``evaluate`` on each (first, until) local-date slice of ``period``, in order: the
    figures ``compute`` gives for that slice alone (same working time, outages, gaps)."""
    if period is None:
        return []
    moment = period.window.end
    out: list[AvailabilityReport] = []
    for lo, hi in slices:
        start = local_midnight(lo, period.tz)
        window = Interval(start, min(local_midnight(hi, period.tz), max(moment, start)))
        part = replace(
            period,
            first=lo,
            until=hi,
            window=window,
            working={u: clip(w, window.start, window.end) for u, w in period.working.items()},
            outages={
                name: [
                    o
                    for o in rows
                    if o.start < window.end and (o.end is None or o.end > window.start)
                ]
                for name, rows in period.outages.items()
            },
            gaps_global=[
                (u, piece)
                for u, g in period.gaps_global
                for piece in clip([g], window.start, window.end)
            ],
            gaps_by_check={
                name: clip(rows, window.start, window.end)
                for name, rows in period.gaps_by_check.items()
            },
        )
        out.append(evaluate(part))
    return out


def first_data(db: Session, checks: list[str]) -> dict[str, datetime]:
    """The oldest stored result or rollup of each check (absent: never measured)."""
    if not checks:
        return {}
    out: dict[str, datetime] = {}
    for model, column in ((ProbeRollup, ProbeRollup.start), (ProbeResultRow, ProbeResultRow.at)):
        rows = db.execute(
            select(model.check_name, func.min(column))
            .where(model.check_name.in_(checks))
            .group_by(model.check_name)
        ).all()
        for name, at in rows:
            if at is not None and (name not in out or at < out[name]):
                out[name] = at
    return out


def months_of_year(year: int, today: date) -> list[tuple[date, date]]:
    """The local months of ``year`` that have begun by ``today``."""
    out: list[tuple[date, date]] = []
    for month in range(1, 13):
        lo = date(year, month, 1)
        if lo > today:
            break
        out.append((lo, date(year + (month == 12), month % 12 + 1, 1)))
    return out


def last_working_days(settings: Settings, unit: str, today: date, count: int) -> list[date]:
    """The last ``count`` working days of ``unit`` up to ``today`` (included), oldest first."""
    cal = settings.calendar(unit)
    days: list[date] = []
    day = today
    for _ in range(count * 4 + 30):  # a long holiday break still ends the search
        if cal.is_working_day(day):
            days.append(day)
            if len(days) == count:
                break
        day -= timedelta(days=1)
    return list(reversed(days))


@dataclass(frozen=True)
class StoredResult:
    """One stored probe result (a change, a failure or the hourly sample)."""

    at: datetime
    status: Status
    duration: float
    summary: str


def last_results(db: Session, check: str, limit: int = 90) -> list[StoredResult]:
    """The newest ``limit`` stored results of ``check``, oldest first."""
    rows = db.execute(
        select(
            ProbeResultRow.at,
            ProbeResultRow.status,
            ProbeResultRow.duration,
            ProbeResultRow.summary,
        )
        .where(ProbeResultRow.check_name == check)
        .order_by(ProbeResultRow.at.desc(), ProbeResultRow.id.desc())
        .limit(limit)
    ).all()
    return [StoredResult(r[0], Status(r[1]), r[2], r[3]) for r in reversed(rows)]


@dataclass(frozen=True)
class Latency:
    """What the probes measured of the service over one bucket (an hour or a local day),
    in milliseconds; ``count`` results measured it."""

    start: datetime
    seconds: int
    count: int
    low: float
    mean: float
    p95: float


def latencies(
    db: Session, check: str, start: datetime, end: datetime, tz: ZoneInfo, by_day: bool
) -> list[Latency]:
    """The service times of ``check`` in ``start`` .. ``end`` from rollups (hours; local
    days when ``by_day``), then the raw results of the hour not rolled up yet. Results
    that measured no service time (a refused connection, every ping lost, rows from
    before the measurement was kept) add nothing. A day's p95 is the highest of its
    hours' (or the stored daily) p95: never below the true one."""
    rows = db.execute(
        select(
            ProbeRollup.start,
            ProbeRollup.seconds,
            ProbeRollup.service_count,
            ProbeRollup.service_min,
            ProbeRollup.service_sum,
            ProbeRollup.service_p95,
        )
        .where(ProbeRollup.check_name == check)
        .where(ProbeRollup.start >= start - timedelta(days=1), ProbeRollup.start < end)
        .order_by(ProbeRollup.start)
    ).all()
    buckets: dict[datetime, list[tuple[int, int, float, float, float]]] = {}
    rolled_until = start
    for at, seconds, count, low, total, high in rows:
        if at + timedelta(seconds=seconds) <= start:
            continue
        rolled_until = max(rolled_until, at + timedelta(seconds=seconds))
        if not count or low is None or total is None or high is None:
            continue
        key = local_midnight(at.astimezone(tz).date(), tz) if by_day else at
        buckets.setdefault(key, []).append((seconds, count, low, total, high))
    out = [
        Latency(
            key,
            86400 if by_day else parts[0][0],
            sum(p[1] for p in parts),
            min(p[2] for p in parts),
            sum(p[3] for p in parts) / sum(p[1] for p in parts),
            max(p[4] for p in parts),
        )
        for key, parts in sorted(buckets.items())
    ]
    raw = [
        ms
        for ms in db.scalars(
            select(ProbeResultRow.service_ms)
            .where(ProbeResultRow.check_name == check)
            .where(ProbeResultRow.at >= rolled_until, ProbeResultRow.at < end)
            .where(ProbeResultRow.service_ms.is_not(None))
        )
        if ms is not None
    ]
    if raw and not by_day:
        out.append(Latency(rolled_until, 3600, len(raw), min(raw), sum(raw) / len(raw), p95(raw)))
    return out


@dataclass(frozen=True)
class OutageSpan:
    """An outage of the check overlapping a range, with its effective cause."""

    id: int
    start: datetime
    end: datetime | None
    cause: str


def outage_spans(db: Session, check: str, start: datetime, end: datetime) -> list[OutageSpan]:
    rows = db.execute(
        select(Outage.id, Outage.start, Outage.end, Outage.cause)
        .where(Outage.check_name == check, Outage.start < end)
        .where(or_(Outage.end.is_(None), Outage.end > start))
        .order_by(Outage.start)
    ).all()
    causes = effective_causes(db, [r[0] for r in rows])
    return [OutageSpan(r[0], r[1], r[2], causes.get(r[0], r[3])) for r in rows]


def next_maintenance(
    db: Session, settings: Settings, check: str, unit: str, now: datetime, days: int = 90
) -> tuple[str | PerLanguage, Interval] | None:
    """The planned window of ``check`` running now or starting next (within ``days``):
    its name (a config text, ``text_for``) and its interval."""
    tz = ZoneInfo(settings.office.timezone)
    today = now.astimezone(tz).date()
    found: tuple[str | PerLanguage, Interval] | None = None
    for window in load_windows(settings, db):
        if not window.applies_to(check, unit):
            continue
        for piece in window.intervals(today, today + timedelta(days=days), tz):
            end = piece.end.astimezone(UTC)
            if end <= now:
                continue
            if found is None or piece.start < found[1].start:
                found = (window.name, Interval(piece.start.astimezone(UTC), end))
            break
    return found


def upcoming_maintenance(
    db: Session, settings: Settings, check: str, unit: str, now: datetime, days: int
) -> list[Interval]:
    """The planned windows of ``check`` running now or starting within ``days``, by start."""
    tz = ZoneInfo(settings.office.timezone)
    today = now.astimezone(tz).date()
    found: list[Interval] = []
    for window in load_windows(settings, db):
        if not window.applies_to(check, unit):
            continue
        for piece in window.intervals(today, today + timedelta(days=days), tz):
            start, end = piece.start.astimezone(UTC), piece.end.astimezone(UTC)
            if end > now:
                found.append(Interval(start, end))
    return sorted(set(found), key=lambda i: (i.start, i.end))
