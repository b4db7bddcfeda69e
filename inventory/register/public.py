"""What other features may use from the §82 register: counts for the annual report, the
register's part of the DEMO office (``seed_demo``) and the employees' monitoring notices
(the inventory shows them and records one when an employee is added with its date).

Counts, the chain's verdict, the public signing key, the newest signed head and the
notice dates by employee id: no names, logins or employee codes leave through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from inventory.register import queries, seals, service, verification
from inventory.register.config import EMPLOYEE_MONITORING
from inventory.register.demo import seed_demo
from inventory.register.demo import tables_with_data as demo_tables_with_data
from inventory.register.identity import os_identity
from inventory.register.signing import KeyFileError, configured_key
from inventory.register.state import load_state
from itops.config import Settings

__all__ = [
    "EMPLOYEE_MONITORING",
    "NOTICE_ROLES",
    "NoticeInput",
    "RegisterSummary",
    "annual_summary",
    "demo_tables_with_data",
    "notice_dates",
    "os_identity",
    "record_notice",
    "seed_demo",
]

# Who may record a notice (the register's own rule, on every channel).
NOTICE_ROLES: tuple[str, ...] = service.NOTICE_ROLES


def notice_dates(session: Session) -> dict[int, date]:
    """``{employee id: the earliest monitoring notice in force}`` (one query).

    The one source of an employee's notice date: the register's notice entries, the
    same date the act gate judges and ``itops register notices`` prints.
    """
    return queries.notice_dates(session)


@dataclass(frozen=True)
class NoticeInput:
    """A notice recorded with an employee: who records it, when, and the policy version
    (empty: ``[employee_monitoring] policy_version`` of the config)."""

    received_on: date
    actor: str
    at: datetime
    policy_version: str = ""
    os_user: str | None = None


def record_notice(
    session: Session, settings: Settings, employee_code: str, notice: NoticeInput
) -> int:
    """Append the employee's notice entry (the register's gates and chain) in the
    caller's transaction; returns its ``seq``."""
    policy = notice.policy_version or settings.section(EMPLOYEE_MONITORING).policy_version
    entry = service.record_notice(
        session,
        notice.at,
        notice.actor,
        employee_code,
        notice.received_on,
        policy,
        tz=ZoneInfo(settings.office.timezone),
        os_user=notice.os_user,
    )
    return entry.seq


@dataclass(frozen=True)
class RegisterSummary:
    """The register's year for the quality report.

    ``acts_per_month`` has keys 1–12 (month of the act's start, office time zone);
    ``acts_per_scope`` has every scope of ``service.SCOPES`` as key (an act with two
    scopes counts once under each). Corrected acts count once, in their latest version.
    ``employees_without_notice`` counts employees employed at some time in the year
    who had no notice received by 31 December. ``chain_verified`` and ``head_hash``
    describe the whole register at the time of the call.
    """

    year: int
    acts_total: int
    acts_per_month: dict[int, int]
    acts_per_scope: dict[str, int]
    acts_outside_policy: int
    all_within_policy: bool
    employees_without_notice: int
    chain_verified: bool
    head_seq: int | None
    head_hash: str | None


def annual_summary(
    session: Session, settings: Settings, year: int, now: datetime | None = None
) -> RegisterSummary:
    """Summarise ``year``; every act is re-checked against the register's current data.

    ``now`` is the moment the chain is verified at (signed heads must be recent).
    """
    tz = ZoneInfo(settings.office.timezone)
    state = load_state(session)
    per_month = dict.fromkeys(range(1, 13), 0)
    per_scope = dict.fromkeys(service.SCOPES, 0)
    total = outside = 0
    for act in state.acts.values():
        start = act.start.astimezone(tz)
        if start.year != year:
            continue
        total += 1
        per_month[start.month] += 1
        for scope in act.scopes:
            per_scope[scope] = per_scope.get(scope, 0) + 1
        if not service.within_policy(state, tz, act):
            outside += 1
    first, last = date(year, 1, 1), date(year, 12, 31)
    without = 0
    for emp in queries.employees(session):
        if (emp.hired_on and emp.hired_on > last) or (emp.left_on and emp.left_on < first):
            continue
        if not any(n.received_on <= last for n in state.notices_of(emp.id)):
            without += 1
    from itops.clock import SystemClock

    result = verification.verify_settings(session, settings, now or SystemClock().now())
    return RegisterSummary(
        year=year,
        acts_total=total,
        acts_per_month=per_month,
        acts_per_scope=per_scope,
        acts_outside_policy=outside,
        all_within_policy=outside == 0,
        employees_without_notice=without,
        chain_verified=result.ok,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
    )


@dataclass(frozen=True)
class SigningSummary:
    """The register's public key and newest signed head, for printed reports.

    All None when no signing key is configured (``key_problem`` says so when one is
    configured but unusable). ``anchor_text`` is the one-line anchor a reader can pass
    to ``itops register verify --anchor``.
    """

    public_key: str | None
    fingerprint: str | None
    head_seq: int | None
    head_hash: str | None
    signed_at: datetime | None
    signature: str | None
    anchor_text: str | None
    key_problem: str = ""


def signing_summary(session: Session, settings: Settings) -> SigningSummary:
    """The public key (never the private one) and the newest genuine signed head."""
    try:
        key = configured_key(settings)
    except KeyFileError as exc:
        return SigningSummary(None, None, None, None, None, None, None, str(exc))
    if key is None:
        return SigningSummary(None, None, None, None, None, None, None)
    head = seals.latest(session, key.public, settings.office.name)
    return SigningSummary(
        key.public.text,
        key.public.fingerprint,
        head.seq if head else None,
        head.hash if head else None,
        head.anchored_at if head else None,
        head.signature if head else None,
        head.text() if head else None,
    )
