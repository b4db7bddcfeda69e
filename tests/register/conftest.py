"""Fixtures of the §82 register tests: users of every role, employees, a stepping clock,
and (``signed``) an office whose register is signed with a real Ed25519 key file."""

from __future__ import annotations

import functools
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from inventory.register import anchors, retention, seals, service, verification
from inventory.register.signing import SigningKey, configured_key, create_key_file
from itops import auth
from itops.clock import FixedClock
from itops.context import AppContext
from itops.db.models import Employee, User
from itops.db.session import session_scope
from tests.register.tsa_server import tsa, tsa_certs  # noqa: F401 - fixtures

PASSWORD = "haslo-testowe-123"  # invented test password
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@functools.cache
def _password_hash() -> str:
    """Hashed once: Argon2 per user per test would dominate the suite's time."""
    return auth.hash_password(PASSWORD)


LOGINS = {
    "admin": "adam.admin",
    "it_officer": "iwona.it",
    "auditor": "aldona.audyt",
    "monitoring_officer": "marek.monitor",
}


@dataclass
class Office:
    """An office with one user per role and two employees (one without a notice)."""

    ctx: AppContext
    clock: FixedClock
    admin: str = LOGINS["admin"]
    officer: str = LOGINS["monitoring_officer"]
    auditor: str = LOGINS["auditor"]
    it: str = LOGINS["it_officer"]
    jan: str = "EMP-TEST-0001"
    anna: str = "EMP-TEST-0002"

    def grant(
        self, scopes: str = "computer_content,work_email", at: datetime = T0, **kw: object
    ) -> int:
        """Grant the monitoring officer an authorisation, recorded at ``at`` (T0)."""
        with session_scope(self.ctx.sessions) as db:
            entry = service.grant(
                db,
                at,
                self.admin,
                self.officer,
                scopes,
                kw.get("valid_from", date(2026, 11, 1)),  # type: ignore[arg-type]
                kw.get("valid_to"),  # type: ignore[arg-type]
            )
            return entry.seq

    def notice(
        self, employee: str, received_on: date = date(2026, 10, 1), at: datetime = T0
    ) -> int:
        with session_scope(self.ctx.sessions) as db:
            return service.record_notice(
                db, at, self.admin, employee, received_on, "Regulamin 2026"
            ).seq

    def act_input(self, **kw: object) -> service.ActInput:
        values: dict[str, object] = {
            "employee": self.jan,
            "resource": "INV-TEST-0001 (laptop)",
            "scopes": "computer_content",
            "purpose": "proper_use",
            "justification": "Zgłoszenie nieprawidłowego użycia drukarki (dane testowe).",
            "start": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
            "end": datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
            "outcome": "Nie stwierdzono nieprawidłowości.",
        }
        values.update(kw)
        return service.ActInput(**values)  # type: ignore[arg-type]

    def act(self, inspector: str | None = None, **kw: object) -> int:
        with session_scope(self.ctx.sessions) as db:
            return service.record_act(
                db, self.clock.now(), self.tz, inspector or self.officer, self.act_input(**kw)
            ).seq

    @property
    def tz(self):  # type: ignore[no-untyped-def]
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.ctx.settings.office.timezone)

    def configure(self, **register: Any) -> None:
        """Change ``[employee_monitoring]`` keys of this office's settings."""
        settings = self.ctx.settings
        self.ctx.settings = settings.model_copy(
            update={"employee_monitoring": settings.employee_monitoring.model_copy(update=register)}
        )

    @property
    def key(self) -> SigningKey:
        key = configured_key(self.ctx.settings)
        assert key is not None
        return key

    def seal(self) -> anchors.Anchor | None:
        """Sign the head now, as the daemon's periodic job does."""
        with session_scope(self.ctx.sessions) as db:
            return seals.seal_head(db, self.key, self.clock.now(), only_if_moved=False)

    def verify(
        self, given: Sequence[anchors.Anchor] = (), public_key: str | None = None
    ) -> verification.Verification:
        with session_scope(self.ctx.sessions) as db:
            return verification.verify_settings(
                db, self.ctx.settings, self.clock.now(), given, public_key
            )

    def prune(self, actor: str | None = None, **kw: Any) -> retention.PruneResult:
        key = configured_key(self.ctx.settings)
        with session_scope(self.ctx.sessions) as db:
            return retention.prune(
                db, self.ctx.settings, self.clock.now(), actor or self.officer, key, **kw
            )


@pytest.fixture
def office(ctx: AppContext, clock: FixedClock) -> Office:
    """Users and employees created at T0; the clock stays at 2026-11-26 10:00 UTC."""
    return make_office(ctx, clock)


def make_office(ctx: AppContext, clock: FixedClock) -> Office:
    """The ``office`` fixture's data in ``ctx`` (also used by bench/register_attacks.py)."""
    with session_scope(ctx.sessions) as db:
        for role, login in LOGINS.items():
            db.add(
                User(
                    login=login,
                    full_name=f"Test {role}",
                    role=role,
                    password_hash=_password_hash(),
                    disabled=False,
                    created_at=T0,
                    password_changed_at=T0,
                )
            )
        db.add(
            Employee(
                code="EMP-TEST-0001",
                full_name="Jan Testowy",
                unit_id="office",
                position="referent",
                hired_on=date(2020, 3, 1),
            )
        )
        db.add(
            Employee(
                code="EMP-TEST-0002",
                full_name="Anna Przykładowa",
                unit_id="office",
                position="inspektor",
                hired_on=date(2026, 9, 1),
            )
        )
    return Office(ctx, clock)


@pytest.fixture
def signed(office: Office, tmp_path: Path) -> Office:
    """The office with ``signing_key_file`` set to a fresh key (mode 0600)."""
    path = tmp_path / "register-signing.key"
    create_key_file(path)
    office.configure(signing_key_file=path)
    return office


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
