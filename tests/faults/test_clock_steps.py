"""NTP steps of the wall clock: no fake outage, no negative duration.

Timestamps come from the injected Clock (UTC wall time, which NTP may step); durations
come from the monotonic clock. A step between probes must not turn into an outage, a
gap, or an interval that ends before it starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from checks.availability.models import MonitoringGap, Outage
from checks.availability.tracker import OutageTracker
from checks.config import CheckConfig
from itops.check import Check, Options
from itops.clock import FixedClock
from itops.context import AppContext
from itops.db.session import session_scope
from itops.heartbeat import start as heartbeat_start
from itops.messages import Summary, raw
from itops.runner import CheckRunner
from itops.status import Measurement, ProbeResult, Status
from tests.conftest import make_settings
from tests.fakes import RecordingSink

T = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _result(status: Status, at: datetime, check: str = "www") -> ProbeResult:
    return ProbeResult(check, "tcp", status, status.name, at, 0.01)


def _tracker(ctx: AppContext) -> OutageTracker:
    settings = make_settings(
        str(ctx.engine.url.render_as_string(hide_password=False)),
        checks=[{"name": "www", "kind": "tcp", "host": "127.0.0.1", "port": 9, "confirm": 2}],
    )
    ctx.settings = settings
    return OutageTracker(settings, ctx.sessions)


def _outages(ctx: AppContext) -> list[Outage]:
    with session_scope(ctx.sessions) as db:
        return list(db.scalars(select(Outage)))


def _gaps(ctx: AppContext) -> list[MonitoringGap]:
    with session_scope(ctx.sessions) as db:
        return list(db.scalars(select(MonitoringGap)))


def test_a_clock_stepped_back_during_an_outage_never_ends_it_before_it_starts(
    ctx: AppContext,
) -> None:
    tracker = _tracker(ctx)
    tracker.submit(_result(Status.CRITICAL, T))
    tracker.submit(_result(Status.CRITICAL, T + timedelta(seconds=10)))
    tracker.flush(T)
    tracker.submit(_result(Status.OK, T + timedelta(seconds=20) - HOUR))  # NTP stepped back
    tracker.flush(T)
    [outage] = _outages(ctx)
    assert outage.end is not None
    assert outage.end >= outage.start


def test_a_clock_stepped_back_during_a_gap_never_ends_it_before_it_starts(
    ctx: AppContext,
) -> None:
    tracker = _tracker(ctx)
    tracker.submit(_result(Status.UNKNOWN, T))
    tracker.flush(T)
    tracker.submit(_result(Status.OK, T + timedelta(seconds=5) - HOUR))
    tracker.flush(T)
    [gap] = _gaps(ctx)
    assert gap.end is not None
    assert gap.end >= gap.start


def test_a_clock_step_forward_between_good_probes_opens_no_outage_and_no_gap(
    ctx: AppContext,
) -> None:
    tracker = _tracker(ctx)
    tracker.submit(_result(Status.OK, T))
    tracker.submit(_result(Status.OK, T + 3 * HOUR))  # NTP stepped forward
    tracker.submit(_result(Status.OK, T + 3 * HOUR + timedelta(seconds=30)))
    tracker.flush(T + 4 * HOUR, everything=True)
    assert _outages(ctx) == []
    assert _gaps(ctx) == []


def test_a_clock_step_back_between_good_probes_opens_no_outage_and_no_gap(
    ctx: AppContext,
) -> None:
    tracker = _tracker(ctx)
    tracker.submit(_result(Status.OK, T))
    tracker.submit(_result(Status.OK, T - HOUR))
    tracker.submit(_result(Status.CRITICAL, T - HOUR + timedelta(seconds=30)))
    tracker.submit(_result(Status.OK, T - HOUR + timedelta(seconds=60)))
    tracker.flush(T, everything=True)
    assert _outages(ctx) == []
    assert _gaps(ctx) == []


def test_a_daemon_restarted_after_the_clock_stepped_back_records_no_negative_gap(
    ctx: AppContext,
) -> None:
    heartbeat_start(ctx.sessions, T)
    heartbeat_start(ctx.sessions, T - HOUR)
    assert _gaps(ctx) == []
    heartbeat_start(ctx.sessions, T - HOUR + timedelta(minutes=5))
    [gap] = _gaps(ctx)
    assert gap.end is not None and gap.end - gap.start == timedelta(minutes=5)


class _SleepCheck(Check[Options]):
    """Takes a known real time; the wall clock is stepped while it runs."""

    kind = "sleep"
    Options = Options

    def __init__(self, config: CheckConfig, clock: FixedClock) -> None:
        super().__init__(config)
        self.clock = clock

    async def probe(self) -> Sequence[Measurement]:
        self.clock.advance(-HOUR)
        await asyncio.sleep(0.2)
        return []

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        return Status.OK, raw("slept")


async def test_a_probe_duration_is_real_elapsed_time_when_the_clock_steps_back() -> None:
    clock = FixedClock(T)
    config = CheckConfig.model_validate(
        {"name": "sleeper", "kind": "tcp", "options": {"host": "127.0.0.1", "port": 9}}
    )
    sink = RecordingSink()
    results = sink.results
    runner = CheckRunner(clock, 4, [sink])
    await runner.run(_SleepCheck(config, clock))
    [result] = results
    assert result.started_at == T
    assert 0.19 <= result.duration < 2


class _SteppingCheck(Check[Options]):
    """Steps the injected wall clock back an hour at its first probe, as NTP would."""

    kind = "tcp"
    Options = Options

    def __init__(self, config: CheckConfig, clock: FixedClock) -> None:
        super().__init__(config)
        self.clock = clock
        self.probes = 0

    async def probe(self) -> Sequence[Measurement]:
        self.probes += 1
        if self.probes == 1:
            self.clock.advance(-HOUR)
        return []

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        return Status.OK, raw("fine")


async def test_a_clock_stepped_back_does_not_delay_the_next_checks() -> None:
    """The engine waits on the monotonic clock: after the wall clock steps back an hour the
    check is still probed every interval (APScheduler waited out the hour)."""
    from itops.engine import CheckEngine
    from itops.state import ProbeStats

    clock = FixedClock(T)
    config = CheckConfig.model_validate(
        {
            "name": "stepper",
            "kind": "tcp",
            "interval": "1s",
            "options": {"host": "127.0.0.1", "port": 9},
        }
    )
    # faster than a config may ask (at least 1 s): the engine's cadence is under test
    config = config.model_copy(update={"interval": timedelta(milliseconds=50)})
    sink = RecordingSink()
    results = sink.results
    check = _SteppingCheck(config, clock)
    engine = CheckEngine(CheckRunner(clock, 4, [sink]), ProbeStats(), 4)
    engine.schedule([check])
    engine.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while len(results) < 6 and loop.time() < deadline:
        await asyncio.sleep(0.02)
    engine.stop()
    await engine.runner.drain(2)
    assert len(results) >= 6
    assert [r.started_at for r in results[1:]] == [T - HOUR] * (len(results) - 1)
