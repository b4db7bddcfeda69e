"""PostgreSQL roles (docs/register.md), created for real in the test database.

The dashboard's role, with the GRANTs ``itops register grants`` prints, appends to the
register but cannot DELETE, UPDATE or TRUNCATE it; the prune role prunes lawfully and
the DELETE trigger refuses it anything else. SQLite has no roles: there the triggers
(tests/register/test_register_triggers.py) and the signatures are the defence.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from inventory.register import retention, roles, service
from itops.context import AppContext
from itops.db.session import make_engine, make_sessionmaker, session_scope
from itops.errors import PermissionDenied
from tests.register import attacks
from tests.register.attacks import OLD
from tests.register.conftest import T0, Office


@dataclass
class Roles:
    service_url: str
    prune_url: str
    service: Engine


@pytest.fixture
def pg_roles(signed: Office) -> Iterator[Roles]:
    owner = signed.ctx.engine
    assert owner.dialect.name == "postgresql", "mark the test @pytest.mark.engine('postgresql')"
    tag = uuid.uuid4().hex[:10]
    svc, prune = f"itops_svc_{tag}", f"itops_prune_{tag}"
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {svc} LOGIN"))
        conn.execute(text(f"CREATE ROLE {prune} LOGIN"))
        conn.execute(text(roles.grants_sql(svc, prune)))

    def url(role: str) -> str:
        return make_url(owner.url).set(username=role).render_as_string(hide_password=False)

    engine = make_engine(url(svc))
    yield Roles(url(svc), url(prune), engine)
    engine.dispose()
    with owner.begin() as conn:
        for role in (svc, prune):
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


def _as_service(signed: Office, roles_: Roles) -> AppContext:
    return AppContext(
        settings=signed.ctx.settings,
        config_path=signed.ctx.config_path,
        engine=roles_.service,
        sessions=make_sessionmaker(roles_.service),
        clock=signed.clock,
    )


def _refused(engine: Engine, statement: str) -> str:
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    except DBAPIError as exc:
        return str(exc.orig)
    return ""


# Database roles are PostgreSQL's; on SQLite the triggers are the defence.
@pytest.mark.engine("postgresql")
def test_the_service_role_appends_but_can_never_delete_update_or_truncate(
    signed: Office, pg_roles: Roles
) -> None:
    ctx = _as_service(signed, pg_roles)
    with session_scope(ctx.sessions) as db:  # the dashboard's own writes still work
        service.grant(db, T0, signed.admin, signed.officer, "work_email", date(2026, 11, 1))
        service.record_notice(db, T0, signed.admin, signed.jan, date(2026, 10, 1), "test")
    for statement in (
        "DELETE FROM register_entry",
        "TRUNCATE register_entry",
        "UPDATE register_entry SET reason = 'x'",
        "DELETE FROM register_seal",
        "DELETE FROM register_read_log",
    ):
        assert "permission denied" in _refused(pg_roles.service, statement), statement
    assert signed.verify().count == 2


# Database roles are PostgreSQL's; on SQLite the triggers are the defence.
@pytest.mark.engine("postgresql")
def test_the_issue_attack_with_the_service_role_gets_permission_denied(
    signed: Office, pg_roles: Roles
) -> None:
    scene = attacks.seed(signed)
    scene.sql = pg_roles.service
    by_role = attacks.wipe_under_forged_checkpoint(scene)[0]
    assert "permission denied" in by_role.refused


# Database roles are PostgreSQL's; on SQLite the triggers are the defence.
@pytest.mark.engine("postgresql")
def test_the_prune_role_prunes_lawfully_and_nothing_more(signed: Office, pg_roles: Roles) -> None:
    signed.grant(at=OLD, valid_from=date(2015, 3, 1), valid_to=date(2015, 12, 31))
    signed.grant()
    signed.notice(signed.jan)
    signed.configure(prune_url=pg_roles.prune_url)
    engine, sessions = retention.prune_sessions(signed.ctx)
    try:
        with session_scope(sessions) as db:
            result = retention.prune(
                db, signed.ctx.settings, signed.clock.now(), signed.officer, signed.key
            )
        assert result.count == 1 and result.checkpoint_seq == 4
        # the role may DELETE, but only what the trigger allows
        refused = _refused(engine, "DELETE FROM register_entry")
        assert "append-only" in refused and "permission denied" not in refused
        assert "permission denied" in _refused(engine, "UPDATE register_entry SET reason = 'x'")
        assert "permission denied" in _refused(engine, "TRUNCATE register_entry")
    finally:
        engine.dispose()
    signed.seal()
    assert signed.verify().ok


# Database roles are PostgreSQL's; on SQLite the triggers are the defence.
@pytest.mark.engine("postgresql")
def test_a_prune_under_the_service_role_says_to_use_the_prune_role(
    signed: Office, pg_roles: Roles
) -> None:
    signed.grant(at=OLD, valid_from=date(2015, 3, 1), valid_to=date(2015, 12, 31))
    signed.grant()
    ctx = _as_service(signed, pg_roles)
    with pytest.raises(PermissionDenied, match="prune role"), session_scope(ctx.sessions) as db:
        retention.prune(db, ctx.settings, signed.clock.now(), signed.officer, signed.key)
    assert signed.verify().count == 2
