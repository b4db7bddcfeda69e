"""OutageTracker: confirm logic, gaps, batched writes, restart recovery, raw/rollup pruning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.models import MonitoringGap, Outage, ProbeResultRow, ProbeRollup
from checks.availability.retention import prune
from checks.availability.tracker import OutageTracker
from itops.config import Settings
from itops.db.models import OrgUnit
from itops.db.session import make_engine, make_sessionmaker, session_scope
from itops.events import (
    CHECK_RECOVERED,
    CHECK_WARNING,
    MONITORING_GAP,
    OUTAGE_CLOSED,
    OUTAGE_OPENED,
    Event,
    EventBus,
)
from itops.messages import Summary, from_stored, raw, render, stored_within
from itops.status import ProbeResult, Status
from tests.conftest import make_settings

T0 = datetime(2026, 3, 10, 9, 0, 7, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(
        db_url, checks=[{"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 1}]
    )


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.storage.url)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as db:
        db.add(OrgUnit(id="office", name="Urząd Testowy"))
    yield factory
    engine.dispose()


@pytest.fixture
def events() -> tuple[EventBus, list[Event]]:
    bus, seen = EventBus(), []
    bus.subscribe(seen.append)
    return bus, seen


def result(status: Status, at: datetime, duration: float = 0.01) -> ProbeResult:
    return ProbeResult("bip", "tcp", status, status.name.lower(), at, duration)


def outages(sessions: sessionmaker[Session]) -> list[Outage]:
    with session_scope(sessions) as db:
        return list(db.scalars(select(Outage).order_by(Outage.id)))


def test_outage_opens_after_confirm_failures_back_dated_to_the_first(
    settings: Settings, sessions: sessionmaker[Session], events: tuple[EventBus, list[Event]]
) -> None:
    tracker = OutageTracker(settings, sessions, events[0])
    tracker.submit(result(Status.CRITICAL, T0))
    assert events[1] == []
    tracker.submit(result(Status.CRITICAL, T0 + MINUTE))
    tracker.flush(T0 + 2 * MINUTE)
    [row] = outages(sessions)
    assert (row.start, row.end, row.cause) == (T0, None, "failure")
    assert [e.kind for e in events[1]] == [OUTAGE_OPENED]


def test_first_good_probe_closes_the_outage(
    settings: Settings, sessions: sessionmaker[Session], events: tuple[EventBus, list[Event]]
) -> None:
    tracker = OutageTracker(settings, sessions, events[0])
    for i in range(3):
        tracker.submit(result(Status.CRITICAL, T0 + i * MINUTE))
    tracker.submit(result(Status.WARNING, T0 + 3 * MINUTE))
    tracker.flush(T0 + 4 * MINUTE)
    [row] = outages(sessions)
    assert (row.start, row.end) == (T0, T0 + 3 * MINUTE)
    assert [e.kind for e in events[1]] == [OUTAGE_OPENED, OUTAGE_CLOSED, CHECK_WARNING]


def test_warning_is_told_and_recovered_but_opens_no_outage(
    settings: Settings, sessions: sessionmaker[Session], events: tuple[EventBus, list[Event]]
) -> None:
    tracker = OutageTracker(settings, sessions, events[0])
    tracker.submit(result(Status.OK, T0))
    for i in range(1, 4):
        tracker.submit(result(Status.WARNING, T0 + i * MINUTE))
    tracker.submit(result(Status.OK, T0 + 4 * MINUTE))
    tracker.submit(result(Status.OK, T0 + 5 * MINUTE))
    tracker.flush(T0 + 6 * MINUTE)
    assert outages(sessions) == []
    assert tracker.open_outages() == {}
    kinds = [e.kind for e in events[1]]
    assert kinds == [CHECK_WARNING] * 3 + [CHECK_RECOVERED]
    assert {e.data["start"] for e in events[1]} == {(T0 + MINUTE).isoformat()}
    assert events[1][-1].data["end"] == (T0 + 4 * MINUTE).isoformat()
    assert events[1][-1].status is Status.OK


def test_single_failure_below_confirm_opens_nothing(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    tracker.submit(result(Status.CRITICAL, T0))
    tracker.submit(result(Status.OK, T0 + MINUTE))
    tracker.submit(result(Status.CRITICAL, T0 + 2 * MINUTE))
    tracker.flush(T0 + 3 * MINUTE)
    assert outages(sessions) == []


def test_unknown_opens_a_gap_and_never_closes_an_outage(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    tracker.submit(result(Status.CRITICAL, T0))
    tracker.submit(result(Status.CRITICAL, T0 + MINUTE))
    tracker.submit(result(Status.UNKNOWN, T0 + 2 * MINUTE))
    tracker.submit(result(Status.UNKNOWN, T0 + 3 * MINUTE))
    tracker.flush(T0 + 4 * MINUTE)
    [row] = outages(sessions)
    assert row.end is None
    tracker.submit(result(Status.OK, T0 + 4 * MINUTE))
    tracker.flush(T0 + 5 * MINUTE)
    with session_scope(sessions) as db:
        [gap] = list(db.scalars(select(MonitoringGap)))
    assert (gap.check_name, gap.start, gap.end) == ("bip", T0 + 2 * MINUTE, T0 + 4 * MINUTE)
    assert outages(sessions)[0].end == T0 + 4 * MINUTE


def test_unknown_alone_never_opens_an_outage(
    settings: Settings, sessions: sessionmaker[Session], events: tuple[EventBus, list[Event]]
) -> None:
    tracker = OutageTracker(settings, sessions, events[0])
    for i in range(5):
        tracker.submit(result(Status.UNKNOWN, T0 + i * MINUTE))
    tracker.flush(T0 + 5 * MINUTE)
    assert outages(sessions) == []
    assert [e.kind for e in events[1]] == [MONITORING_GAP]


def test_open_outage_is_reloaded_and_closed_after_a_restart(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    first = OutageTracker(settings, sessions)
    first.submit(result(Status.CRITICAL, T0))
    first.submit(result(Status.CRITICAL, T0 + MINUTE))
    first.flush(T0 + 2 * MINUTE)
    second = OutageTracker(settings, sessions)
    second.load()
    second.submit(result(Status.CRITICAL, T0 + 10 * MINUTE))
    second.submit(result(Status.OK, T0 + 11 * MINUTE))
    second.flush(T0 + 12 * MINUTE)
    [row] = outages(sessions)
    assert (row.start, row.end) == (T0, T0 + 11 * MINUTE)


def test_raw_results_keep_failures_changes_and_a_thin_sample(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    statuses = [Status.OK] * 5 + [Status.CRITICAL] * 2 + [Status.OK] * 5
    for i, status in enumerate(statuses):
        tracker.submit(result(status, T0 + i * MINUTE))
    tracker.flush(T0 + 20 * MINUTE)
    with session_scope(sessions) as db:
        reasons = list(db.scalars(select(ProbeResultRow.reason).order_by(ProbeResultRow.at)))
    assert reasons == ["change", "change", "failure", "change"]


def test_rollup_counts_every_probe_of_a_finished_hour(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    for i in range(30):
        status = Status.CRITICAL if i == 3 else Status.OK
        tracker.submit(result(status, T0 + i * MINUTE, duration=0.001 * (i + 1)))
    tracker.flush(T0 + 40 * MINUTE)
    with session_scope(sessions) as db:
        assert db.scalar(select(func.count()).select_from(ProbeRollup)) == 0
    tracker.flush(T0 + 60 * MINUTE)
    with session_scope(sessions) as db:
        [row] = list(db.scalars(select(ProbeRollup)))
    assert (row.count, row.failures, row.seconds) == (30, 1, 3600)
    assert row.latency_max == pytest.approx(0.030)
    assert row.latency_p95 == pytest.approx(0.029)


def test_prune_drops_old_raw_and_folds_old_hours_into_days(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    for hour in range(3):
        tracker.submit(result(Status.CRITICAL, T0 + timedelta(hours=hour)))
    tracker.flush(T0 + timedelta(hours=4))
    now = T0 + timedelta(days=40)
    deleted, folded = prune(sessions, settings, now)
    assert (deleted, folded) == (3, 3)
    with session_scope(sessions) as db:
        [day] = list(db.scalars(select(ProbeRollup)))
        assert db.scalar(select(func.count()).select_from(ProbeResultRow)) == 0
    assert (day.seconds, day.count, day.failures) == (86400, 3, 3)
    assert day.start == datetime(2026, 3, 9, 23, tzinfo=UTC)


def test_outage_event_says_whether_a_maintenance_window_silences_it(
    db_url: str, sessions: sessionmaker[Session], events: tuple[EventBus, list[Event]]
) -> None:
    settings = make_settings(
        db_url,
        checks=[{"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 1}],
        maintenance=[
            {
                "name": "prace",
                "checks": ["bip"],
                "start": "2026-03-10T09:30:00",
                "end": "2026-03-10T11:00:00",
                "exclude_from_availability": False,
            }
        ],
    )
    tracker = OutageTracker(settings, sessions, events[0])
    tracker.submit(result(Status.CRITICAL, T0))  # 10:00:07 in Warsaw
    tracker.submit(result(Status.CRITICAL, T0 + MINUTE))
    tracker.submit(result(Status.OK, T0 + timedelta(hours=2)))
    assert [e.data["silenced"] for e in events[1]] == [True, False]


def test_partial_hour_flushed_at_stop_is_merged_after_a_restart(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    first = OutageTracker(settings, sessions)
    for i in range(3):
        first.submit(result(Status.OK, T0 + i * MINUTE))
    first.flush(T0 + 3 * MINUTE, everything=True)
    second = OutageTracker(settings, sessions)
    for i in range(3, 5):
        second.submit(result(Status.OK, T0 + i * MINUTE))
    second.flush(T0 + 60 * MINUTE)
    with session_scope(sessions) as db:
        [row] = list(db.scalars(select(ProbeRollup)))
    assert row.count == 5


def test_a_long_database_outage_sheds_old_raw_samples_but_keeps_every_outage(
    settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded while the database is away; KPI 1's rows all arrive later."""
    tracker = OutageTracker(settings, sessions)
    tracker.writer.max_raw = 40
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    tracker.sessions = make_sessionmaker(gone)
    at = T0
    for cycle in range(10):  # ten outages, each 5 failures then a recovery
        for _ in range(5):
            tracker.submit(result(Status.CRITICAL, at))
            at += MINUTE
        tracker.submit(result(Status.OK, at))
        at += MINUTE
        tracker.flush(at, everything=True)  # fails: the database is away
        assert tracker.writer.queued_raw() <= 40, cycle
    gone.dispose()
    tracker.sessions = sessions
    tracker.flush(at, everything=True)
    rows = outages(sessions)
    assert len(rows) == 10 and all(r.end is not None for r in rows)
    with session_scope(sessions) as db:
        kept = int(db.scalar(select(func.count()).select_from(ProbeResultRow)) or 0)
    assert 20 <= kept <= 40


def test_outage_gap_and_raw_rows_store_codes_read_in_the_readers_language(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    """Issue 13: the stored summaries were English text shown unchanged on a Polish page;
    they are codes now, and a row written before codes reads back as its old text."""
    refused = Summary("demo.refused")
    tracker = OutageTracker(settings, sessions)
    for at, status in ((T0, Status.CRITICAL), (T0 + MINUTE, Status.CRITICAL)):
        tracker.submit(ProbeResult("bip", "tcp", status, refused, at, 0.01))
    tracker.submit(ProbeResult("bip", "tcp", Status.UNKNOWN, refused, T0 + 2 * MINUTE, 0.01))
    tracker.flush(T0 + 3 * MINUTE)
    with session_scope(sessions) as db:
        outage = db.scalars(select(Outage)).one()
        gap = db.scalars(select(MonitoringGap)).one()
        raws = list(db.scalars(select(ProbeResultRow.summary)))
    for text in (outage.summary, gap.reason, *raws):
        assert from_stored(text) == refused
        assert render(from_stored(text), "pl") == "DEMO: połączenie odrzucone"
        assert render(from_stored(text), "en") == "DEMO: connection refused"
    assert from_stored("connection refused") == raw("connection refused")  # an old row
    long = Summary("itops.gap", {"seconds": 1.0, "reason": "x" * 600})
    assert stored_within(long, 200) == str(long)[:200]  # never cut JSON in half


def _added(
    settings: Settings, sessions: sessionmaker[Session], at: datetime
) -> list[MonitoringGap]:
    from checks.availability.watch import sync_checks

    written, gaps = sync_checks(sessions, settings, at)
    assert written == 1
    return gaps


def _gaps(sessions: sessionmaker[Session]) -> list[tuple[datetime, datetime | None]]:
    with session_scope(sessions) as db:
        return [(g.start, g.end) for g in db.scalars(select(MonitoringGap))]


def test_a_check_added_is_in_a_gap_until_its_first_result_and_no_alert_is_sent(
    settings: Settings, sessions: sessionmaker[Session], events: tuple[EventBus, list[Event]]
) -> None:
    tracker = OutageTracker(settings, sessions, events[0])
    tracker.await_first(_added(settings, sessions, T0))
    assert _gaps(sessions) == [(T0, None)]
    tracker.submit(result(Status.OK, T0 + 3 * MINUTE))
    tracker.flush(T0 + 4 * MINUTE)
    assert _gaps(sessions) == [(T0, T0 + 3 * MINUTE)]
    assert events[1] == []  # a new check is no monitoring incident


def test_a_first_result_before_the_reload_wrote_the_gap_closes_it_with_no_length(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    tracker = OutageTracker(settings, sessions)
    tracker.submit(result(Status.OK, T0))
    tracker.await_first(_added(settings, sessions, T0 + MINUTE))
    tracker.flush(T0 + 2 * MINUTE)
    assert _gaps(sessions) == [(T0 + MINUTE, T0 + MINUTE)]


def test_a_restart_takes_up_the_gap_of_a_check_not_yet_probed(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    _added(settings, sessions, T0)
    tracker = OutageTracker(settings, sessions)
    tracker.load()
    tracker.submit(result(Status.WARNING, T0 + 10 * MINUTE))
    tracker.flush(T0 + 11 * MINUTE)
    assert _gaps(sessions) == [(T0, T0 + 10 * MINUTE)]
