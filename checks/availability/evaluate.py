"""KPI 1 as a pure function over intervals: ``evaluate(PeriodInput) -> AvailabilityReport``.

No database, no clock, no config: ``checks.availability.kpi`` loads the intervals of a
period into a ``PeriodInput`` and calls this. Per check (see ``kpi`` for the rules):
W working time, X excluded time, D downtime, G monitoring gaps;
``availability = (W − X − G′ − D) / (W − X − G′)`` and ``coverage = 1 − G / W``, where
G′ is the gap time that is neither downtime nor excluded: time itops could not tell is
counted neither as uptime nor as downtime (an outage open across a gap stays downtime).
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
    normalize,
    subtract,
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
    # when the check was watched (None: the whole period, the rule before a first start)
    watched: tuple[Interval, ...] | None = None
    # when it counted toward a unit's KPI, and whose (None: ``kpi`` and ``unit``, throughout)
    kpi_spans: tuple[tuple[str, Interval], ...] | None = None


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
    manual: bool = False  # entered by hand (``itops outages add/import``), not by a probe


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


WorkingTime = _Index  # a unit's working time, for one outage's share of it (kpi.py)


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
    known: list[Interval]  # working time the figure speaks of (watched or recorded by hand)
    manual: bool  # ``known`` includes time nobody watched, from outages entered by hand


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
    found_of: dict[str, _CheckResult] = {}
    for cfg in p.checks:
        found = _check(p, cfg, caches)
        results.append(found.figure)
        entries.extend(found.entries)
        found_of[cfg.name] = found
    office, months = _office(p, caches, found_of)
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
    return cut(p.window, row.start, row.end)


def cut(window: Interval, start: datetime, end: datetime | None) -> Interval | None:
    """An outage (``end`` None: ongoing) inside ``window`` (None: nothing of it); ends
    taken to UTC if need be."""
    start = start if start.tzinfo is UTC else start.astimezone(UTC)
    if end is None:
        end = window.end
    else:
        end = end if end.tzinfo is UTC else end.astimezone(UTC)
    start, end = max(start, window.start), min(end, window.end)
    return Interval._between(start, end) if start < end else None


def _check(p: PeriodInput, cfg: CheckInput, caches: _Caches) -> _CheckResult:
    """W, X, D, G of one check, and its outages inside working time.

    Working time the check was not watched in (before its *watched since*, after its
    removal) is unknown: part of G, and outside the time its availability is computed
    over, unless outages of that time were entered by hand (then that time counts, with
    only those outages as downtime, and their own time as coverage).
    """
    w = _working(p, caches, cfg.unit)
    planned_maintenance = _maintenance(p, caches, cfg, w)
    excluded: list[Interval] = []
    failures: list[Interval] = []
    by_cause: dict[str, list[Interval]] = {"planned": [], "external": []}
    entries: list[OutageEntry] = []
    counted: list[tuple[Interval, list[Interval]]] = []  # counting: piece, its working time
    by_hand: list[Interval] = []
    for row in p.outages.get(cfg.name, []):
        piece = _piece(p, row)
        if piece is None:
            continue
        counts = row.cause == "failure" or (row.cause == "external" and p.external_counts)
        in_working = w.overlap(piece)
        if counts and in_working:
            counted.append((piece, in_working))
        if row.manual:
            by_hand.extend(in_working)
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
    known, unrecorded, manual = _known(cfg, w, by_hand)
    if g:
        # the time itops could not tell is no uptime: out of the figure's time (but an
        # outage open across it stays downtime, and excluded time stays excluded)
        unsure = subtract(subtract(g, d), x.items)
        if unsure:
            known = subtract(w.items if known is None else known, unsure)
    if known is not None:
        x = _Index(intersect_normalized(x.items, known))
        d = intersect_normalized(d, known)
        g = union(g, unrecorded)
    ws, xs = w.seconds, x.seconds
    ds, gs = total_seconds_normalized(d), total_seconds(g)
    ks = ws if known is None else total_seconds_normalized(known)
    figure = CheckAvailability(
        name=cfg.name,
        kind=cfg.kind,
        unit=cfg.unit,
        counts_for_kpi=cfg.kpi,
        working_seconds=ws,
        excluded_seconds=xs,
        downtime_seconds=ds,
        unknown_seconds=gs,
        availability=None if ws > 0 and ks <= 0 else ratio(ks, xs, ds),
        coverage=1.0 if ws <= 0 else 1.0 - gs / ws,
        outages=_counted_outages(counted, x),
        planned_seconds=total_seconds(by_cause["planned"]),
        external_seconds=total_seconds(by_cause["external"]),
    )
    return _CheckResult(figure, entries, d, x.items, w.items if known is None else known, manual)


def _known(
    cfg: CheckInput, w: _Index, by_hand: list[Interval]
) -> tuple[list[Interval] | None, list[Interval], bool]:
    """The working time the check's figure speaks of (None: all of it), the unwatched time
    nobody recorded, and whether outages entered by hand speak for unwatched time."""
    if cfg.watched is None:
        return None, [], False
    watched = intersect_normalized(w.items, normalize(cfg.watched))
    unwatched = subtract_normalized(w.items, watched)
    if not unwatched:
        return None, [], False
    recorded = union(by_hand)
    if intersect_normalized(unwatched, recorded):
        return w.items, subtract_normalized(unwatched, recorded), True
    return watched, unwatched, False


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


def _kpi_spans(p: PeriodInput, cfg: CheckInput) -> list[Interval] | None:
    """When the check counted toward the aggregate's KPI (None: throughout)."""
    if cfg.kpi_spans is not None:
        return union(piece for unit, piece in cfg.kpi_spans if unit == p.aggregate_unit)
    return None if cfg.kpi and cfg.unit == p.aggregate_unit else []


def _office(
    p: PeriodInput, caches: _Caches, results: Mapping[str, _CheckResult]
) -> tuple[OfficeAvailability, list[MonthFigure]]:
    """The aggregate: union of D over its KPI checks, X excluded for every one of them.

    Only the time some check counting toward it speaks of is known (K); X is the part of
    K where every counting check that speaks of it is excluded. No known time: the
    figure cannot be told (availability None, met None).
    """
    w_office = _working(p, caches, p.aggregate_unit).items
    known_parts: list[list[Interval]] = []
    open_parts: list[list[Interval]] = []
    downs: list[list[Interval]] = []
    seen: set[tuple[int, int]] = set()
    manual = False
    for cfg in p.checks:
        found = results[cfg.name]
        spans = _kpi_spans(p, cfg)
        if spans == []:
            continue
        known, excluded, down = found.known, found.excluded, found.downtime
        if spans is not None:
            known = intersect(known, spans)
            down = intersect(down, spans)
        if cfg.unit != p.aggregate_unit:
            known = intersect(known, w_office)
        if not known:
            continue
        manual = manual or found.manual
        downs.append(down)
        key = (id(known), id(excluded))  # most checks share both lists (cached per unit)
        if key not in seen:
            seen.add(key)
            known_parts.append(known)
            open_parts.append(subtract(known, excluded))
    k_office = union(*known_parts)
    x_office = subtract(k_office, union(*open_parts))
    d_office = subtract(union(*downs), x_office)
    ks, xs, ds = total_seconds(k_office), total_seconds(x_office), total_seconds(d_office)
    office_ratio: float | None = None
    met: bool | None = None
    basis = "none"
    if ks > 0:
        office_ratio = ratio(ks, xs, ds)
        basis = "manual" if manual else "watched"
        if office_ratio < p.target:
            met = False
        elif basis == "watched":
            met = True  # hand-entered outages alone can show a miss, never a success
    office = OfficeAvailability(
        unit=p.aggregate_unit,
        working_seconds=ks,
        excluded_seconds=xs,
        downtime_seconds=ds,
        availability=office_ratio,
        target=p.target,
        met=met,
        basis=basis,
    )
    months: list[MonthFigure] = []
    for month_first, month_until in _months(p.first, p.until):
        lo, hi = local_midnight(month_first, p.tz), local_midnight(month_until, p.tz)
        mw, mx, md = (
            total_seconds_normalized(clip_normalized(part, lo, max(lo, hi)))
            for part in (k_office, x_office, d_office)
        )
        months.append(MonthFigure(month_first, mw, mx, md, ratio(mw, mx, md) if mw > 0 else None))
    return office, months


def _months(first: date, until: date) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    cursor = first
    while cursor < until:
        nxt = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
        out.append((cursor, min(nxt, until)))
        cursor = nxt
    return out
