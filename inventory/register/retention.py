"""Retention of the §82 register: prune old, finished entries without breaking the chain.

Rules (``[employee_monitoring] retention_years``, at least 2):
- the cut is local 1 January of (this year - retention_years), and never later than
  1 January of last year, so the year the annual report covers is always kept ("this
  year" is the smaller of the local and the UTC year: the database trigger knows UTC);
- only a prefix of the chain is removed, so the kept part stays one unbroken chain; the
  prefix stops at the first entry recorded on or after the cut or still in force: an
  authorisation not revoked/expired before the cut, a notice of an employee who had not
  left before it (the gates still need both), an act that ended on or after it;
- a prune needs the signing key: it appends a ``checkpoint`` entry and its signed facts
  (``inventory.register.checkpoints``), then deletes the prefix. The database's DELETE
  trigger judges every deleted row against those facts and the database clock, so a
  forged checkpoint cannot take more than the law allows, and ``verify`` refuses any
  checkpoint the key did not sign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from inventory.register import chain, checkpoints
from inventory.register.config import EMPLOYEE_MONITORING
from inventory.register.models import RegisterEntry
from inventory.register.signing import SigningKey
from inventory.register.state import (
    ACT,
    AUTHORISATION,
    NOTICE,
    REVOCATION,
    RegisterState,
    load_state,
)
from itops.config import Settings
from itops.context import AppContext
from itops.db.models import Employee
from itops.errors import PermissionDenied, StorageError


@dataclass(frozen=True)
class PruneResult:
    cutoff: date
    through_seq: int  # 0: nothing to prune
    count: int
    checkpoint_seq: int | None
    stopped_at: int | None  # the first kept entry that is old but still in force
    reason: str

    def describe(self) -> str:
        if not self.count:
            why = f" ({self.reason})" if self.reason else ""
            return f"nothing to prune before {self.cutoff}{why}"
        return (
            f"pruned {self.count} entries #{self.through_seq - self.count + 1}–"
            f"#{self.through_seq} recorded before {self.cutoff}; checkpoint "
            f"#{self.checkpoint_seq}"
        )


def cutoff_day(settings: Settings, now: datetime) -> date:
    """Local 1 January of (this year - retention_years); never after 1 January last year."""
    tz = ZoneInfo(settings.office.timezone)
    years = settings.section(EMPLOYEE_MONITORING).retention_years
    return checkpoints.retention_bound(now, tz, years)


@dataclass
class Plan:
    """What a prune at one moment may remove, and the facts it relies on."""

    cut_day: date
    cut_at: datetime
    first: int = 0
    through: int = 0  # 0: nothing
    stopped: int | None = None
    why: str = ""
    newest: datetime | None = None
    in_force_until: date | None = None
    left_on: dict[int, date] = field(default_factory=dict)

    def ended(self, day: date | None) -> None:
        if day is not None and (self.in_force_until is None or day > self.in_force_until):
            self.in_force_until = day


def _in_force(
    entry: RegisterEntry,
    state: RegisterState,
    left: dict[int, date | None],
    plan: Plan,
    tz: ZoneInfo,
) -> str:
    """Why ``entry`` must stay ("" when it may go; then its end is noted in ``plan``)."""
    root = state.root.get(entry.seq, entry.seq)
    cut, cut_day = plan.cut_at, plan.cut_day
    if entry.kind == AUTHORISATION:
        auth = state.authorisations.get(root)
        if auth is None:
            return ""
        revoked = auth.revoked_at is not None and auth.revoked_at < cut
        if not revoked and not (auth.valid_to is not None and auth.valid_to < cut_day):
            return f"authorisation #{root} is still in force"
        ends = [auth.valid_to] if auth.valid_to is not None else []
        if revoked and auth.revoked_at is not None:
            ends.append(auth.revoked_at.astimezone(tz).date())
        plan.ended(min(ends))
        return ""
    if entry.kind == NOTICE:
        notice = state.notices.get(root)
        if notice is None:
            return ""
        gone = left.get(notice.employee_id)
        if gone is None or gone >= cut_day:
            return f"notice #{root}: the employee had not left before the cut"
        plan.left_on[notice.employee_id] = gone
        plan.ended(gone)
        return ""
    if entry.kind == ACT:
        act = state.acts.get(root)
        if act is not None and act.end >= cut:
            return f"act #{root} ended after the cut"
        plan.ended(act.end.astimezone(tz).date() if act else None)
        return ""
    if entry.kind in (REVOCATION, chain.CHECKPOINT):
        return ""
    return f"entry #{entry.seq} of unknown kind {entry.kind}"


def plan(session: Session, settings: Settings, now: datetime) -> Plan:
    """The longest prunable prefix (module docstring) and the facts it relies on."""
    tz = ZoneInfo(settings.office.timezone)
    cut_day = cutoff_day(settings, now)
    out = Plan(cut_day, datetime.combine(cut_day, time(0), tzinfo=tz).astimezone(UTC))
    state = load_state(session)
    left: dict[int, date | None] = {
        row[0]: row[1] for row in session.execute(select(Employee.id, Employee.left_on))
    }
    for seq in sorted(state.entries):
        entry = state.entries[seq]
        if entry.recorded_at >= out.cut_at:
            return out
        why = _in_force(entry, state, left, out, tz)
        if why:
            out.stopped, out.why = seq, why
            return out
        out.first = out.first or seq
        out.through = seq
        out.newest = max(out.newest or entry.recorded_at, entry.recorded_at)
    return out


def _facts(
    p: Plan, settings: Settings, head: tuple[int, str], now: datetime, through_hash: str
) -> dict[str, object]:
    return {
        "v": 1,
        "checkpoint_seq": head[0] + 1,
        "first_seq": p.first,
        "through_seq": p.through,
        "through_hash": through_hash,
        "count": p.through - p.first + 1,
        "cut_day": p.cut_day.isoformat(),
        "cut_at": chain.utc_text(p.cut_at),
        "retention_years": settings.section(EMPLOYEE_MONITORING).retention_years,
        "timezone": settings.office.timezone,
        "pruned_at": chain.utc_text(now),
        "newest_recorded_at": chain.utc_text(p.newest or now),
        "in_force_until": p.in_force_until.isoformat() if p.in_force_until else None,
        "left_on": {str(k): v.isoformat() for k, v in sorted(p.left_on.items())},
    }


def prune(
    session: Session,
    settings: Settings,
    now: datetime,
    actor: str,
    key: SigningKey | None,
    dry_run: bool = False,
    os_user: str | None = None,
) -> PruneResult:
    """Append the signed checkpoint, then delete the prunable prefix (caller commits)."""
    chain.lock_for_append(session)
    p = plan(session, settings, now)
    count = p.through - p.first + 1 if p.through else 0
    if not count or dry_run:
        return PruneResult(p.cut_day, p.through, count, None, p.stopped, p.why)
    if key is None:
        raise PermissionDenied(
            "pruning needs the register's signing key ([employee_monitoring] "
            "signing_key_file): an unsigned checkpoint would not verify"
        )
    head, pruned_head = chain.head(session), session.get(RegisterEntry, p.through)
    assert head is not None and pruned_head is not None  # noqa: S101 - planned from the table
    facts = _facts(p, settings, head, now, pruned_head.hash)
    try:
        entry = chain.append(
            session,
            RegisterEntry(
                kind=chain.CHECKPOINT,
                recorded_at=now,
                recorded_by=actor,
                ref_seq=p.through,
                reason=checkpoints.entry_reason(facts),
                os_user=os_user,
            ),
        )
        assert entry.seq == facts["checkpoint_seq"]  # noqa: S101 - under the append lock
        session.add(checkpoints.signed_row(entry, facts, key))
        session.flush()
        _delete_prefix(session, p.through)
    except DBAPIError as exc:
        _refused(exc)
    session.expunge_all()
    return PruneResult(p.cut_day, p.through, count, entry.seq, p.stopped, p.why)


def _delete_prefix(session: Session, through: int) -> None:
    """Delete 1..through, revocations last (the trigger looks for them beside their
    authorisation)."""
    for revocations in (False, True):
        kind = RegisterEntry.kind == REVOCATION
        session.execute(
            delete(RegisterEntry).where(
                RegisterEntry.seq <= through, kind if revocations else ~kind
            ),
            execution_options={"synchronize_session": False},
        )


def _refused(exc: DBAPIError) -> NoReturn:
    """A refusal of the database as a clear error (the caller's transaction rolls back)."""
    if getattr(exc.orig, "sqlstate", None) == "42501":
        raise PermissionDenied(
            "this database role may not prune the register: pruning runs under the prune "
            "role ([employee_monitoring] prune_url, docs/register.md)"
        ) from None
    raise StorageError(f"the database refused the prune: {exc.orig}") from None


def prune_sessions(ctx: AppContext) -> tuple[Engine, sessionmaker[Session]]:
    """Where a prune runs: ``[employee_monitoring] prune_url`` (PostgreSQL: the only role
    that may DELETE from the register), else the service's own database connection."""
    from itops.db.session import make_engine, make_sessionmaker

    url = ctx.settings.section(EMPLOYEE_MONITORING).prune_url
    if not url:
        return ctx.engine, ctx.sessions
    engine = make_engine(url)
    return engine, make_sessionmaker(engine)
