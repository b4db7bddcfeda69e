"""Rules of the §82 register: who may write what, the hard gates, corrections.

Everything here runs inside the caller's transaction: a refused entry raises before
anything is added, and a failure later rolls the whole transaction back, so a refusal
never leaves a partial entry. Nothing is ever updated or deleted; a correction is a new
entry of the same kind whose ``corrects_seq`` names the entry it replaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
)
from inventory.register.state import ACT as ACT
from inventory.register.state import AUTHORISATION as AUTHORISATION
from inventory.register.state import KINDS as KINDS
from inventory.register.state import NOTICE as NOTICE
from inventory.register.state import REVOCATION as REVOCATION
from inventory.register.state import Act, RegisterState, load_state
from inventory.register.texts import field, refusal
from itops.auth import ADMIN, AUDITOR, MONITORING_OFFICER
from itops.db.models import Employee, User
from itops.errors import PermissionDenied, ValidationError
from itops.messages import Summary

# §82 ust. 4 and 9: what may be monitored.
SCOPES: tuple[str, ...] = ("computer_content", "work_email", "it_resources", "activity_logs")
# §82 ust. 3: the two statutory purposes (art. 22³ § 1 KP).
PURPOSES: tuple[str, ...] = ("work_organisation", "proper_use")


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

    def __init__(self, gate: str, message: Summary) -> None:
        self.gate = gate
        super().__init__(str(message), message)


# ---------------------------------------------------------------------------------------
# Actors and input
# ---------------------------------------------------------------------------------------


def acting_user(session: Session, login: str | None, roles: Sequence[str], action: str) -> User:
    """The enabled user ``login`` holding one of ``roles``, else ``PermissionDenied``.

    The same test as the dashboard's ``requires(...)`` with the same role tuples: a CLI
    ``--as`` can act only as an enabled user who could do it on the dashboard.
    """
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
        raise ValidationError.of(refusal("register.scope_none", known=", ".join(SCOPES)))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationError.of(
            refusal("register.scope_unknown", unknown=", ".join(unknown), known=", ".join(SCOPES))
        )
    return tuple(scopes)


def _text(name: str, value: str | None, limit: int, required: bool, multiline: bool) -> str:
    """Bounded metadata text: the register refuses content, attachments and control bytes."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError.of(refusal("register.required", name=field(name)))
    if len(value) > limit:
        raise ValidationError.of(
            refusal("register.too_long", name=field(name), length=str(len(value)), limit=str(limit))
        )
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\t" in value)):
        raise ValidationError.of(refusal("register.control", name=field(name)))
    return value


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValidationError.of(refusal("register.needs_zone", name=field(name)))
    return value


def find_employee(session: Session, ref: str | int) -> Employee:
    """An employee by code (e.g. "EMP-TEST-0001") or, failing that, by numeric id."""
    text = str(ref).strip()
    if "\x00" in text or len(text) > 64:  # PostgreSQL text holds no NUL; codes are short
        raise ValidationError.of(refusal("register.employee_bad"))
    found = session.scalar(select(Employee).where(Employee.code == text))
    # ASCII digits within an INTEGER column ("²" is a digit to str.isdigit, not to int()).
    if found is None and text.isascii() and text.isdigit() and len(text) <= 9:
        found = session.get(Employee, int(text))
    if found is None:
        raise ValidationError.of(refusal("register.employee_unknown", text=text))
    return found


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
) -> list[tuple[str, Summary]]:
    """Every hard gate the act fails, as (gate, message); empty when within policy."""
    problems: list[tuple[str, Summary]] = []
    if purpose not in PURPOSES:
        known = ", ".join(PURPOSES)
        problems.append(("purpose", refusal("register.gate.purpose", purpose=purpose, known=known)))
    if end < start:
        problems.append(("time", refusal("register.gate.order")))
    held = [a for a in state.authorisations_of(inspector) if a.covers(start, end, tz)]
    if not held:
        problems.append(
            (
                "authorisation",
                refusal(
                    "register.gate.authorisation",
                    inspector=inspector,
                    start=start.isoformat(),
                    end=end.isoformat(),
                ),
            )
        )
    else:
        covered = {s for a in held for s in a.scopes}
        missing = [s for s in scopes if s not in covered]
        if missing:
            problems.append(
                (
                    "scope",
                    refusal("register.gate.scope", inspector=inspector, missing=", ".join(missing)),
                )
            )
    act_day = start.astimezone(tz).date()
    if not any(n.received_on < act_day for n in state.notices_of(employee_id)):
        problems.append(("notice", refusal("register.gate.notice", day=act_day.isoformat())))
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
        raise ValidationError.of(
            refusal("register.not_kind", seq=str(seq), kind=Summary(f"register.kind.{kind}"))
        )
    if seq in state.superseded:
        newer = max(s for s, r in state.root.items() if r == state.root[seq])
        raise ValidationError.of(refusal("register.corrected", seq=str(seq), newer=str(newer)))
    return entry


def grant(
    session: Session,
    at: datetime,
    admin: str,
    login: str,
    scopes: str | Iterable[str],
    valid_from: date,
    valid_to: date | None = None,
    *,
    os_user: str | None = None,
) -> RegisterEntry:
    """Authorise ``login`` (a monitoring officer) for ``scopes`` (§82 ust. 6–7)."""
    acting_user(session, admin, GRANT_ROLES, "grant an authorisation")
    lock_for_append(session)
    scope_list = parse_scopes(scopes)
    subject = session.scalar(select(User).where(User.login == login))
    if subject is None or subject.disabled:
        raise ValidationError.of(refusal("register.no_user", login=login))
    if subject.role != MONITORING_OFFICER:
        raise ValidationError.of(
            refusal(
                "register.wrong_role", login=login, role=subject.role, needed=MONITORING_OFFICER
            )
        )
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError.of(refusal("register.auth_order"))
    return append(
        session,
        RegisterEntry(
            kind=AUTHORISATION,
            recorded_at=at,
            recorded_by=admin,
            subject_login=login,
            scopes=",".join(scope_list),
            valid_from=valid_from,
            valid_to=valid_to,
            os_user=os_user,
        ),
    )


def revoke(
    session: Session,
    at: datetime,
    admin: str,
    authorisation_seq: int,
    reason: str,
    *,
    os_user: str | None = None,
) -> RegisterEntry:
    """Revoke one authorisation from now on (never backdated: past acts stay valid)."""
    acting_user(session, admin, GRANT_ROLES, "revoke an authorisation")
    lock_for_append(session)
    reason = _text("reason", reason, REASON_LEN, required=True, multiline=False)
    state = load_state(session)
    auth = state.authorisations.get(authorisation_seq)
    if auth is None:
        raise ValidationError.of(refusal("register.not_authorisation", seq=str(authorisation_seq)))
    if auth.revoked_at is not None:
        raise ValidationError.of(
            refusal("register.already_revoked", seq=str(authorisation_seq), on=str(auth.revoked_at))
        )
    return append(
        session,
        RegisterEntry(
            kind=REVOCATION,
            recorded_at=at,
            recorded_by=admin,
            ref_seq=authorisation_seq,
            subject_login=auth.login,
            reason=reason,
            os_user=os_user,
        ),
    )


def revoke_user(
    session: Session,
    at: datetime,
    admin: str,
    login: str,
    reason: str,
    *,
    os_user: str | None = None,
) -> list[RegisterEntry]:
    """Revoke every unrevoked authorisation of ``login``."""
    acting_user(session, admin, GRANT_ROLES, "revoke an authorisation")
    lock_for_append(session)
    open_ones = [a for a in load_state(session).authorisations_of(login) if a.revoked_at is None]
    if not open_ones:
        raise ValidationError.of(refusal("register.nothing_to_revoke", login=login))
    return [revoke(session, at, admin, a.seq, reason, os_user=os_user) for a in open_ones]


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
    *,
    os_user: str | None = None,
) -> RegisterEntry:
    """Record that an employee received the written monitoring information (§82 ust. 10)."""
    acting_user(session, actor, NOTICE_ROLES, "record a notice")
    lock_for_append(session)
    emp = find_employee(session, employee)
    policy = _text("policy version", policy_version, POLICY_LEN, required=True, multiline=False)
    if received_on > (at.astimezone(tz) if tz else at).date():
        raise ValidationError.of(refusal("register.notice_future", day=str(received_on)))
    reason_text = None
    if corrects is not None:
        _current_version(load_state(session), corrects, NOTICE)
        reason_text = _text("reason", reason, REASON_LEN, required=True, multiline=False)
    return append(
        session,
        RegisterEntry(
            kind=NOTICE,
            recorded_at=at,
            recorded_by=actor,
            employee_id=emp.id,
            received_on=received_on,
            policy_version=policy,
            corrects_seq=corrects,
            reason=reason_text,
            os_user=os_user,
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
    *,
    os_user: str | None = None,
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
        raise GateRefused("time", refusal("register.gate.future"))
    state = load_state(session)
    reason_text = None
    if corrects is not None:
        original = _current_version(state, corrects, ACT)
        if original.inspector != inspector:
            raise PermissionDenied.of(
                refusal("register.not_yours", seq=str(corrects), inspector=str(original.inspector))
            )
        reason_text = _text("reason", reason, REASON_LEN, required=True, multiline=False)
    problems = act_problems(state, tz, inspector, emp.id, scopes, act.purpose, start, end)
    if problems:
        gate, message = problems[0]
        raise GateRefused(gate, refusal("register.act_refused", reason=message))
    return append(
        session,
        RegisterEntry(
            kind=ACT,
            recorded_at=at,
            recorded_by=inspector,
            inspector=inspector,
            employee_id=emp.id,
            resource=resource,
            scopes=",".join(scopes),
            purpose=act.purpose,
            justification=justification,
            start=start,
            end=end,
            outcome=outcome,
            corrects_seq=corrects,
            reason=reason_text,
            os_user=os_user,
        ),
    )
