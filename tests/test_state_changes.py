"""LiveState.changes: which checks got a result since a reader's cursor (for /metrics)."""

from __future__ import annotations

from datetime import UTC, datetime

from itops.metrics import check_exposition
from itops.state import LiveState
from itops.status import ProbeResult, Status


def result(name: str, status: Status = Status.OK, duration: float = 0.01) -> ProbeResult:
    return ProbeResult(name, "tcp", status, "ok", datetime(2026, 3, 2, 9, tzinfo=UTC), duration)


def test_changes_name_only_the_checks_recorded_since_the_cursor() -> None:
    state = LiveState()
    state.record(result("demo-a"))
    state.record(result("demo-b"))
    checks, cursor, changed = state.changes(None)
    assert (sorted(checks), changed) == (["demo-a", "demo-b"], None)  # first call: all
    _, cursor, changed = state.changes(cursor)
    assert changed == set()
    state.record(result("demo-b", Status.CRITICAL))
    _, cursor, changed = state.changes(cursor)
    assert changed == {"demo-b"}
    state.record(result("demo-c"))  # a new check: everything may have moved
    _, cursor, changed = state.changes(cursor)
    assert changed is None
    state.forget_except({"demo-a"})
    checks, cursor, changed = state.changes(cursor)
    assert (list(checks), changed) == (["demo-a"], None)


def test_updates_give_only_the_states_recorded_since_the_cursor() -> None:
    state = LiveState()
    state.record(result("demo-a"))
    state.record(result("demo-b"))
    cursor, checks, complete = state.updates(None)
    assert (sorted(checks), complete) == (["demo-a", "demo-b"], True)  # first call: all
    cursor, checks, complete = state.updates(cursor)
    assert (checks, complete) == ({}, False)
    state.record(result("demo-b", Status.WARNING))
    state.record(result("demo-b", Status.CRITICAL))
    cursor, checks, complete = state.updates(cursor)
    assert (list(checks), checks["demo-b"].last.status, complete) == (
        ["demo-b"],
        Status.CRITICAL,
        False,
    )
    state.record(result("demo-c"))  # a new check: everything may have moved
    cursor, checks, complete = state.updates(cursor)
    assert (sorted(checks), complete) == (["demo-a", "demo-b", "demo-c"], True)
    for i in range(5000):  # the journal is trimmed past the cursor: everything again
        state.record(result("demo-a", duration=i / 1000))
    _, checks, complete = state.updates(cursor)
    assert (len(checks), complete) == (3, True)


def test_a_reader_behind_the_trimmed_journal_rescans_everything() -> None:
    state = LiveState()
    state.record(result("demo-a"))
    _, cursor, _ = state.changes(None)
    for i in range(5000):
        state.record(result("demo-a", duration=i / 1000))
    _, _, changed = state.changes(cursor)
    assert changed is None


def test_the_exposition_follows_every_change_it_is_told_about() -> None:
    state = LiveState()
    for name in ("demo-b", "demo-a"):
        state.record(result(name))
    first = check_exposition(state).decode()
    assert first.index('check="demo-a"') < first.index('check="demo-b"')
    state.record(result("demo-b", Status.CRITICAL, 2.5))
    text = check_exposition(state).decode()
    assert 'itops_check_status{check="demo-b",kind="tcp"} 2\n' in text
    assert 'itops_probe_duration_seconds{check="demo-b",kind="tcp"} 2.5\n' in text
    assert 'itops_check_status{check="demo-a",kind="tcp"} 0\n' in text
    state.forget_except({"demo-b"})
    assert 'check="demo-a"' not in check_exposition(state).decode()
