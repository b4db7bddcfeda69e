"""The heartbeat at a start: the time since the last beat is a monitoring gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itops import heartbeat
from itops.context import AppContext
from itops.db.session import session_scope

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _restart(ctx: AppContext, after: timedelta, *, clean: bool) -> list[heartbeat.Unwatched]:
    recorded: list[heartbeat.Unwatched] = []
    heartbeat.start(ctx.sessions, T0, record=[])
    with session_scope(ctx.sessions) as db:
        heartbeat.beat(db, T0, clean_shutdown=clean)
    heartbeat.start(ctx.sessions, T0 + after, record=[lambda db, gap: recorded.append(gap)])
    return recorded


def test_a_crash_is_a_gap_however_quick_the_restart(ctx: AppContext) -> None:
    """A kill just after a heartbeat and a 0.9 s restart recorded nothing (the kill test)."""
    [gap] = _restart(ctx, timedelta(seconds=0.9), clean=False)
    assert (gap.start, gap.end, gap.reason) == (T0, T0 + timedelta(seconds=0.9), heartbeat.CRASHED)


def test_a_clean_restart_within_a_second_leaves_no_gap(ctx: AppContext) -> None:
    assert _restart(ctx, timedelta(seconds=0.9), clean=True) == []


def test_a_clean_stop_of_minutes_is_a_gap_of_its_own_kind(ctx: AppContext) -> None:
    [gap] = _restart(ctx, timedelta(minutes=5), clean=True)
    assert gap.reason == heartbeat.STOPPED
