"""The check engine: one heap, no drift, bounded concurrency, skips counted, reload in place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from itops.clock import FixedClock
from itops.engine import CheckEngine, next_slot, spread
from itops.runner import CheckRunner
from itops.state import ProbeStats
from itops.status import Status
from tests.fakes import RecordingSink, SleepCheck

T = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _reset_counts() -> None:
    SleepCheck.running = SleepCheck.most = 0


def make_engine(sink: RecordingSink, concurrency: int = 50) -> tuple[CheckEngine, ProbeStats]:
    stats = ProbeStats()
    runner = CheckRunner(FixedClock(T), concurrency, [sink])
    return CheckEngine(runner, stats, concurrency), stats


async def wait_until(predicate: Callable[[], bool], timeout: float = 20) -> None:
    """Poll until ``predicate`` holds; a generous deadline, not a timing assertion."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


def test_the_next_slot_is_the_previous_due_time_plus_the_interval_not_the_start_time() -> None:
    assert next_slot(100.0, 10.0, 100.4) == (110.0, 0)
    assert next_slot(100.0, 10.0, 109.9) == (110.0, 0)


def test_slots_that_passed_while_behind_are_skipped_and_counted() -> None:
    assert next_slot(100.0, 10.0, 135.0) == (140.0, 3)
    following, missed = next_slot(100.0, 10.0, 110.0)
    assert following > 110.0 and (following, missed) == (120.0, 1)


def test_the_jitter_of_a_check_is_stable_and_within_its_interval() -> None:
    offsets = [spread(f"check:c{i}", 60.0) for i in range(200)]
    assert offsets == [spread(f"check:c{i}", 60.0) for i in range(200)]
    assert all(0 <= o < 60 for o in offsets)
    assert len({round(o) for o in offsets}) > 30  # spread over the minute, not bunched


async def test_every_check_is_probed_repeatedly_and_counted_by_kind_and_result() -> None:
    sink = RecordingSink()
    engine, stats = make_engine(sink)
    engine.schedule([SleepCheck("a", 0.05), SleepCheck("b", 0.05, status=Status.CRITICAL)])
    engine.start()
    await wait_until(lambda: len(sink.of("a")) >= 3 and len(sink.of("b")) >= 3)
    engine.stop()
    await engine.runner.drain(5)
    counts = stats.snapshot()
    assert counts.probes[("sleep", "ok")] == len(sink.of("a"))
    assert counts.probes[("sleep", "critical")] == len(sink.of("b"))
    assert counts.probes[("sleep", "unknown")] == 0  # started at 0 for rate()
    assert counts.lateness_count == len(sink.results)
    assert sum(counts.lateness_buckets) == counts.lateness_count


async def test_a_check_still_running_when_due_is_counted_not_started_twice_and_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = RecordingSink()
    engine, stats = make_engine(sink)
    caplog.set_level(logging.DEBUG)
    engine.schedule([SleepCheck("slow", 0.02, seconds=0.3)])
    engine.start()
    await wait_until(lambda: stats.snapshot().skipped["still_running"] >= 5)
    engine.stop()
    await engine.runner.drain(5)
    assert SleepCheck.most == 1
    assert not [r for r in caplog.records if r.name.startswith("itops")]


async def test_no_more_probes_run_at_once_than_the_bound_and_the_rest_wait_their_turn() -> None:
    sink = RecordingSink()
    engine, stats = make_engine(sink, concurrency=3)
    engine.schedule([SleepCheck(f"c{i}", 0.05, seconds=0.05) for i in range(12)])
    engine.start()
    await wait_until(lambda: all(len(sink.of(f"c{i}")) >= 2 for i in range(12)))
    engine.stop()
    await engine.runner.drain(5)
    assert SleepCheck.most == 3
    counts = stats.snapshot()
    assert counts.lateness_sum > 0  # those waiting for a free slot started late, and say so


async def test_a_reload_adds_removes_and_reschedules_checks_and_keeps_unchanged_phases() -> None:
    sink = RecordingSink()
    engine, _ = make_engine(sink)
    engine.schedule([SleepCheck("kept", 30), SleepCheck("gone", 0.05), SleepCheck("changed", 30)])
    engine.start()
    kept_due = engine.next_due("kept")
    changed_due = engine.next_due("changed")
    await wait_until(lambda: len(sink.of("gone")) >= 2)
    engine.schedule([SleepCheck("kept", 30), SleepCheck("changed", 0.05), SleepCheck("new", 0.05)])
    assert engine.names() == ["changed", "kept", "new"]
    assert engine.next_due("kept") == kept_due
    assert engine.next_due("changed") != changed_due
    assert engine.next_due("gone") is None
    gone_before = len(sink.of("gone"))
    await wait_until(lambda: len(sink.of("new")) >= 3 and len(sink.of("changed")) >= 3)
    engine.stop()
    await engine.runner.drain(5)
    assert len(sink.of("gone")) <= gone_before + 1  # at most the one already in flight


async def test_stop_starts_nothing_more_and_drain_waits_for_running_probes() -> None:
    sink = RecordingSink()
    engine, _ = make_engine(sink)
    engine.schedule([SleepCheck("s", 0.01, seconds=0.2)])
    engine.start()
    await wait_until(lambda: engine.in_flight == 1)
    engine.stop()
    assert await engine.runner.drain(5) == 0
    assert len(sink.results) == 1
    await asyncio.sleep(0.1)
    assert len(sink.results) == 1
