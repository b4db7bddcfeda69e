"""What the probe measured of the service (connect time, time to first byte, ICMP round
trip …) is kept with raw results and rollups, apart from the check's duration (issue 13:
a router's check ran 407 ms while its round trip was 0.4 ms). Both engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.models import ProbeResultRow, ProbeRollup
from checks.availability.retention import prune
from checks.availability.tracker import OutageTracker
from itops.config import Settings
from itops.db.models import OrgUnit
from itops.db.session import make_engine, make_sessionmaker, session_scope
from itops.status import Measurement, ProbeResult, Status
from tests.conftest import make_settings

T0 = datetime(2026, 3, 10, 9, 0, 7, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url, checks=[{"name": "router", "kind": "icmp", "host": "127.0.0.1"}])


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.storage.url)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as db:
        db.add(OrgUnit(id="office", name="Urząd Testowy"))
    yield factory
    engine.dispose()


def ping(at: datetime, rtt_ms: float | None, duration: float = 0.407) -> ProbeResult:
    """An ICMP result: the check took ``duration`` s; ``rtt_ms`` None: every ping lost."""
    values = (
        (Measurement("resolved", 1), Measurement("loss_percent", 100.0, "%"))
        if rtt_ms is None
        else (
            Measurement("resolved", 1),
            Measurement("loss_percent", 0.0, "%"),
            Measurement("rtt_avg_ms", rtt_ms, "ms"),
        )
    )
    status = Status.CRITICAL if rtt_ms is None else Status.OK
    return ProbeResult("router", "icmp", status, "ping", at, duration, values)


def test_a_raw_result_keeps_the_measured_round_trip_not_the_duration(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    tracker.submit(ping(T0, 0.4))
    tracker.flush(T0 + MINUTE)
    with session_scope(sessions) as db:
        [row] = list(db.scalars(select(ProbeResultRow)))
    assert row.service_ms == pytest.approx(0.4) and row.duration == pytest.approx(0.407)


def test_a_raw_result_that_measured_nothing_keeps_no_service_time(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    tracker.submit(ping(T0, None))
    tracker.flush(T0 + MINUTE)
    with session_scope(sessions) as db:
        [row] = list(db.scalars(select(ProbeResultRow)))
    assert row.service_ms is None


def test_an_hours_rollup_keeps_min_mean_max_p95_of_the_measured_times(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    for i in range(20):  # 0.1 .. 2.0 ms, and one lost ping that measured nothing
        tracker.submit(ping(T0 + i * MINUTE, 0.1 * (i + 1)))
    tracker.submit(ping(T0 + 21 * MINUTE, None))
    tracker.flush(T0 + 60 * MINUTE)
    with session_scope(sessions) as db:
        [row] = list(db.scalars(select(ProbeRollup)))
    assert (row.count, row.service_count) == (21, 20)
    assert row.service_min == pytest.approx(0.1) and row.service_max == pytest.approx(2.0)
    assert row.service_sum / row.service_count == pytest.approx(1.05)
    assert row.service_p95 == pytest.approx(1.9)
    assert row.latency_max == pytest.approx(0.407)  # the duration stays apart


def test_folding_hours_into_a_day_keeps_the_measured_times(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    for hour in range(3):
        tracker.submit(ping(T0 + timedelta(hours=hour), 1.0 + hour))
    tracker.flush(T0 + timedelta(hours=4))
    prune(sessions, settings, T0 + timedelta(days=40))
    with session_scope(sessions) as db:
        [day] = list(db.scalars(select(ProbeRollup)))
    assert (day.seconds, day.service_count) == (86400, 3)
    assert (day.service_min, day.service_max, day.service_sum) == pytest.approx((1.0, 3.0, 6.0))
    assert day.service_p95 == pytest.approx(3.0)
