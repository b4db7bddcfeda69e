"""Rules of the §82 register: who may write what, the hard gates, corrections, reads.

Everything here runs inside the caller's transaction: a refused entry raises before
anything is added, and a failure later rolls the whole transaction back, so a refusal
never leaves a partial entry. Nothing is ever updated or deleted; a correction is a new
entry of the same kind whose ``corrects_seq`` names the entry it replaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.register.chain import append, lock_for_append
from inventory.register.models import (
    JUSTIFICATION_LEN,
    OUTCOME_LEN,
    POLICY_LEN,
    REASON_LEN,
    RESOURCE_LEN,
    RegisterEntry,
    RegisterRead,
)
from itops.auth import ADMIN, AUDITOR, MONITORING_OFFICER
from itops.db.models import Employee, User
from itops.errors import PermissionDenied, ValidationError

# §82 ust. 4 and 9: what may be monitored.
SCOPES: tuple[str, ...] = ("computer_content", "work_email", "it_resources", "activity_logs")
# §82 ust. 3: the two statutory purposes (art. 22³ § 1 KP).
PURPOSES: tuple[str, ...] = ("work_organisation", "proper_use")

AUTHORISATION, REVOCATION, NOTICE, ACT = "authorisation", "revocation", "notice", "act"
KINDS = (AUTHORISATION, REVOCATION, NOTICE, ACT)

# Polish labels of the stored codes (the dashboard translates them like any Polish text).
LABELS: dict[str, str] = {
    AUTHORISATION: "upoważnienie",
    REVOCATION: "cofnięcie upoważnienia",
    NOTICE: "informacja o monitoringu",
    ACT: "czynność kontrolna",
    "checkpoint": "punkt kontrolny retencji (usunięcie wpisów po okresie przechowywania)",
    "computer_content": "zawartość komputera",
    "work_email": "poczta służbowa",
    "it_resources": "inne zasoby informatyczne",
    "activity_logs": "logi aktywności",
    "work_organisation": "organizacja pracy (pełne wykorzystanie czasu pracy)",
    "proper_use": "właściwe użytkowanie narzędzi pracy",
}

# Who may do what (checked in the CLI, the web pages and the API alike).
READ_ROLES: tuple[str, ...] = (MONITORING_OFFICER, AUDITOR)
AUTHORISED_LIST_ROLES: tuple[str, ...] = (MONITORING_OFFICER, AUDITOR, ADMIN)
NOTICE_READ_ROLES: tuple[str, ...] = (MONITORING_OFFICER, AUDITOR, ADMIN)
GRANT_ROLES: tuple[str, ...] = (ADMIN,)
NOTICE_ROLES: tuple[str, ...] = (ADMIN, MONITORING_OFFICER)
ACT_ROLES: tuple[str, ...] = (MONITORING_OFFICER,)
PRUNE_ROLES: tuple[str, ...] = (ADMIN, MONITORING_OFFICER)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class GateRefused(ValidationError):
    """A hard gate of the register refused an entry; nothing was written."""

    def __init__(self, gate: str, message: str) -> None:
        self.gate = gate
        super().__init__(message)


# ---------------------------------------------------------------------------------------
# Actors and input
# ---------------------------------------------------------------------------------------


def acting_user(session: Session, login: str | None, roles: Sequence[str], action: str) -> User:
    """The enabled user ``login`` holding one of ``roles``, else ``PermissionDenied``."""
    if not login:
        raise PermissionDenied(f"{action}: name the acting user (--as LOGIN)")
    user = session.scalar(select(User).where(User.login == login))
    if user is None or user.disabled:
        raise PermissionDenied(f'{action}: no enabled user "{login}"')
    if user.role not in roles:
        raise PermissionDenied(
            f'{action}: user "{login}" has the role {user.role}; needs {" or ".join(roles)}'
        )
    return user


def parse_scopes(value: str | Iterable[str]) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    scopes = sorted({s.strip() for s in items if s.strip()})
    if not scopes:
        raise ValidationError(f"name at least one scope ({', '.join(SCOPES)})")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationError(
            f"unknown scope {', '.join(unknown)} (known: {', '.join(SCOPES)})"
        )
    return tuple(scopes)


def _text(name: str, value: str | None, limit: int, required: bool, multiline: bool) -> str:
    """Bounded metadata text: the register refuses content, attachments and control bytes."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"{name} is required")
    if len(value) > limit:
        raise ValidationError(
            f"{name} has {len(value)} characters; the register keeps metadata only "
            f"(at most {limit}), never content or attachments"
        )
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\t" in value)):
        raise ValidationError(f"{name} contains control characters or line breaks")
    return value


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValidationError(f"{name} needs a time zone (e.g. 2026-11-20T09:00+01:00)")
    return value


def find_employee(session: Session, ref: str | int) -> Employee:
    """An employee by code (e.g. "EMP-TEST-0001") or, failing that, by numeric id."""
    text = str(ref).strip()
    found = session.scalar(select(Employee).where(Employee.code == text))
    if found is None and text.isdigit():
        found = session.get(Employee, int(text))
    if found is None:
        raise ValidationError(f'no employee "{text}" (give the employee code or id)')
    return found


# ---------------------------------------------------------------------------------------
# The register's current state (every record in its latest corrected version)
# ---------------------------------------------------------------------------------------


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
        return in_dates and self.granted_at <= at and (
            self.revoked_at is None or at < self.revoked_at
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
                e.seq, root, e.employee_id, e.received_on, e.policy_version or "",
                e.recorded_by, e.recorded_at,
            )
        elif e.kind == ACT and e.employee_id is not None and e.start and e.end:
            state.acts[root] = Act(
                e.seq, root, e.inspector or "", e.employee_id, e.resource or "",
                tuple((e.scopes or "").split(",")), e.purpose or "", e.justification or "",
                e.start, e.end, e.outcome or "", e.recorded_by, e.recorded_at,
            )
    for e in rows:
        if e.kind == REVOCATION and e.ref_seq in state.authorisations:
            auth = state.authorisations[e.ref_seq]
            if auth.revoked_at is None:
                state.authorisations[e.ref_seq] = replace(
                    auth, revoked_at=e.recorded_at, revoked_by=e.recorded_by,
                    revoke_reason=e.reason,
                )
    return state


# ---------------------------------------------------------------------------------------
# Gates
# ---------------------------------------------------------------------------------------


def act_problems(
    state: RegisterState,
    tz: ZoneInfo,
    inspector: str,
    employee_id: int,
    scopes: Sequence[str],
    purpose: str,
    start: datetime,
    end: datetime,
) -> list[tuple[str, str]]:
    """Every hard gate the act fails, as (gate, message); empty when within policy."""
    problems: list[tuple[str, str]] = []
    if purpose not in PURPOSES:
        problems.append(
            ("purpose", f'purpose "{purpose}" is not a statutory purpose of §82 ust. 3 '
                        f"(one of: {', '.join(PURPOSES)})")
        )
    if end < start:
        problems.append(("time", "the act ends before it starts"))
    held = [a for a in state.authorisations_of(inspector) if a.covers(start, end, tz)]
    if not held:
        problems.append(
            ("authorisation",
             f'"{inspector}" holds no authorisation valid for the whole act '
             f"({start.isoformat()} – {end.isoformat()}): not granted, not yet valid, "
             "expired or revoked")
        )
    else:
        covered = {s for a in held for s in a.scopes}
        missing = [s for s in scopes if s not in covered]
        if missing:
            problems.append(
                ("scope", f'the authorisation of "{inspector}" does not cover '
                          f"{', '.join(missing)}")
            )
    act_day = start.astimezone(tz).date()
    if not any(n.received_on < act_day for n in state.notices_of(employee_id)):
        problems.append(
            ("notice", "the employee has no monitoring notice received before "
                       f"{act_day.isoformat()} (§82 ust. 10, §8 ust. 1 pkt 7)")
        )
    return problems


def within_policy(state: RegisterState, tz: ZoneInfo, act: Act) -> bool:
    return not act_problems(
        state, tz, act.inspector, act.employee_id, act.scopes, act.purpose, act.start, act.end
    )


# ---------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------


def _current_version(state: RegisterState, seq: int, kind: str) -> RegisterEntry:
    entry = state.entries.get(seq)
    if entry is None or entry.kind != kind:
        raise ValidationError(f"entry #{seq} is not a {kind} of the register")
    if seq in state.superseded:
        newer = max(s for s, r in state.root.items() if r == state.root[seq])
        raise ValidationError(f"entry #{seq} was already corrected; correct #{newer} instead")
    return entry


def grant(
    session: Session,
    at: datetime,
    admin: str,
    login: str,
    scopes: str | Iterable[str],
    valid_from: date,
    valid_to: date | None = None,
) -> RegisterEntry:
    """Authorise ``login`` (a monitoring officer) for ``scopes`` (§82 ust. 6–7)."""
    acting_user(session, admin, GRANT_ROLES, "grant an authorisation")
    lock_for_append(session)
    scope_list = parse_scopes(scopes)
    subject = session.scalar(select(User).where(User.login == login))
    if subject is None or subject.disabled:
        raise ValidationError(f'no enabled user "{login}" to authorise')
    if subject.role != MONITORING_OFFICER:
        raise ValidationError(
            f'user "{login}" has the role {subject.role}; only a {MONITORING_OFFICER} '
            "can be authorised to monitor"
        )
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError("the authorisation ends before it starts")
    return append(
        session,
        RegisterEntry(
            kind=AUTHORISATION, recorded_at=at, recorded_by=admin, subject_login=login,
            scopes=",".join(scope_list), valid_from=valid_from, valid_to=valid_to,
        ),
    )


def revoke(
    session: Session, at: datetime, admin: str, authorisation_seq: int, reason: str
) -> RegisterEntry:
    """Revoke one authorisation from now on (never backdated: past acts stay valid)."""
    acting_user(session, admin, GRANT_ROLES, "revoke an authorisation")
    lock_for_append(session)
    reason = _text("reason", reason, REASON_LEN, required=True, multiline=False)
    state = load_state(session)
    auth = state.authorisations.get(authorisation_seq)
    if auth is None:
        raise ValidationError(f"entry #{authorisation_seq} is not an authorisation")
    if auth.revoked_at is not None:
        raise ValidationError(
            f"authorisation #{authorisation_seq} was already revoked on {auth.revoked_at}"
        )
    return append(
        session,
        RegisterEntry(
            kind=REVOCATION, recorded_at=at, recorded_by=admin, ref_seq=authorisation_seq,
            subject_login=auth.login, reason=reason,
        ),
    )


def revoke_user(
    session: Session, at: datetime, admin: str, login: str, reason: str
) -> list[RegisterEntry]:
    """Revoke every unrevoked authorisation of ``login``."""
    acting_user(session, admin, GRANT_ROLES, "revoke an authorisation")
    lock_for_append(session)
    open_ones = [a for a in load_state(session).authorisations_of(login) if a.revoked_at is None]
    if not open_ones:
        raise ValidationError(f'"{login}" holds no unrevoked authorisation')
    return [revoke(session, at, admin, a.seq, reason) for a in open_ones]


def record_notice(
    session: Session,
    at: datetime,
    actor: str,
    employee: str | int,
    received_on: date,
    policy_version: str,
    corrects: int | None = None,
    reason: str | None = None,
    tz: ZoneInfo | None = None,
) -> RegisterEntry:
    """Record that an employee received the written monitoring information (§82 ust. 10)."""
    acting_user(session, actor, NOTICE_ROLES, "record a notice")
    lock_for_append(session)
    emp = find_employee(session, employee)
    policy = _text("policy version", policy_version, POLICY_LEN, required=True, multiline=False)
    if received_on > (at.astimezone(tz) if tz else at).date():
        raise ValidationError(f"the notice date {received_on} is in the future")
    reason_text = None
    if corrects is not None:
        _current_version(load_state(session), corrects, NOTICE)
        reason_text = _text("reason", reason, REASON_LEN, required=True, multiline=False)
    return append(
        session,
        RegisterEntry(
            kind=NOTICE, recorded_at=at, recorded_by=actor, employee_id=emp.id,
            received_on=received_on, policy_version=policy, corrects_seq=corrects,
            reason=reason_text,
        ),
    )


@dataclass(frozen=True)
class ActInput:
    """The metadata of one inspection act: nothing else is accepted."""

    employee: str | int
    resource: str
    scopes: str | Sequence[str]
    purpose: str
    justification: str
    start: datetime
    end: datetime
    outcome: str


def record_act(
    session: Session,
    at: datetime,
    tz: ZoneInfo,
    inspector: str,
    act: ActInput,
    corrects: int | None = None,
    reason: str | None = None,
) -> RegisterEntry:
    """Record an inspection act after every hard gate passed; else ``GateRefused``.

    The inspector is the acting user. A correction may only be made by the inspector
    of the corrected act and passes the same gates.
    """
    acting_user(session, inspector, ACT_ROLES, "record an inspection act")
    # Lock before reading the state the gates judge: a revocation committed meanwhile
    # must be seen (PostgreSQL READ COMMITTED would otherwise judge a stale snapshot).
    lock_for_append(session)
    emp = find_employee(session, act.employee)
    resource = _text("resource", act.resource, RESOURCE_LEN, required=True, multiline=False)
    justification = _text(
        "justification", act.justification, JUSTIFICATION_LEN, required=True, multiline=True
    )
    outcome = _text("outcome", act.outcome, OUTCOME_LEN, required=True, multiline=True)
    scopes = parse_scopes(act.scopes)
    start, end = _aware("start", act.start), _aware("end", act.end)
    if end > at:
        raise GateRefused("time", "an act is recorded after it ends; its end is in the future")
    state = load_state(session)
    reason_text = None
    if corrects is not None:
        original = _current_version(state, corrects, ACT)
        if original.inspector != inspector:
            raise PermissionDenied(
                f"act #{corrects} was recorded by {original.inspector}; only they may correct it"
            )
        reason_text = _text("reason", reason, REASON_LEN, required=True, multiline=False)
    problems = act_problems(state, tz, inspector, emp.id, scopes, act.purpose, start, end)
    if problems:
        gate, message = problems[0]
        raise GateRefused(gate, f"act refused: {message}")
    return append(
        session,
        RegisterEntry(
            kind=ACT, recorded_at=at, recorded_by=inspector, inspector=inspector,
            employee_id=emp.id, resource=resource, scopes=",".join(scopes),
            purpose=act.purpose, justification=justification, start=start, end=end,
            outcome=outcome, corrects_seq=corrects, reason=reason_text,
        ),
    )


# ---------------------------------------------------------------------------------------
# Reads (every one is logged)
# ---------------------------------------------------------------------------------------


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
            at=at, actor=actor, channel=channel, view=view[:64], detail=detail[:500],
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
                seq=e.seq, kind=e.kind, recorded_at=e.recorded_at, recorded_by=e.recorded_by,
                corrects_seq=e.corrects_seq, superseded=e.seq in state.superseded,
                subject=e.subject_login or e.inspector or "",
                employee_code=emp.code if emp else "", employee_name=emp.full_name if emp else "",
                scopes=e.scopes or "", valid_from=e.valid_from, valid_to=e.valid_to,
                received_on=e.received_on, policy_version=e.policy_version or "",
                resource=e.resource or "", purpose=e.purpose or "",
                justification=e.justification or "", start=e.start, end=e.end,
                outcome=e.outcome or "", ref_seq=e.ref_seq, reason=e.reason or "", hash=e.hash,
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
            a.seq, a.login, names.get(a.login, ""), a.scopes, a.valid_from, a.valid_to,
            a.granted_by, a.granted_at, a.revoked_at, a.revoked_by, a.active_on(today, now),
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
                emp.id, emp.code, emp.full_name, emp.unit_id, emp.hired_on,
                first.received_on if first else None, first.policy_version if first else "",
                bool(first and emp.hired_on and first.received_on > emp.hired_on),
            )
        )
    return out
