"""``itops user …``: role change, enable, unlock and list, each audited (real subprocess)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from itops.context import AppContext
from itops.db.models import AuditLog, User
from itops.db.session import session_scope
from itops.web import throttle
from tests.conftest import write_config

from .browser import ITOPS, _env

pytestmark = [pytest.mark.slow]


@pytest.fixture
def config(ctx: AppContext, tmp_path: Path, users: dict[str, str]) -> str:
    return str(write_config(tmp_path / "itops.toml", ctx.settings.storage.url))


def itops(config: str, *args: str) -> str:
    done = subprocess.run(
        [ITOPS, "--config", config, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_role_change_from_the_cli_is_audited(
    config: str, ctx: AppContext, users: dict[str, str]
) -> None:
    itops(config, "user", "role", users["auditor"], "it_officer")
    with session_scope(ctx.sessions) as db:
        user = db.scalar(select(User).where(User.login == users["auditor"]))
        assert user is not None and user.role == "it_officer"
        audit = db.scalar(select(AuditLog).where(AuditLog.action == "user_role"))
        assert audit is not None and "auditor -> it_officer" in audit.detail


def test_unlock_from_the_cli_clears_the_lockout(
    config: str, ctx: AppContext, users: dict[str, str]
) -> None:
    key = throttle.login_key(users["admin"])
    with session_scope(ctx.sessions) as db:
        throttle.record_failure(db, key, 1, ctx.settings.web, ctx.clock.now())
    itops(config, "user", "unlock", users["admin"])
    with session_scope(ctx.sessions) as db:
        assert throttle.locked(db, [key], ctx.clock.now()) is None


def test_disable_then_enable_from_the_cli(
    config: str, ctx: AppContext, users: dict[str, str]
) -> None:
    itops(config, "user", "disable", users["auditor"])
    with session_scope(ctx.sessions) as db:
        user = db.scalar(select(User).where(User.login == users["auditor"]))
        assert user is not None and user.disabled
    itops(config, "user", "enable", users["auditor"])
    with session_scope(ctx.sessions) as db:
        user = db.scalar(select(User).where(User.login == users["auditor"]))
        assert user is not None and not user.disabled
        actions = db.scalars(select(AuditLog.action)).all()
        assert "user_disabled" in actions and "user_enabled" in actions


def test_list_shows_every_user_with_role_and_state(config: str, users: dict[str, str]) -> None:
    listing = itops(config, "user", "list")
    for role, login in users.items():
        assert f"{login}\t{role}\tenabled" in listing


def test_password_change_from_the_cli_ends_open_sessions(
    config: str, ctx: AppContext, users: dict[str, str], tmp_path: Path
) -> None:
    from itops.db.models import SessionRevocation

    secret = tmp_path / "new-password.txt"
    secret.write_text("Nowe-Haslo-Testowe-9", encoding="utf-8")
    itops(config, "user", "passwd", users["auditor"], "--password-file", str(secret))
    with session_scope(ctx.sessions) as db:
        user = db.scalar(select(User).where(User.login == users["auditor"]))
        assert user is not None and db.get(SessionRevocation, user.id) is not None
