"""KPI 1: availability of systems within the office's working time.

``compute()`` is the one entry point, shared by ``itops availability`` and the annual
report. Per check, over the local dates ``first`` .. ``until`` (exclusive):

1. W = working time of the check's unit (``OfficeCalendar``), cut at "now";
2. X = excluded time inside W: maintenance windows with ``exclude_from_availability``,
   outages classified ``planned`` (and ``external`` unless ``external_counts``);
3. D = ``failure`` outages (and ``external`` when it counts) inside W and not in X;
   ``false_alarm`` outages count for nothing;
4. G = monitoring gaps inside W (UNKNOWN, itops not running): neither up nor down.

``availability = (W − X − D) / (W − X)`` and ``coverage = 1 − G / W``. The office (or
``unit``) figure uses the union of D over its checks with ``counts_for_kpi`` and, as X,
the time excluded for every one of them. Only interval tables are read, never raw
results, so a year for a thousand checks stays cheap.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from checks.availability.config import AVAILABILITY
from checks.availability.maintenance import load_windows
from checks.availability.models import MonitoringGap, Outage, OutageReclassification
from checks.config import CHECKS, CheckConfig
from itops.config import OFFICE_UNIT, Settings
from itops.errors import ValidationError
from itops.intervals import Interval, clip, intersect, subtract, total_seconds, union

__all__ = [
    "AvailabilityReport",
    "CheckAvailability",
    "MonthFigure",
    "OfficeAvailability",
    "OutageEntry",
    "compute",
    "effective_causes",
]


@dataclass(frozen=True)
class CheckAvailability:
    """KPI 1 figures of one check over the period (seconds inside working time)."""

    name: str
    kind: str
    unit: str
    counts_for_kpi: bool
    working_seconds: float
    excluded_seconds: float
    downtime_seconds: float
    unknown_seconds: float
    availability: float
    coverage: float
    outages: int
    planned_seconds: float = 0.0
    external_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "working_seconds": self.working_seconds,
            "excluded_seconds": self.excluded_seconds,
            "downtime_seconds": self.downtime_seconds,
            "unknown_seconds": self.unknown_seconds,
            "availability": self.availability,
            "coverage": self.coverage,
            "outages": self.outages,
        }


@dataclass(frozen=True)
class OfficeAvailability:
    """The office's (or one unit's) KPI 1: union of downtime over its KPI checks."""

    unit: str
    working_seconds: float
    excluded_seconds: float
    downtime_seconds: float
    availability: float
    target: float
    met: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "working_seconds": self.working_seconds,
            "downtime_seconds": self.downtime_seconds,
            "availability": self.availability,
            "target": self.target,
            "met": self.met,
        }


@dataclass(frozen=True)
class OutageEntry:
    """One outage touching working time in the period, as the officer reads it."""

    id: int
    check: str
    unit: str
    start: datetime
    end: datetime | None
    local_start: datetime
    local_end: datetime | None
    working_seconds: float
    cause: str
    original_cause: str
    note: str
    counts: bool

    @property
    def working_minutes(self) -> float:
        return self.working_seconds / 60

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "check": self.check,
            "start": self.local_start.isoformat(),
            "end": self.local_end.isoformat() if self.local_end else None,
            "working_minutes": round(self.working_minutes, 2),
            "cause": self.cause,
            "original_cause": self.original_cause,
            "note": self.note,
            "counts": self.counts,
        }


@dataclass(frozen=True)
class MonthFigure:
    """The office (or unit) figure of one local month, for charts."""

    month: date
    working_seconds: float
    excluded_seconds: float
    downtime_seconds: float
    availability: float


@dataclass(frozen=True)
class AvailabilityReport:
    """Everything KPI 1 says about a period; ``to_json()`` is the documented JSON shape."""

    first: date
    until: date
    checks: tuple[CheckAvailability, ...]
    office: OfficeAvailability
    outages: tuple[OutageEntry, ...]
    months: tuple[MonthFigure, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "period": {"from": self.first.isoformat(), "to": self.until.isoformat()},
            "checks": [c.to_json() for c in self.checks],
            "office": self.office.to_json(),
        }

    def check(self, name: str) -> CheckAvailability:
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class _OutageRow:
    id: int
    check_name: str
    start: datetime
    end: datetime | None
    cause: str
    note: str


class _Index:
    """Normalized intervals with their bounds, to pick the few that overlap one piece.

    A year of working time is ~250 intervals; intersecting each outage with all of them
    would cost O(outages × days), so ``overlap`` bisects to the candidates first.
    """

    def __init__(self, items: list[Interval]) -> None:
        self.items = items
        self.starts = [i.start for i in items]
        self.ends = [i.end for i in items]
        self.seconds = total_seconds(items)

    def within(self, start: datetime, end: datetime) -> list[Interval]:
        """The items that overlap ``[start, end)`` (uncut)."""
        lo = bisect_right(self.ends, start)
        hi = bisect_left(self.starts, end)
        return self.items[lo:hi]

    def overlap(self, piece: Interval) -> list[Interval]:
        candidates = self.within(piece.start, piece.end)
        return intersect([piece], candidates) if candidates else []


def _ratio(working: float, excluded: float, down: float) -> float:
    base = working - excluded
    return 1.0 if base <= 0 else max(0.0, (base - down) / base)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def effective_causes(db: Session, outage_ids: list[int]) -> dict[int, str]:
    """The newest reclassification's cause per outage id (absent: never reclassified)."""
    out: dict[int, str] = {}
    for chunk_start in range(0, len(outage_ids), 500):
        chunk = outage_ids[chunk_start : chunk_start + 500]
        rows = db.execute(
            select(OutageReclassification.outage_id, OutageReclassification.to_cause)
            .where(OutageReclassification.outage_id.in_(chunk))
            .order_by(OutageReclassification.at, OutageReclassification.id)
        )
        for outage_id, cause in rows:
            out[outage_id] = cause
    return out


def _months(first: date, until: date) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    cursor = first
    while cursor < until:
        nxt = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
        out.append((cursor, min(nxt, until)))
        cursor = nxt
    return out


def compute(
    db: Session,
    settings: Settings,
    first: date,
    until: date,
    *,
    check: str | None = None,
    unit: str | None = None,
    now: datetime | None = None,
) -> AvailabilityReport:
    """KPI 1 over local dates ``first`` .. ``until`` (exclusive); see the module docstring.

    ``check`` limits the checks to one; ``unit`` to the checks of one unit and makes the
    aggregate that unit's. Time after ``now`` (default: the wall clock) is not yet measured.
    Raises ``ValidationError`` for an empty period or an unknown check or unit.
    """
    if until <= first:
        raise ValidationError(f"--to {until} must be after --from {first}")
    units = settings.unit_names()
    if unit is not None and unit not in units:
        raise ValidationError(f'unknown unit "{unit}" (known: {", ".join(sorted(units))})')
    configs: list[CheckConfig] = list(settings.section(CHECKS))
    if check is not None:
        configs = [c for c in configs if c.name == check]
        if not configs:
            raise ValidationError(f'unknown check "{check}"')
    aggregate_unit = unit or (configs[0].unit if check is not None else OFFICE_UNIT)
    if unit is not None:
        configs = [c for c in configs if c.unit == unit]

    tz = ZoneInfo(settings.office.timezone)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    period_start = _local_midnight(first, tz)
    period_end = min(_local_midnight(until, tz), max(moment, period_start))
    window = Interval(period_start, period_end)

    working: dict[str, _Index] = {}

    def working_of(unit_id: str) -> _Index:
        if unit_id not in working:
            cal = settings.calendar(unit_id)
            working[unit_id] = _Index(
                clip(cal.working_intervals_between(first, until), window.start, window.end)
            )
        return working[unit_id]

    names = [c.name for c in configs]
    outages_by_check: dict[str, list[_OutageRow]] = defaultdict(list)
    rows: list[_OutageRow] = []
    for chunk_start in range(0, len(names), 500):
        chunk = names[chunk_start : chunk_start + 500]
        rows.extend(
            _OutageRow(*r)
            for r in db.execute(
                select(
                    Outage.id, Outage.check_name, Outage.start, Outage.end, Outage.cause,
                    Outage.note,
                )
                .where(Outage.check_name.in_(chunk))
                .where(Outage.start < window.end)
                .where(or_(Outage.end.is_(None), Outage.end > window.start))
                .order_by(Outage.start, Outage.id)
            )
        )
    for row in rows:
        outages_by_check[row.check_name].append(row)
    causes = effective_causes(db, [r.id for r in rows])

    gaps_global: list[tuple[str | None, Interval]] = []
    gaps_by_check: dict[str, list[Interval]] = defaultdict(list)
    for gap_unit, gap_check, gap_start, gap_end in db.execute(
        select(
            MonitoringGap.unit_id, MonitoringGap.check_name, MonitoringGap.start,
            MonitoringGap.end,
        )
        .where(MonitoringGap.start < window.end)
        .where(or_(MonitoringGap.end.is_(None), MonitoringGap.end > window.start))
    ):
        end = gap_end if gap_end is not None else window.end
        if end <= gap_start:
            continue
        piece = Interval(max(gap_start, window.start), min(end, window.end))
        if gap_check is None:
            gaps_global.append((gap_unit, piece))
        else:
            gaps_by_check[gap_check].append(piece)

    windows = load_windows(settings, db)
    expanded = [
        w.intervals(first, until, tz) if w.exclude_from_availability else [] for w in windows
    ]
    maintenance_cache: dict[tuple[str, tuple[int, ...]], _Index] = {}
    global_gap_cache: dict[str, list[Interval]] = {}
    external_counts = settings.section(AVAILABILITY).external_counts

    results: list[CheckAvailability] = []
    entries: list[OutageEntry] = []
    downtime_of: dict[str, list[Interval]] = {}
    excluded_of: dict[str, list[Interval]] = {}
    for cfg in configs:
        w = working_of(cfg.unit)
        applicable = tuple(
            i
            for i, win in enumerate(windows)
            if win.exclude_from_availability and win.applies_to(cfg.name, cfg.unit)
        )
        key = (cfg.unit, applicable)
        if key not in maintenance_cache:
            maintenance_cache[key] = _Index(
                intersect(w.items, union(*(expanded[i] for i in applicable)))
            )
        planned_maintenance = maintenance_cache[key]
        excluded: list[Interval] = []
        failures: list[Interval] = []
        by_cause: dict[str, list[Interval]] = {"planned": [], "external": []}
        for row in outages_by_check.get(cfg.name, []):
            end = row.end if row.end is not None else window.end
            if end <= row.start:
                continue
            piece = Interval(max(row.start, window.start), min(end, window.end))
            cause = causes.get(row.id, row.cause)
            counts = cause == "failure" or (cause == "external" and external_counts)
            in_working = w.overlap(piece)
            if cause in by_cause:
                by_cause[cause].extend(in_working)
            if counts:
                failures.extend(in_working)
            elif cause in ("planned", "external"):
                excluded.extend(in_working)
            if in_working:
                entries.append(
                    OutageEntry(
                        id=row.id,
                        check=cfg.name,
                        unit=cfg.unit,
                        start=row.start,
                        end=row.end,
                        local_start=row.start.astimezone(tz),
                        local_end=row.end.astimezone(tz) if row.end else None,
                        working_seconds=total_seconds(in_working),
                        cause=cause,
                        original_cause=row.cause,
                        note=row.note,
                        counts=counts,
                    )
                )
        x = _Index(union(planned_maintenance.items, excluded)) if excluded else (
            planned_maintenance
        )
        failures = union(failures)
        d = (
            subtract(failures, x.within(failures[0].start, failures[-1].end))
            if failures
            else []
        )
        outage_count = 0
        for row in outages_by_check.get(cfg.name, []):
            end = row.end if row.end is not None else window.end
            if end <= row.start or causes.get(row.id, row.cause) not in (
                ("failure", "external") if external_counts else ("failure",)
            ):
                continue
            piece = Interval(max(row.start, window.start), min(end, window.end))
            if subtract(w.overlap(piece), x.overlap(piece)):
                outage_count += 1
        if cfg.unit not in global_gap_cache:
            global_gap_cache[cfg.unit] = union(
                [g for u, g in gaps_global if u is None or u == cfg.unit]
            )
        gap_pieces = union(global_gap_cache[cfg.unit], gaps_by_check.get(cfg.name, []))
        g = [part for piece in gap_pieces for part in w.overlap(piece)]
        ws, xs = w.seconds, x.seconds
        ds, gs = total_seconds(d), total_seconds(g)
        results.append(
            CheckAvailability(
                name=cfg.name,
                kind=cfg.kind,
                unit=cfg.unit,
                counts_for_kpi=cfg.kpi,
                working_seconds=ws,
                excluded_seconds=xs,
                downtime_seconds=ds,
                unknown_seconds=gs,
                availability=_ratio(ws, xs, ds),
                coverage=1.0 if ws <= 0 else 1.0 - gs / ws,
                outages=outage_count,
                planned_seconds=total_seconds(by_cause["planned"]),
                external_seconds=total_seconds(by_cause["external"]),
            )
        )
        downtime_of[cfg.name] = d
        excluded_of[cfg.name] = x.items

    kpi = [c.name for c in configs if c.kpi and c.unit == aggregate_unit]
    w_office = working_of(aggregate_unit).items
    x_office: list[Interval] = []
    if kpi:
        x_office = excluded_of[kpi[0]]
        for name in kpi[1:]:
            x_office = intersect(x_office, excluded_of[name])
    d_office = subtract(union(*(downtime_of[n] for n in kpi)), x_office)
    target = settings.section(AVAILABILITY).target
    ws, xs, ds = total_seconds(w_office), total_seconds(x_office), total_seconds(d_office)
    office_ratio = _ratio(ws, xs, ds)
    office = OfficeAvailability(
        unit=aggregate_unit,
        working_seconds=ws,
        excluded_seconds=xs,
        downtime_seconds=ds,
        availability=office_ratio,
        target=target,
        met=office_ratio >= target,
    )
    months: list[MonthFigure] = []
    for month_first, month_until in _months(first, until):
        lo, hi = _local_midnight(month_first, tz), _local_midnight(month_until, tz)
        mw, mx, md = (
            total_seconds(clip(part, lo, max(lo, hi))) for part in (w_office, x_office, d_office)
        )
        months.append(MonthFigure(month_first, mw, mx, md, _ratio(mw, mx, md)))
    entries.sort(key=lambda e: (e.start, e.check, e.id))
    return AvailabilityReport(
        first=first,
        until=until,
        checks=tuple(results),
        office=office,
        outages=tuple(entries),
        months=tuple(months),
    )

