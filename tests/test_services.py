"""Typed feature services (itops.services): one object per context, built on first use."""

from __future__ import annotations

from itops.context import AppContext
from itops.services import Service
from itops.state import LiveState


class Counter:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx


def test_a_service_is_built_once_per_context_and_dropped_on_request(ctx: AppContext) -> None:
    key = Service("test.counter", Counter)
    assert ctx.services.built(key) is None
    first = key.of(ctx)
    assert key.of(ctx) is first and first.ctx is ctx
    other = AppContext(ctx.settings, ctx.config_path, ctx.engine, ctx.sessions)
    assert key.of(other) is not first  # each context its own
    ctx.services.drop(key)
    assert key.of(ctx) is not first


def test_live_state_has_no_string_keyed_values() -> None:
    assert not hasattr(LiveState(), "values")


def test_the_leak_check_sees_a_connection_left_open(ctx: AppContext) -> None:
    from tests.fakes import checked_out_after_drain

    conn = ctx.engine.connect()
    assert checked_out_after_drain(ctx.engine, cap=0.05) == 1
    conn.close()
    assert checked_out_after_drain(ctx.engine) == 0
