"""Set arithmetic on half-open ``[start, end)`` time intervals — the KPI arithmetic.

Availability KPIs are computed as "outages intersected with working time, minus monitoring
gaps" over years of data, so every operation here is a sort plus a linear sweep
(O(n log n)) and every result is *normalized*: sorted, non-empty, with no two intervals
overlapping or touching. Functions accept any iterable and normalize their inputs first, so
callers never need to pre-sort.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain
from operator import attrgetter

__all__ = [
    "Interval",
    "clip",
    "clip_normalized",
    "intersect",
    "intersect_normalized",
    "normalize",
    "subtract",
    "subtract_normalized",
    "total_seconds",
    "total_seconds_normalized",
    "union",
]


def _require_aware(name: str, value: datetime) -> None:
    """Reject naive datetimes: comparing them with UTC instants would silently be wrong."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _to_utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """A half-open time interval ``[start, end)``; both ends are stored in UTC.

    Ends given in another zone are converted to UTC on construction, because Python compares
    and subtracts two datetimes sharing one ``ZoneInfo`` by wall-clock time, which is off by an
    hour across a DST change.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        start, end = _to_utc(self.start), _to_utc(self.end)
        if end < start:
            raise ValueError(
                f"interval end {end.isoformat()} is before its start {start.isoformat()}"
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @classmethod
    def _between(cls, start: datetime, end: datetime) -> Interval:
        """An interval from two ends taken from existing intervals (already aware, in UTC,
        ``start <= end``): the checks of ``__init__`` are skipped, as on the hot paths of a
        year's KPI (millions of pieces) they were most of the time."""
        item = object.__new__(cls)
        object.__setattr__(item, "start", start)
        object.__setattr__(item, "end", end)
        return item

    @property
    def seconds(self) -> float:
        """Length in seconds (0.0 for an empty interval)."""
        return (self.end - self.start).total_seconds()


_ORDER = attrgetter("start", "end")  # the dataclass order, without its tuple per comparison


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, merge overlapping or adjacent intervals and drop empty ones.

    Adjacent intervals are merged because ``[a, b)`` and ``[b, c)`` cover exactly ``[a, c)``;
    keeping them apart would make equal sets compare unequal.
    """
    result: list[Interval] = []
    for item in sorted(intervals, key=_ORDER):
        if item.start == item.end:
            continue
        if result and item.start <= result[-1].end:
            last = result[-1]
            if item.end > last.end:
                result[-1] = Interval._between(last.start, item.end)
        else:
            result.append(item)
    return result


def union(*groups: Iterable[Interval]) -> list[Interval]:
    """Everything covered by at least one interval of any group."""
    return normalize(chain.from_iterable(groups))


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """What is covered by both ``a`` and ``b`` (one linear sweep over the normalized inputs)."""
    return intersect_normalized(normalize(a), normalize(b))


def intersect_normalized(left: list[Interval], right: list[Interval]) -> list[Interval]:
    """:func:`intersect` of two lists that are already normalized (as every result here is):
    no sort, no merge, so the caller keeps the cost linear."""
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        x, y = left[i], right[j]
        lo = max(x.start, y.start)
        hi = min(x.end, y.end)
        if lo < hi:
            result.append(x if (lo, hi) == (x.start, x.end) else Interval._between(lo, hi))
        if x.end <= y.end:
            i += 1
        else:
            j += 1
    return result


def subtract(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """What ``a`` covers and ``b`` does not.

    Runs in O(n + m + output) after sorting: each piece of ``b`` is skipped once and only
    re-read while it still overlaps the current piece of ``a``.
    """
    return subtract_normalized(normalize(a), normalize(b))


def subtract_normalized(left: list[Interval], right: list[Interval]) -> list[Interval]:
    """:func:`subtract` of two lists that are already normalized."""
    result: list[Interval] = []
    j = 0
    for item in left:
        while j < len(right) and right[j].end <= item.start:
            j += 1
        cursor = item.start
        k = j
        while k < len(right) and right[k].start < item.end:
            cut = right[k]
            if cut.start > cursor:
                result.append(Interval._between(cursor, cut.start))
            cursor = max(cursor, cut.end)
            k += 1
        if cursor == item.start:
            result.append(item)
        elif cursor < item.end:
            result.append(Interval._between(cursor, item.end))
    return result


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The parts of ``intervals`` inside ``[start, end)``; raises ValueError if end < start."""
    return intersect(intervals, [Interval(start, end)])


def clip_normalized(intervals: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    """:func:`clip` of an already normalized list: bisects to the overlapping items, cuts
    the two at the ends (no sort), so a month of a year's list costs its own size."""
    _require_aware("start", start)
    _require_aware("end", end)
    start, end = _to_utc(start), _to_utc(end)
    if end <= start:
        if end < start:
            raise ValueError(f"clip end {end.isoformat()} is before its start {start.isoformat()}")
        return []
    lo = bisect_right([item.end for item in intervals], start)
    hi = bisect_left([item.start for item in intervals], end, lo)
    picked = intervals[lo:hi]
    if picked and picked[0].start < start:
        picked[0] = Interval._between(start, picked[0].end)
    if picked and picked[-1].end > end:
        picked[-1] = Interval._between(picked[-1].start, end)
    return picked


def total_seconds(intervals: Iterable[Interval]) -> float:
    """Seconds covered; overlapping intervals are counted once.

    Durations are summed as timedeltas (exact microseconds) and converted once at the end, so a
    year of sub-second pieces does not accumulate float rounding.
    """
    return total_seconds_normalized(normalize(intervals))


def total_seconds_normalized(intervals: list[Interval]) -> float:
    """:func:`total_seconds` of an already normalized list (no overlaps to count once)."""
    covered = sum((item.end - item.start for item in intervals), timedelta())
    return covered.total_seconds()
