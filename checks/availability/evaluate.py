"""KPI 1 as a pure function over intervals: ``evaluate(PeriodInput) -> AvailabilityReport``.

No database, no clock, no config: ``checks.availability.kpi`` loads the intervals of a
period into a ``PeriodInput`` and calls this. Per check (see ``kpi`` for the rules):
W working time, X excluded time, D downtime, G monitoring gaps;
``availability = (W − X − D) / (W − X)`` and ``coverage = 1 − G / W``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from checks.availability.figures import (
    AvailabilityReport,
    CheckAvailability,
    MonthFigure,
    OfficeAvailability,
    OutageEntry,
)
from checks.availability.maintenance import Window
from itops.intervals import (
    Interval,
    clip_normalized,
    intersect,
    intersect_normalized,
    subtract_normalized,
    total_seconds,
    total_seconds_normalized,
    union,
)


@dataclass(frozen=True)
class CheckInput:
    """One check as KPI 1 needs it."""

    name: str
    kind: str
    unit: str
    kpi: bool


class OutageInput(NamedTuple):
    """One stored outage overlapping the period; ``cause`` is the effective cause.

    A named tuple: a year of 5,000 checks loads 60,000 of them, and a frozen dataclass
    took three times as long to build.
    """

    id: int
    check_name: str
    start: datetime
    end: datetime | None
    cause: str
    original_cause: str
    note: str


@dataclass(frozen=True)
class PeriodInput:
    """Everything ``evaluate`` reads: the period, the checks and their intervals."""

    first: date
    until: date
    tz: ZoneInfo
    window: Interval  # the period in UTC, cut at "now"
    checks: Sequence[CheckInput]
    aggregate_unit: str
    working: Mapping[str, list[Interval]]  # per unit, inside ``window``
    outages: Mapping[str, list[OutageInput]]  # per check, by start
    gaps_global: Sequence[tuple[str | None, Interval]]  # itops not watching (unit or all)
    gaps_by_check: Mapping[str, list[Interval]]
    windows: Sequence[Window]  # maintenance
    external_counts: bool
    target: float
    as_of: datetime | None = None  # "now" when the period reaches past it (year in progress)


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
        """The items cut to ``piece``: a slice with its two ends cut (still normalized)."""
        start, end = piece.start, piece.end
        found = self.items[bisect_right(self.ends, start) : bisect_left(self.starts, end)]
        if found:
            if found[0].start < start:
                found[0] = Interval._between(start, found[0].end)
            if found[-1].end > end:
                found[-1] = Interval._between(found[-1].start, end)
        return found


@dataclass
class _Caches:
    """Working time, maintenance and itops-wide gaps, shared by the checks of a unit."""

    working: dict[str, _Index] = field(default_factory=dict)
    maintenance: dict[tuple[str, tuple[int, ...]], _Index] = field(default_factory=dict)
    global_gaps: dict[str, list[Interval]] = field(default_factory=dict)
    # itops-wide gaps inside the unit's working time: the G of every check of the unit
    # without gaps of its own (most of them), computed once per unit
    unit_gaps: dict[str, list[Interval]] = field(default_factory=dict)
    expanded: list[list[Interval]] = field(default_factory=list)


@dataclass
class _CheckResult:
    figure: CheckAvailability
    entries: list[OutageEntry]
    downtime: list[Interval]
    excluded: list[Interval]


def ratio(working: float, excluded: float, down: float) -> float:
    base = working - excluded
    return 1.0 if base <= 0 else max(0.0, (base - down) / base)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def evaluate(p: PeriodInput) -> AvailabilityReport:
    """KPI 1 of the period: per check, the office (or unit) figure, outages, months."""
    caches = _Caches(
        expanded=[
            w.intervals(p.first, p.until, p.tz) if w.exclude_from_availability else []
            for w in p.windows
        ]
    )
    results: list[CheckAvailability] = []
    entries: list[OutageEntry] = []
    downtime_of: dict[str, list[Interval]] = {}
    excluded_of: dict[str, list[Interval]] = {}
    for cfg in p.checks:
        found = _check(p, cfg, caches)
        results.append(found.figure)
        entries.extend(found.entries)
        downtime_of[cfg.name] = found.downtime
        excluded_of[cfg.name] = found.excluded
    office, months = _office(p, caches, downtime_of, excluded_of)
    entries.sort(key=lambda e: (e.start, e.check, e.id))
    return AvailabilityReport(
        first=p.first,
        until=p.until,
        checks=tuple(results),
        office=office,
        outages=tuple(entries),
        months=tuple(months),
        as_of=p.as_of,
    )


def _working(p: PeriodInput, caches: _Caches, unit: str) -> _Index:
    if unit not in caches.working:
        caches.working[unit] = _Index(p.working[unit])
    return caches.working[unit]


def _maintenance(p: PeriodInput, caches: _Caches, cfg: CheckInput, w: _Index) -> _Index:
    """The working time the check's maintenance windows exclude."""
    applicable = tuple(
        i
        for i, win in enumerate(p.windows)
        if win.exclude_from_availability and win.applies_to(cfg.name, cfg.unit)
    )
    key = (cfg.unit, applicable)
    if key not in caches.maintenance:
        caches.maintenance[key] = _Index(
            intersect(w.items, union(*(caches.expanded[i] for i in applicable)))
        )
    return caches.maintenance[key]


def _piece(p: PeriodInput, row: OutageInput) -> Interval | None:
    """The outage inside the period (None: nothing of it); ends taken to UTC if need be."""
    start = row.start if row.start.tzinfo is UTC else row.start.astimezone(UTC)
    if row.end is None:
        end = p.window.end
    else:
        end = row.end if row.end.tzinfo is UTC else row.end.astimezone(UTC)
    start, end = max(start, p.window.start), min(end, p.window.end)
    return Interval._between(start, end) if start < end else None


def _check(p: PeriodInput, cfg: CheckInput, caches: _Caches) -> _CheckResult:
    """W, X, D, G of one check, and its outages inside working time."""
    w = _working(p, caches, cfg.unit)
    planned_maintenance = _maintenance(p, caches, cfg, w)
    excluded: list[Interval] = []
    failures: list[Interval] = []
    by_cause: dict[str, list[Interval]] = {"planned": [], "external": []}
    entries: list[OutageEntry] = []
    counted: list[tuple[Interval, list[Interval]]] = []  # counting: piece, its working time
    for row in p.outages.get(cfg.name, []):
        piece = _piece(p, row)
        if piece is None:
            continue
        counts = row.cause == "failure" or (row.cause == "external" and p.external_counts)
        in_working = w.overlap(piece)
        if counts and in_working:
            counted.append((piece, in_working))
        if row.cause in by_cause:
            by_cause[row.cause].extend(in_working)
        if counts:
            failures.extend(in_working)
        elif row.cause in ("planned", "external"):
            excluded.extend(in_working)
        if in_working:
            entries.append(_entry(p, cfg, row, total_seconds_normalized(in_working), counts))
    x = _Index(union(planned_maintenance.items, excluded)) if excluded else (planned_maintenance)
    failures = union(failures)
    d = (
        subtract_normalized(failures, x.within(failures[0].start, failures[-1].end))
        if failures
        else []
    )
    g = _gaps(p, caches, cfg, w)
    ws, xs = w.seconds, x.seconds
    ds, gs = total_seconds_normalized(d), total_seconds(g)
    figure = CheckAvailability(
        name=cfg.name,
        kind=cfg.kind,
        unit=cfg.unit,
        counts_for_kpi=cfg.kpi,
        working_seconds=ws,
        excluded_seconds=xs,
        downtime_seconds=ds,
        unknown_seconds=gs,
        availability=ratio(ws, xs, ds),
        coverage=1.0 if ws <= 0 else 1.0 - gs / ws,
        outages=_counted_outages(counted, x),
        planned_seconds=total_seconds(by_cause["planned"]),
        external_seconds=total_seconds(by_cause["external"]),
    )
    return _CheckResult(figure, entries, d, x.items)


def _entry(
    p: PeriodInput, cfg: CheckInput, row: OutageInput, seconds: float, counts: bool
) -> OutageEntry:
    return OutageEntry(
        id=row.id,
        check=cfg.name,
        unit=cfg.unit,
        start=row.start,
        end=row.end,
        local_start=row.start.astimezone(p.tz),
        local_end=row.end.astimezone(p.tz) if row.end else None,
        working_seconds=seconds,
        cause=row.cause,
        original_cause=row.original_cause,
        note=row.note,
        counts=counts,
    )


def _counted_outages(counted: list[tuple[Interval, list[Interval]]], x: _Index) -> int:
    """Outages that count and leave some working time outside the excluded time."""
    return sum(
        1 for piece, in_working in counted if subtract_normalized(in_working, x.overlap(piece))
    )


def _gaps(p: PeriodInput, caches: _Caches, cfg: CheckInput, w: _Index) -> list[Interval]:
    """The check's monitoring gaps (its own and itops's) inside working time."""
    if cfg.unit not in caches.global_gaps:
        caches.global_gaps[cfg.unit] = union(
            [g for u, g in p.gaps_global if u is None or u == cfg.unit]
        )
    own = p.gaps_by_check.get(cfg.name)
    if not own and cfg.unit in caches.unit_gaps:
        return caches.unit_gaps[cfg.unit]
    gap_pieces = union(caches.global_gaps[cfg.unit], own or [])
    found = [part for piece in gap_pieces for part in w.overlap(piece)]
    if not own:
        caches.unit_gaps[cfg.unit] = found
    return found


def _office(
    p: PeriodInput,
    caches: _Caches,
    downtime_of: dict[str, list[Interval]],
    excluded_of: dict[str, list[Interval]],
) -> tuple[OfficeAvailability, list[MonthFigure]]:
    """The aggregate: union of D over its KPI checks, X excluded for every one of them."""
    kpi = [c.name for c in p.checks if c.kpi and c.unit == p.aggregate_unit]
    w_office = _working(p, caches, p.aggregate_unit).items
    x_office: list[Interval] = []
    # Most checks share one excluded list (their unit's maintenance): intersect each
    # distinct list once, not once per check (all are normalized).
    distinct = list({id(excluded_of[n]): excluded_of[n] for n in kpi}.values())
    if distinct:
        x_office = distinct[0]
        for other in distinct[1:]:
            if not x_office:
                break
            x_office = intersect_normalized(x_office, other)
    d_office = subtract_normalized(union(*(downtime_of[n] for n in kpi)), x_office)
    ws, xs, ds = (total_seconds_normalized(part) for part in (w_office, x_office, d_office))
    office_ratio = ratio(ws, xs, ds)
    office = OfficeAvailability(
        unit=p.aggregate_unit,
        working_seconds=ws,
        excluded_seconds=xs,
        downtime_seconds=ds,
        availability=office_ratio,
        target=p.target,
        met=office_ratio >= p.target,
    )
    months: list[MonthFigure] = []
    for month_first, month_until in _months(p.first, p.until):
        lo, hi = local_midnight(month_first, p.tz), local_midnight(month_until, p.tz)
        mw, mx, md = (
            total_seconds_normalized(clip_normalized(part, lo, max(lo, hi)))
            for part in (w_office, x_office, d_office)
        )
        months.append(MonthFigure(month_first, mw, mx, md, ratio(mw, mx, md)))
    return office, months


def _months(first: date, until: date) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    cursor = first
    while cursor < until:
        nxt = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
        out.append((cursor, min(nxt, until)))
        cursor = nxt
    return out
