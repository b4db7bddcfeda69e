"""No database call on the event loop: the guard, sync endpoints, short lock waits, and
reads that never wait for SQLite's write lock (no timings here: see tests/faults)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from itops.context import AppContext
from itops.db.models import User
from itops.db.session import lock_wait, read_scope, session_scope
from itops.web import offloop

from .conftest import AsgiClient


def _guarded_app(ctx: AppContext) -> Starlette:
    async def on_loop(request: Request) -> Response:
        with read_scope(ctx.sessions) as db:
            count = db.scalar(select(func.count()).select_from(User))
        return PlainTextResponse(str(count))

    def in_thread(request: Request) -> Response:
        with read_scope(ctx.sessions) as db:
            count = db.scalar(select(func.count()).select_from(User))
        return PlainTextResponse(str(count))

    app = Starlette(
        routes=[Route("/on-loop", on_loop), Route("/in-thread", in_thread)],
        middleware=[Middleware(offloop.RequestScopeMiddleware)],
    )
    offloop.watch(ctx.engine)
    return app


async def test_a_database_call_on_the_event_loop_during_a_request_is_refused(
    ctx: AppContext,
) -> None:
    assert offloop.strict()  # tests/conftest.py turns strict mode on for the whole suite
    client = AsgiClient(_guarded_app(ctx))
    with pytest.raises(offloop.DatabaseOnEventLoop, match="GET /on-loop"):
        await client.get("/on-loop")


async def test_a_database_call_in_a_sync_endpoint_runs_in_a_worker_thread(
    ctx: AppContext,
) -> None:
    reply = await AsgiClient(_guarded_app(ctx)).get("/in-thread")
    assert reply.status == 200 and reply.text == "0"


async def test_the_same_call_outside_a_request_is_not_the_guards_business(
    ctx: AppContext,
) -> None:
    _guarded_app(ctx)
    with read_scope(ctx.sessions) as db:  # a CLI command or a test on its own loop
        assert db.scalar(select(func.count()).select_from(User)) == 0


async def test_every_page_of_the_dashboard_loads_its_user_off_the_loop(
    client: AsgiClient, users: dict[str, str]
) -> None:
    """Pages, a 404 and the login page of a logged-in admin: all read the session's
    user, none on the loop (strict mode would raise)."""
    await client.login(users["admin"])
    for path in ("/", "/calendar", "/admin/users", "/admin/audit", "/login", "/nie-ma"):
        reply = await client.get(path)
        assert reply.status in (200, 404), (path, reply.status)


@pytest.fixture
def locked_sqlite(ctx: AppContext) -> Iterator[sqlite3.Connection]:
    """Another process's view: a raw connection holding SQLite's write lock."""
    assert ctx.engine.dialect.name == "sqlite", "mark the test @pytest.mark.engine('sqlite')"
    database = ctx.engine.url.database
    assert database
    raw = sqlite3.connect(str(Path(database)), isolation_level=None)
    raw.execute("BEGIN IMMEDIATE")
    yield raw
    raw.execute("ROLLBACK")
    raw.close()


@pytest.mark.engine("sqlite")  # SQLite's write lock; PostgreSQL has row locks
def test_a_read_never_waits_for_the_write_lock(
    ctx: AppContext, locked_sqlite: sqlite3.Connection
) -> None:
    """With no lock wait at all, a transaction asking for the write lock fails at once;
    the read goes ahead, because it never asks."""
    token = lock_wait.set(0)
    try:
        with read_scope(ctx.sessions) as db:
            assert db.scalar(select(func.count()).select_from(User)) == 0
        with (
            pytest.raises(Exception, match="database is locked"),
            session_scope(ctx.sessions) as db,
        ):
            db.execute(text("SELECT 1"))
    finally:
        lock_wait.reset(token)


@pytest.mark.engine("sqlite")  # SQLite's write lock; PostgreSQL has row locks
def test_a_request_write_gives_up_on_a_held_lock_and_writes_nothing(
    ctx: AppContext, locked_sqlite: sqlite3.Connection
) -> None:
    token = lock_wait.set(50)
    try:
        with (
            pytest.raises(Exception, match="database is locked"),
            session_scope(ctx.sessions) as db,
        ):
            db.add(
                User(
                    login="ktos",
                    role="admin",
                    full_name="",
                    password_hash="x",
                    created_at=ctx.clock.now(),
                    password_changed_at=ctx.clock.now(),
                )
            )
    finally:
        lock_wait.reset(token)
    with read_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.engine("sqlite")  # SQLite's write lock; PostgreSQL has row locks
async def test_a_dashboard_write_during_a_long_foreign_write_is_answered_503(
    client: AsgiClient,
    users: dict[str, str],
    ctx: AppContext,
    locked_sqlite: sqlite3.Connection,
) -> None:
    """The login's audit row needs the write lock, held by another process: after the
    request's short lock wait the answer is 503 with Retry-After, and nothing is written."""
    from itops.db.models import AuditLog

    reply = await client.login(users["admin"])
    assert reply.status == 503
    assert reply.header("retry-after")
    locked_sqlite.execute("ROLLBACK")
    with read_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(AuditLog)) == 0
    locked_sqlite.execute("BEGIN IMMEDIATE")  # the fixture rolls it back


def test_a_change_in_a_read_transaction_is_refused_not_dropped(ctx: AppContext) -> None:
    from itops.errors import StorageError

    user = User(
        login="ktos",
        role="admin",
        full_name="",
        password_hash="x",
        created_at=ctx.clock.now(),
        password_changed_at=ctx.clock.now(),
    )
    with pytest.raises(StorageError, match="read-only"), read_scope(ctx.sessions) as db:
        db.add(user)
    with pytest.raises(StorageError, match="read-only"), read_scope(ctx.sessions) as db:
        db.add(
            User(
                login="ktos2",
                role="admin",
                full_name="",
                password_hash="x",
                created_at=ctx.clock.now(),
                password_changed_at=ctx.clock.now(),
            )
        )
        db.flush()
    with read_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(User)) == 0


def test_objects_read_in_a_read_transaction_stay_readable_after_it(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        db.add(
            User(
                login="ktos",
                role="admin",
                full_name="Jan Testowy",
                password_hash="x",
                created_at=ctx.clock.now(),
                password_changed_at=ctx.clock.now(),
            )
        )
    with read_scope(ctx.sessions) as db:
        user = db.scalars(select(User)).one()
    assert user.full_name == "Jan Testowy"
