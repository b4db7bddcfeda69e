"""Retention of the §82 register: prune old, finished entries without breaking the chain.

Rules (``[employee_monitoring] retention_years``, at least 2):
- the cut is local 1 January of (this year - retention_years), and never later than
  1 January of last year, so the year the annual report covers is always kept;
- only a prefix of the chain (seq 1..N) is removed, so the kept part stays one
  unbroken chain; the prefix stops at the first entry recorded on or after the cut or
  still in force: an authorisation not revoked/expired before the cut, a notice of an
  employee who had not left before it (the gates still need both), an act that ended
  on or after it;
- first a ``checkpoint`` entry is appended recording N and the hash of entry N, then
  1..N are deleted (the migration's trigger allows a DELETE only under such a
  checkpoint). ``chain.verify`` links the first kept entry to the checkpoint's hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from inventory.register import chain
from inventory.register.config import EMPLOYEE_MONITORING
from inventory.register.models import RegisterEntry
from inventory.register.state import (
    ACT,
    AUTHORISATION,
    NOTICE,
    REVOCATION,
    RegisterState,
    load_state,
)
from itops.config import Settings
from itops.db.models import Employee


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
            f"pruned {self.count} entries #1–#{self.through_seq} recorded before "
            f"{self.cutoff}; checkpoint #{self.checkpoint_seq}"
        )


def cutoff_day(settings: Settings, now: datetime) -> date:
    """Local 1 January of (this year - retention_years); never after 1 January last year."""
    year = now.astimezone(ZoneInfo(settings.office.timezone)).year
    years = max(settings.section(EMPLOYEE_MONITORING).retention_years, 1)
    return date(min(year - years, year - 1), 1, 1)


def _in_force(
    entry: RegisterEntry, state: RegisterState, left: dict[int, date | None], cut: datetime,
    cut_day: date,
) -> str:
    """Why ``entry`` must stay ("" when it may go)."""
    root = state.root.get(entry.seq, entry.seq)
    if entry.kind == AUTHORISATION:
        auth = state.authorisations.get(root)
        if auth is None:
            return ""
        ended = (auth.revoked_at is not None and auth.revoked_at < cut) or (
            auth.valid_to is not None and auth.valid_to < cut_day
        )
        return "" if ended else f"authorisation #{root} is still in force"
    if entry.kind == NOTICE:
        notice = state.notices.get(root)
        if notice is None:
            return ""
        gone = left.get(notice.employee_id)
        return "" if gone is not None and gone < cut_day else (
            f"notice #{root}: the employee had not left before the cut"
        )
    if entry.kind == ACT:
        act = state.acts.get(root)
        return "" if act is None or act.end < cut else f"act #{root} ended after the cut"
    if entry.kind in (REVOCATION, chain.CHECKPOINT):
        return ""
    return f"entry #{entry.seq} of unknown kind {entry.kind}"


def plan(session: Session, settings: Settings, now: datetime) -> tuple[date, int, int | None, str]:
    """(cut day, last prunable seq or 0, first old entry kept, why it is kept)."""
    tz = ZoneInfo(settings.office.timezone)
    cut_day = cutoff_day(settings, now)
    cut = datetime.combine(cut_day, time(0), tzinfo=tz).astimezone(UTC)
    state = load_state(session)
    left: dict[int, date | None] = {
        row[0]: row[1] for row in session.execute(select(Employee.id, Employee.left_on))
    }
    through = 0
    for seq in sorted(state.entries):
        entry = state.entries[seq]
        if entry.recorded_at >= cut:
            return cut_day, through, None, ""
        why = _in_force(entry, state, left, cut, cut_day)
        if why:
            return cut_day, through, seq, why
        through = seq
    return cut_day, through, None, ""


def prune(
    session: Session, settings: Settings, now: datetime, actor: str, dry_run: bool = False
) -> PruneResult:
    """Append the checkpoint, then delete entries 1..N (caller commits)."""
    chain.lock_for_append(session)
    cut_day, through, stopped, why = plan(session, settings, now)
    if through == 0:
        return PruneResult(cut_day, 0, 0, None, stopped, why)
    first = session.scalar(select(RegisterEntry.seq).order_by(RegisterEntry.seq).limit(1)) or 1
    count = through - first + 1
    if dry_run:
        return PruneResult(cut_day, through, count, None, stopped, why)
    head = session.get(RegisterEntry, through)
    assert head is not None  # noqa: S101 - seq came from the table
    checkpoint = chain.append(
        session,
        RegisterEntry(
            kind=chain.CHECKPOINT,
            recorded_at=now,
            recorded_by=actor,
            ref_seq=through,
            reason=chain.checkpoint_reason(through, head.hash, cut_day, count),
        ),
    )
    session.execute(
        delete(RegisterEntry).where(RegisterEntry.seq <= through),
        execution_options={"synchronize_session": False},
    )
    session.expunge_all()
    return PruneResult(cut_day, through, count, checkpoint.seq, stopped, why)

