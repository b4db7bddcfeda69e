"""Login rate limiting: per login and per client address, state in the database.

A failure counts within a window of ``login_lockout``; reaching the limit locks the key
for ``login_lockout``. Counters live in ``login_throttle`` so a lockout survives a
restart and holds across worker processes. Rows whose window and lock have both passed
mean nothing any more and are deleted daily (``prune``). A successful login clears the counter of
its login only: a valid account must not reset the counter of an address that is
guessing other accounts' passwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from itops.config import Web
from itops.db.models import LoginThrottle


def login_key(login: str) -> str:
    return "login:" + login.strip().lower()[:150]


def address_key(address: str | None) -> str:
    return "addr:" + (address or "unknown")[:150]


@dataclass(frozen=True)
class Lock:
    """Why a login attempt is refused without checking the password."""

    key: str
    until: datetime


def locked(db: Session, keys: list[str], now: datetime) -> Lock | None:
    """The lock, if any of ``keys`` is locked at ``now``."""
    for key in keys:
        row = db.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            return Lock(key, row.locked_until)
    return None


def record_failure(db: Session, key: str, limit: int, web: Web, now: datetime) -> Lock | None:
    """Count one failure for ``key``; the new lock when this failure reached ``limit``."""
    window = web.login_lockout
    row = db.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=now, locked_until=None)
        db.add(row)
    if now - row.window_start > window:
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + window
        row.failures, row.window_start = 0, now
        return Lock(key, row.locked_until)
    return None


def clear(db: Session, key: str) -> bool:
    """Forget the failures and lock of ``key``; whether there was anything to forget."""
    row = db.get(LoginThrottle, key)
    if row is None:
        return False
    db.delete(row)
    return True


def prune(db: Session, web: Web, now: datetime) -> int:
    """Delete the rows that no longer count: window over and no lock in force."""
    stale = and_(
        LoginThrottle.window_start < now - web.login_lockout,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
    )
    result: CursorResult[Any] = db.execute(  # type: ignore[assignment]
        delete(LoginThrottle).where(stale)
    )
    return int(result.rowcount or 0)
