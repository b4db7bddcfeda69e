"""Interval arithmetic: table-driven cases plus a brute-force cross-check against second sets."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from itops.intervals import (
    Interval,
    clip,
    clip_normalized,
    intersect,
    normalize,
    subtract,
    total_seconds,
    union,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)
WARSAW = ZoneInfo("Europe/Warsaw")

Spans = list[tuple[int, int]]


def at(second: int) -> datetime:
    return T0 + timedelta(seconds=second)


def ivs(spans: Iterable[tuple[int, int]]) -> list[Interval]:
    return [Interval(at(a), at(b)) for a, b in spans]


def spans_of(intervals: Iterable[Interval]) -> Spans:
    return [
        (int((i.start - T0).total_seconds()), int((i.end - T0).total_seconds())) for i in intervals
    ]


def seconds_of(spans: Iterable[tuple[int, int]]) -> set[int]:
    """The per-second model: the set of whole seconds an interval list covers."""
    return {s for a, b in spans for s in range(a, b)}


def assert_normalized(result: list[Interval]) -> None:
    for item in result:
        assert item.start < item.end
        assert item.start.tzinfo is UTC
    for left, right in zip(result, result[1:], strict=False):
        assert left.end < right.start


# --- Interval -------------------------------------------------------------------------------


def test_interval_rejects_naive_start() -> None:
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        Interval(datetime(2026, 1, 5), at(10))  # noqa: DTZ001


def test_interval_rejects_naive_end() -> None:
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        Interval(at(0), datetime(2026, 1, 5, 1))  # noqa: DTZ001


def test_interval_rejects_end_before_start() -> None:
    with pytest.raises(ValueError, match="before its start"):
        Interval(at(10), at(5))


def test_empty_interval_is_allowed_and_has_zero_seconds() -> None:
    assert Interval(at(3), at(3)).seconds == 0.0


def test_interval_seconds() -> None:
    assert Interval(at(0), at(90)).seconds == 90.0


def test_interval_is_stored_in_utc_so_length_is_right_across_dst() -> None:
    # 01:30 CET and 03:30 CEST on 2026-03-29 are one real hour apart, not two.
    item = Interval(
        datetime(2026, 3, 29, 1, 30, tzinfo=WARSAW), datetime(2026, 3, 29, 3, 30, tzinfo=WARSAW)
    )
    assert item.seconds == 3600.0
    assert item.start == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert item.start.tzinfo is UTC


def test_intervals_equal_whatever_zone_they_were_given_in() -> None:
    local = Interval(datetime(2026, 1, 5, 8, tzinfo=WARSAW), datetime(2026, 1, 5, 9, tzinfo=WARSAW))
    assert local == Interval(at(7 * 3600), at(8 * 3600))


def test_intervals_order_by_start_then_end() -> None:
    assert sorted(ivs([(5, 9), (0, 4), (0, 2)])) == ivs([(0, 2), (0, 4), (5, 9)])


# --- normalize / union ----------------------------------------------------------------------

NORMALIZE_CASES: list[tuple[str, Spans, Spans]] = [
    ("empty input", [], []),
    ("single interval", [(1, 5)], [(1, 5)]),
    ("empty interval dropped", [(3, 3)], []),
    ("empty interval inside another dropped", [(1, 5), (3, 3)], [(1, 5)]),
    ("unsorted input sorted", [(10, 12), (1, 3)], [(1, 3), (10, 12)]),
    ("overlap merged", [(1, 5), (4, 8)], [(1, 8)]),
    ("adjacent merged", [(1, 5), (5, 8)], [(1, 8)]),
    ("containment keeps outer", [(1, 10), (3, 4)], [(1, 10)]),
    ("duplicates collapse", [(2, 4), (2, 4)], [(2, 4)]),
    ("chain of overlaps", [(1, 3), (2, 5), (4, 7), (9, 10)], [(1, 7), (9, 10)]),
    ("gap of one second kept", [(1, 3), (4, 6)], [(1, 3), (4, 6)]),
]


@pytest.mark.parametrize(
    ("spans", "expected"),
    [case[1:] for case in NORMALIZE_CASES],
    ids=[case[0] for case in NORMALIZE_CASES],
)
def test_normalize(spans: Spans, expected: Spans) -> None:
    result = normalize(ivs(spans))
    assert spans_of(result) == expected
    assert_normalized(result)


UNION_CASES: list[tuple[str, list[Spans], Spans]] = [
    ("no groups", [], []),
    ("empty groups", [[], []], []),
    ("one group normalized", [[(4, 6), (1, 2)]], [(1, 2), (4, 6)]),
    ("overlap across groups", [[(1, 5)], [(3, 8)]], [(1, 8)]),
    ("adjacent across groups", [[(1, 5)], [(5, 8)]], [(1, 8)]),
    ("disjoint groups", [[(1, 2)], [(3, 4)], [(5, 6)]], [(1, 2), (3, 4), (5, 6)]),
    ("contained group", [[(0, 10)], [(2, 3), (5, 6)]], [(0, 10)]),
]


@pytest.mark.parametrize(
    ("groups", "expected"),
    [case[1:] for case in UNION_CASES],
    ids=[case[0] for case in UNION_CASES],
)
def test_union(groups: list[Spans], expected: Spans) -> None:
    assert spans_of(union(*(ivs(g) for g in groups))) == expected


# --- intersect / subtract -------------------------------------------------------------------

BINARY_CASES: list[tuple[str, Spans, Spans, Spans, Spans]] = [
    # name, a, b, a ∩ b, a − b
    ("both empty", [], [], [], []),
    ("a empty", [], [(1, 5)], [], []),
    ("b empty", [(1, 5)], [], [], [(1, 5)]),
    ("disjoint", [(1, 3)], [(5, 8)], [], [(1, 3)]),
    ("adjacent share no time", [(1, 5)], [(5, 8)], [], [(1, 5)]),
    ("partial overlap on the right", [(1, 5)], [(3, 8)], [(3, 5)], [(1, 3)]),
    ("partial overlap on the left", [(3, 8)], [(1, 5)], [(3, 5)], [(5, 8)]),
    ("b inside a", [(0, 10)], [(3, 6)], [(3, 6)], [(0, 3), (6, 10)]),
    ("a inside b", [(3, 6)], [(0, 10)], [(3, 6)], []),
    ("identical", [(2, 7)], [(2, 7)], [(2, 7)], []),
    ("same start", [(2, 7)], [(2, 4)], [(2, 4)], [(4, 7)]),
    ("same end", [(2, 7)], [(5, 7)], [(5, 7)], [(2, 5)]),
    (
        "several holes in one piece",
        [(0, 20)],
        [(2, 4), (6, 8), (18, 25)],
        [(2, 4), (6, 8), (18, 20)],
        [(0, 2), (4, 6), (8, 18)],
    ),
    (
        "one b spans several a pieces",
        [(0, 2), (3, 5), (6, 8), (9, 12)],
        [(1, 10)],
        [(1, 2), (3, 5), (6, 8), (9, 10)],
        [(0, 1), (10, 12)],
    ),
    ("unnormalized inputs", [(5, 9), (0, 6)], [(3, 4), (2, 3)], [(2, 4)], [(0, 2), (4, 9)]),
    ("empty intervals ignored", [(1, 1), (2, 5)], [(3, 3)], [], [(2, 5)]),
]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(c[1], c[2], c[3]) for c in BINARY_CASES],
    ids=[c[0] for c in BINARY_CASES],
)
def test_intersect(a: Spans, b: Spans, expected: Spans) -> None:
    result = intersect(ivs(a), ivs(b))
    assert spans_of(result) == expected
    assert_normalized(result)
    assert spans_of(intersect(ivs(b), ivs(a))) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(c[1], c[2], c[4]) for c in BINARY_CASES],
    ids=[c[0] for c in BINARY_CASES],
)
def test_subtract(a: Spans, b: Spans, expected: Spans) -> None:
    result = subtract(ivs(a), ivs(b))
    assert spans_of(result) == expected
    assert_normalized(result)


def test_functions_accept_one_shot_iterators() -> None:
    assert spans_of(intersect(iter(ivs([(0, 5)])), iter(ivs([(3, 9)])))) == [(3, 5)]
    assert spans_of(subtract(iter(ivs([(0, 5)])), iter(ivs([(3, 9)])))) == [(0, 3)]


# --- clip / total_seconds -------------------------------------------------------------------

CLIP_CASES: list[tuple[str, Spans, int, int, Spans]] = [
    ("empty input", [], 0, 10, []),
    ("window covers everything", [(1, 3), (5, 7)], 0, 10, [(1, 3), (5, 7)]),
    ("cuts both ends", [(0, 4), (6, 10)], 2, 8, [(2, 4), (6, 8)]),
    ("window inside a gap", [(0, 2), (8, 10)], 3, 7, []),
    ("window ends where an interval starts", [(5, 9)], 0, 5, []),
    ("empty window", [(0, 10)], 4, 4, []),
]


@pytest.mark.parametrize(
    ("spans", "start", "end", "expected"),
    [case[1:] for case in CLIP_CASES],
    ids=[case[0] for case in CLIP_CASES],
)
def test_clip(spans: Spans, start: int, end: int, expected: Spans) -> None:
    assert spans_of(clip(ivs(spans), at(start), at(end))) == expected
    assert spans_of(clip_normalized(ivs(spans), at(start), at(end))) == expected


def test_clip_rejects_inverted_window() -> None:
    for function in (clip, clip_normalized):
        with pytest.raises(ValueError, match="before its start"):
            function(ivs([(0, 10)]), at(8), at(2))


def test_clip_accepts_window_in_local_time() -> None:
    window_start = datetime(2026, 1, 5, 1, 0, 2, tzinfo=WARSAW)  # 00:00:02 UTC
    assert spans_of(clip(ivs([(0, 10)]), window_start, at(5))) == [(2, 5)]
    assert spans_of(clip_normalized(ivs([(0, 10)]), window_start, at(5))) == [(2, 5)]


def test_clip_normalized_leaves_its_input_alone() -> None:
    items = ivs([(0, 4), (6, 10)])
    clip_normalized(items, at(2), at(8))
    assert spans_of(items) == [(0, 4), (6, 10)]


TOTAL_CASES: list[tuple[str, Spans, float]] = [
    ("empty", [], 0.0),
    ("single", [(0, 60)], 60.0),
    ("disjoint add up", [(0, 10), (20, 25)], 15.0),
    ("overlap counted once", [(0, 10), (5, 15)], 15.0),
    ("contained counted once", [(0, 10), (2, 3)], 10.0),
]


@pytest.mark.parametrize(
    ("spans", "expected"),
    [case[1:] for case in TOTAL_CASES],
    ids=[case[0] for case in TOTAL_CASES],
)
def test_total_seconds(spans: Spans, expected: float) -> None:
    assert total_seconds(ivs(spans)) == expected


def test_total_seconds_keeps_microseconds_exact() -> None:
    tick = timedelta(microseconds=1)
    pieces = [Interval(T0 + 3 * k * tick, T0 + (3 * k + 1) * tick) for k in range(100_000)]
    assert total_seconds(pieces) == 0.1


# --- brute force against the per-second set model -------------------------------------------


def random_spans(rng: random.Random, horizon: int = 40) -> Spans:
    spans: Spans = []
    for _ in range(rng.randint(0, 6)):
        a = rng.randint(0, horizon)
        spans.append((a, min(horizon, a + rng.randint(0, 12))))
    return spans


def model_to_spans(seconds: set[int]) -> Spans:
    """Turn a set of seconds back into maximal runs — the normalized form."""
    runs: Spans = []
    for s in sorted(seconds):
        if runs and runs[-1][1] == s:
            runs[-1] = (runs[-1][0], s + 1)
        else:
            runs.append((s, s + 1))
    return runs


BinaryOp = Callable[[Iterable[Interval], Iterable[Interval]], list[Interval]]
BRUTE_FORCE_OPS: list[tuple[str, BinaryOp, Callable[[set[int], set[int]], set[int]]]] = [
    ("union", union, set.__or__),
    ("intersect", intersect, set.__and__),
    ("subtract", subtract, set.__sub__),
]


@pytest.mark.parametrize(
    ("operation", "model"),
    [op[1:] for op in BRUTE_FORCE_OPS],
    ids=[op[0] for op in BRUTE_FORCE_OPS],
)
def test_binary_operations_match_per_second_model(
    operation: BinaryOp, model: Callable[[set[int], set[int]], set[int]]
) -> None:
    for seed in range(500):
        rng = random.Random(seed)
        a, b = random_spans(rng), random_spans(rng)
        result = operation(ivs(a), ivs(b))
        assert_normalized(result)
        expected = model_to_spans(model(seconds_of(a), seconds_of(b)))
        assert spans_of(result) == expected, f"seed {seed}: a={a} b={b}"


def test_normalize_clip_and_total_match_per_second_model() -> None:
    for seed in range(500):
        rng = random.Random(seed)
        spans = random_spans(rng)
        lo = rng.randint(0, 40)
        hi = rng.randint(lo, 45)
        covered = seconds_of(spans)
        assert spans_of(normalize(ivs(spans))) == model_to_spans(covered), f"seed {seed}"
        clipped = clip(ivs(spans), at(lo), at(hi))
        window = set(range(lo, hi))
        assert spans_of(clipped) == model_to_spans(covered & window), f"seed {seed}"
        on_normalized = clip_normalized(normalize(ivs(spans)), at(lo), at(hi))
        assert on_normalized == clipped, f"seed {seed}"
        assert total_seconds(ivs(spans)) == len(covered), f"seed {seed}"


def test_intersect_and_subtract_partition_a_large_input() -> None:
    """20,000 × 20,000 pieces: what is inside plus what is outside is the whole."""
    rng = random.Random(7)
    a = ivs((s, s + rng.randint(1, 50)) for s in range(0, 2_000_000, 100))
    b = ivs((s, s + rng.randint(1, 50)) for s in range(30, 2_000_000, 100))
    met = intersect(a, b)
    left = subtract(a, b)
    assert total_seconds(met) + total_seconds(left) == total_seconds(a)
