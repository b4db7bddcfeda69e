"""The §82 register's current state: every record in its latest corrected version.

Computed from the whole chain on each call (the register is small). Pure reading: the
gates (``service``), the read models (``queries``), retention and the annual summary all
judge this one view, so they never disagree about what is in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.register.models import RegisterEntry

AUTHORISATION, REVOCATION, NOTICE, ACT = "authorisation", "revocation", "notice", "act"
KINDS = (AUTHORISATION, REVOCATION, NOTICE, ACT)


@dataclass(frozen=True)
class Authorisation:
    seq: int
    login: str
    scopes: tuple[str, ...]
    valid_from: date
    valid_to: date | None
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None

    def active_on(self, day: date, at: datetime) -> bool:
        """Within its dates on ``day`` and neither revoked nor not yet recorded at ``at``."""
        in_dates = self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
        return (
            in_dates and self.granted_at <= at and (self.revoked_at is None or at < self.revoked_at)
        )

    def covers(self, start: datetime, end: datetime, tz: ZoneInfo) -> bool:
        """Recorded before ``start``, within its dates and unrevoked for all of start..end."""
        if self.granted_at > start:
            return False
        if self.revoked_at is not None and end >= self.revoked_at:
            return False
        first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
        return self.valid_from <= first and (self.valid_to is None or last <= self.valid_to)


@dataclass(frozen=True)
class Notice:
    seq: int
    root_seq: int
    employee_id: int
    received_on: date
    policy_version: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Act:
    seq: int
    root_seq: int
    inspector: str
    employee_id: int
    resource: str
    scopes: tuple[str, ...]
    purpose: str
    justification: str
    start: datetime
    end: datetime
    outcome: str
    recorded_by: str
    recorded_at: datetime


@dataclass
class RegisterState:
    """Latest version of every record, computed from the whole chain (it is small)."""

    entries: dict[int, RegisterEntry] = field(default_factory=dict)
    root: dict[int, int] = field(default_factory=dict)
    superseded: set[int] = field(default_factory=set)
    authorisations: dict[int, Authorisation] = field(default_factory=dict)
    notices: dict[int, Notice] = field(default_factory=dict)
    acts: dict[int, Act] = field(default_factory=dict)

    def notices_of(self, employee_id: int) -> list[Notice]:
        return sorted(
            (n for n in self.notices.values() if n.employee_id == employee_id),
            key=lambda n: n.received_on,
        )

    def authorisations_of(self, login: str) -> list[Authorisation]:
        return [a for a in self.authorisations.values() if a.login == login]


def load_state(session: Session) -> RegisterState:
    state = RegisterState()
    rows = list(session.scalars(select(RegisterEntry).order_by(RegisterEntry.seq)))
    for e in rows:
        state.entries[e.seq] = e
        if e.corrects_seq is not None and e.corrects_seq in state.root:
            state.root[e.seq] = state.root[e.corrects_seq]
            state.superseded.add(e.corrects_seq)
        else:
            state.root[e.seq] = e.seq
    for e in rows:
        if e.seq in state.superseded:
            continue
        root = state.root[e.seq]
        if e.kind == AUTHORISATION:
            state.authorisations[root] = Authorisation(
                seq=root,
                login=e.subject_login or "",
                scopes=tuple((e.scopes or "").split(",")),
                valid_from=e.valid_from or date.min,
                valid_to=e.valid_to,
                granted_by=e.recorded_by,
                granted_at=e.recorded_at,
            )
        elif e.kind == NOTICE and e.employee_id is not None and e.received_on is not None:
            state.notices[root] = Notice(
                e.seq,
                root,
                e.employee_id,
                e.received_on,
                e.policy_version or "",
                e.recorded_by,
                e.recorded_at,
            )
        elif e.kind == ACT and e.employee_id is not None and e.start and e.end:
            state.acts[root] = Act(
                e.seq,
                root,
                e.inspector or "",
                e.employee_id,
                e.resource or "",
                tuple((e.scopes or "").split(",")),
                e.purpose or "",
                e.justification or "",
                e.start,
                e.end,
                e.outcome or "",
                e.recorded_by,
                e.recorded_at,
            )
    for e in rows:
        if e.kind == REVOCATION and e.ref_seq in state.authorisations:
            auth = state.authorisations[e.ref_seq]
            if auth.revoked_at is None:
                state.authorisations[e.ref_seq] = replace(
                    auth,
                    revoked_at=e.recorded_at,
                    revoked_by=e.recorded_by,
                    revoke_reason=e.reason,
                )
    return state
