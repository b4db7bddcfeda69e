"""Keeping the event loop free of database work.

One event loop serves every page, ``/healthz``, ``/metrics``, static files and the agent
API; a database call made on it (SQLite waiting for a write lock, a slow query) stalls all
of them at once. So every database call of a request runs in a worker thread: sync
endpoints (``requires`` runs them in the threadpool), ``run_in_threadpool`` elsewhere.

``RequestScopeMiddleware`` marks the request's context (and so its worker threads) and
bounds how long the request's writes wait for another writer's SQLite lock
(``REQUEST_LOCK_WAIT_MS``; past it the write fails, is answered 503 and writes nothing).
``watch(engine)`` makes a database call on the loop thread during a request visible: a
warning in the log, or an error when ``ITOPS_STRICT_EVENT_LOOP=1`` (the test suite sets
it, so a handler that forgets fails its tests).
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event
from starlette.types import ASGIApp, Receive, Scope, Send

from itops.db.session import lock_wait

logger = logging.getLogger(__name__)

# A write made for a client waits this long for SQLite's write lock (a CSV import of
# tens of thousands of rows holds it for many seconds), then gets 503 + Retry-After.
REQUEST_LOCK_WAIT_MS = 1000
STRICT_ENV = "ITOPS_STRICT_EVENT_LOOP"

_in_request: ContextVar[str | None] = ContextVar("itops_in_request", default=None)
_reported: set[str] = set()


class DatabaseOnEventLoop(RuntimeError):
    """A request ran a database statement on the event-loop thread (strict mode)."""


class RequestScopeMiddleware:
    """Marks the request's context: its path, and a short lock wait for its writes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        marked = _in_request.set(f"{scope.get('method', '')} {scope.get('path', '')}")
        bounded = lock_wait.set(REQUEST_LOCK_WAIT_MS)
        try:
            await self.app(scope, receive, send)
        finally:
            lock_wait.reset(bounded)
            _in_request.reset(marked)


def strict() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def watch(engine: Engine) -> None:
    """Report (or, strict, refuse) a statement run on the loop thread during a request."""
    if event.contains(engine, "before_cursor_execute", _check):
        return
    event.listen(engine, "before_cursor_execute", _check)


def _check(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    where = _in_request.get()
    if where is None:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return  # a worker thread: where database work belongs
    first = " ".join(statement.split())[:80]
    if strict():
        raise DatabaseOnEventLoop(f"{where}: database call on the event loop: {first}")
    key = f"{where} {first}"
    if len(_reported) < 1000 and key not in _reported:
        _reported.add(key)
        logger.warning(
            "database call on the event loop during %s (stalls every request): %s", where, first
        )
