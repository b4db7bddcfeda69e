"""Read models of the §82 register for pages, the CLI and exports (no ORM objects leave).

Every read is logged by the caller with ``log_read`` in the same or an earlier transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.register.models import RegisterEntry, RegisterRead
from inventory.register.state import NOTICE, load_state
from itops.db.models import Employee, User


def log_read(
    session: Session,
    at: datetime,
    actor: str | None,
    channel: str,
    view: str,
    detail: str = "",
    remote_addr: str | None = None,
) -> None:
    """Append who viewed what, when (in the caller's transaction)."""
    session.add(
        RegisterRead(
            at=at,
            actor=actor,
            channel=channel,
            view=view[:64],
            detail=detail[:500],
            remote_addr=remote_addr,
        )
    )


@dataclass(frozen=True)
class EntryRow:
    """One register entry as pages, the CLI and exports show it (no ORM object)."""

    seq: int
    kind: str
    recorded_at: datetime
    recorded_by: str
    os_user: str
    corrects_seq: int | None
    superseded: bool
    subject: str
    employee_code: str
    employee_name: str
    scopes: str
    valid_from: date | None
    valid_to: date | None
    received_on: date | None
    policy_version: str
    resource: str
    purpose: str
    justification: str
    start: datetime | None
    end: datetime | None
    outcome: str
    ref_seq: int | None
    reason: str
    hash: str


def entry_rows(
    session: Session, tz: ZoneInfo, first: date | None = None, last: date | None = None
) -> list[EntryRow]:
    """Entries recorded on local days ``first``..``last`` (all when None), in chain order."""
    state = load_state(session)
    employees = {e.id: e for e in session.scalars(select(Employee))}
    rows: list[EntryRow] = []
    for e in state.entries.values():
        day = e.recorded_at.astimezone(tz).date()
        if (first and day < first) or (last and day > last):
            continue
        emp = employees.get(e.employee_id) if e.employee_id is not None else None
        rows.append(
            EntryRow(
                seq=e.seq,
                kind=e.kind,
                recorded_at=e.recorded_at,
                recorded_by=e.recorded_by,
                os_user=e.os_user or "",
                corrects_seq=e.corrects_seq,
                superseded=e.seq in state.superseded,
                subject=e.subject_login or e.inspector or "",
                employee_code=emp.code if emp else "",
                employee_name=emp.full_name if emp else "",
                scopes=e.scopes or "",
                valid_from=e.valid_from,
                valid_to=e.valid_to,
                received_on=e.received_on,
                policy_version=e.policy_version or "",
                resource=e.resource or "",
                purpose=e.purpose or "",
                justification=e.justification or "",
                start=e.start,
                end=e.end,
                outcome=e.outcome or "",
                ref_seq=e.ref_seq,
                reason=e.reason or "",
                hash=e.hash,
            )
        )
    return rows


@dataclass(frozen=True)
class AuthorisedPerson:
    seq: int
    login: str
    full_name: str
    scopes: tuple[str, ...]
    valid_from: date
    valid_to: date | None
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    active: bool


def authorised_persons(session: Session, now: datetime, tz: ZoneInfo) -> list[AuthorisedPerson]:
    """Every authorisation ever granted, the active ones first (the printable list)."""
    names = {u.login: u.full_name for u in session.scalars(select(User))}
    today = now.astimezone(tz).date()
    out = [
        AuthorisedPerson(
            a.seq,
            a.login,
            names.get(a.login, ""),
            a.scopes,
            a.valid_from,
            a.valid_to,
            a.granted_by,
            a.granted_at,
            a.revoked_at,
            a.revoked_by,
            a.active_on(today, now),
        )
        for a in load_state(session).authorisations.values()
    ]
    return sorted(out, key=lambda p: (not p.active, p.login, p.seq))


@dataclass(frozen=True)
class EmployeeNotice:
    employee_id: int
    code: str
    full_name: str
    unit_id: str
    hired_on: date | None
    received_on: date | None
    policy_version: str
    late: bool


def employees(session: Session) -> list[Employee]:
    return list(session.scalars(select(Employee).order_by(Employee.code)))


def employee_notices(session: Session, on: date) -> list[EmployeeNotice]:
    """Employees employed on ``on`` with their earliest notice (None when missing).

    ``late`` marks a notice received after the employee was admitted to work, which
    §82 ust. 10 forbids.
    """
    state = load_state(session)
    out = []
    for emp in employees(session):
        if (emp.hired_on and emp.hired_on > on) or (emp.left_on and emp.left_on < on):
            continue
        notices = state.notices_of(emp.id)
        first = notices[0] if notices else None
        out.append(
            EmployeeNotice(
                emp.id,
                emp.code,
                emp.full_name,
                emp.unit_id,
                emp.hired_on,
                first.received_on if first else None,
                first.policy_version if first else "",
                bool(first and emp.hired_on and first.received_on > emp.hired_on),
            )
        )
    return out


def notice_dates(session: Session) -> dict[int, date]:
    """``{employee id: earliest notice received}`` over the notices in force.

    The date ``employee_notices`` shows and the act gate judges (corrections applied),
    read with one query over the notice entries only: the inventory's pages show it.
    """
    rows = session.execute(
        select(
            RegisterEntry.seq,
            RegisterEntry.corrects_seq,
            RegisterEntry.employee_id,
            RegisterEntry.received_on,
        )
        .where(RegisterEntry.kind == NOTICE)
        .order_by(RegisterEntry.seq)
    ).all()
    known: set[int] = set()
    superseded: set[int] = set()
    for seq, corrects, _emp, _day in rows:
        if corrects is not None and corrects in known:
            superseded.add(corrects)
        known.add(seq)
    out: dict[int, date] = {}
    for seq, _corrects, emp, day in rows:
        if seq in superseded or emp is None or day is None:
            continue
        out[emp] = min(out.get(emp, day), day)
    return out
