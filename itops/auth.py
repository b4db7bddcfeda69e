"""Users, roles, password hashing and the audit log (no web code here).

Passwords are hashed with Argon2id (argon2-cffi): the current OWASP recommendation,
with parameters that the library keeps up to date and ``check_needs_rehash`` for later.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from itops.db.models import AuditLog, SessionRevocation, User
from itops.errors import ValidationError

logger = logging.getLogger(__name__)

ADMIN = "admin"
IT_OFFICER = "it_officer"
AUDITOR = "auditor"
MONITORING_OFFICER = "monitoring_officer"
ROLES = (ADMIN, IT_OFFICER, AUDITOR, MONITORING_OFFICER)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps a failed login for an unknown user as slow as a real one.

    Computed on first use: hashing at import would cost every CLI command ~0.3 s.
    """
    return _hasher.hash("itops-dummy-password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def audit(
    session: Session,
    at: datetime,
    actor: str | None,
    action: str,
    detail: str = "",
    remote_addr: str | None = None,
) -> None:
    """Append one audit-log row (in the caller's transaction)."""
    session.add(AuditLog(at=at, actor=actor, action=action, detail=detail, remote_addr=remote_addr))


def get_user(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == login))


def add_user(
    session: Session, login: str, role: str, password: str, at: datetime, full_name: str = ""
) -> User:
    if role not in ROLES:
        raise ValidationError(f'unknown role "{role}" (known: {", ".join(ROLES)})')
    if not login or len(login) > 64 or not login.replace("_", "").replace(".", "").isalnum():
        raise ValidationError("a login has 1–64 letters, digits, dots or underscores")
    if get_user(session, login) is not None:
        raise ValidationError(f'user "{login}" already exists')
    user = User(
        login=login,
        full_name=full_name,
        role=role,
        password_hash=hash_password(password),
        disabled=False,
        created_at=at,
        password_changed_at=at,
    )
    session.add(user)
    return user


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The enabled user with this login and password, else None (constant-ish time)."""
    user = get_user(session, login)
    if user is None:
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password) or user.disabled:
        return None
    return user


def revoke_sessions(session: Session, user_id: int, at: datetime) -> None:
    """Void every session of the user started before ``at`` (logout, password change)."""
    row = session.get(SessionRevocation, user_id)
    if row is None:
        session.add(SessionRevocation(user_id=user_id, before=at))
    elif row.before < at:
        row.before = at


def sessions_valid_after(session: Session, user_id: int) -> datetime | None:
    """Sessions of this user started before the returned time are void (None: none are)."""
    row = session.get(SessionRevocation, user_id)
    return row.before if row else None
