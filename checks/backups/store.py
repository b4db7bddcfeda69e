"""Storage of backup state: one function per question, plain dataclasses out.

Every write takes the caller's session (one short transaction per job or request) and
returns the events to publish after commit, so a rolled-back write never announces
anything. The antivirus half is ``checks.backups.av_store`` and the dataclasses are
``checks.backups.records``; both are re-exported here, the module callers import.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checks.backups.av_store import (
    AvInput,
    av_incidents,
    av_states,
    av_states_page,
    normalize_host,
    record_av,
    record_av_many,
    sweep_av,
)
from checks.backups.config import BACKUPS, BackupConfig
from checks.backups.kinds import VERIFIED_KINDS
from checks.backups.models import (
    NONCOMPLIANT,
    AvReport,
    BackupIncident,
    BackupPing,
    BackupRun,
    BackupState,
    RestoreTest,
)
from checks.backups.records import (
    AvSnapshot,
    BackupSnapshot,
    IncidentRecord,
    RestoreTestRecord,
    RunRecord,
    as_stored,
    av_snapshot,
    backup_snapshot,
    move_incident,
)
from checks.kinds.backup_base import (
    LAST_SUCCESS,
    RUNTIME,
    SIZE,
    VERIFY_AT,
    VERIFY_OK,
    deadline,
    from_ts,
)
from checks.kinds.backup_push import PushFacts
from itops import events
from itops.config import Settings
from itops.db.session import PRUNE_BATCH, delete_in_batches
from itops.errors import ValidationError
from itops.events import Event
from itops.messages import Summary, dumps, from_stored, loads, stored
from itops.status import ProbeResult, Status

PING_KINDS = ("start", "success", "fail", "exit")


def ensure_state(db: Session, cfg: BackupConfig, now: datetime) -> BackupState:
    """The backup's state row, created on first sight (its ``first_seen`` starts the clock)."""
    row = db.get(BackupState, cfg.name)
    if row is None:
        row = BackupState(
            name=cfg.name,
            kind=cfg.kind,
            unit_id=cfg.unit,
            first_seen=now,
            status=int(Status.UNKNOWN),
            summary=stored(Summary("backup.not_looked")),
            since=now,
            look_status=int(Status.UNKNOWN),
            verify_summary="",
            verify_cursor=0,
        )
        db.add(row)
        db.flush()
    else:
        row.kind, row.unit_id = cfg.kind, cfg.unit
    return row


_VERIFY_NOTES = ("backup.verify_overdue", "backup.verify_failed")


def record_backup(
    db: Session, cfg: BackupConfig, result: ProbeResult, *, verify: bool
) -> tuple[BackupSnapshot, list[Event]]:
    """Store one look or verification of ``cfg`` and move its incidents; events to publish.

    A look's run row keeps the backup job's own duration where the tool tells it
    (``runtime_seconds``: restic ≥ 0.17's snapshot summary, borg's archive, a push job's
    start and success pings), else none ("no data", never 0); ``duration`` is the look's.
    """
    at = result.started_at
    row = ensure_state(db, cfg, at)
    before = Status(row.status)
    values = {m.name: m.value for m in result.measurements}
    if verify:
        _note_verification(row, result, values, at)
    else:
        _note_look(row, result, values, at)
    size, job = values.get(SIZE), None if verify else values.get(RUNTIME)
    db.add(
        BackupRun(
            backup=cfg.name,
            at=at,
            mode="verify" if verify else "look",
            status=int(result.status),
            summary=stored(result.summary)[:2000],
            size=int(size) if size is not None else None,
            last_success_at=from_ts(values.get(LAST_SUCCESS)),
            duration=result.duration,
            job_duration=job,
        )
    )
    status = _judge(cfg, row, at, verify)
    if status is not before:
        row.since = at
    row.status = int(status)
    stale_at = _stale_since(cfg, row, status, at)
    opened, closed = move_incident(db, BackupIncident, cfg.name, status, at, row.summary, stale_at)
    found: list[Event] = []
    data = {"backup": cfg.name, "kind": cfg.kind, "unit": cfg.unit}
    if opened == NONCOMPLIANT:
        found.append(
            Event(events.BACKUP_NONCOMPLIANT, cfg.name, status, at, from_stored(row.summary), data)
        )
    elif closed == NONCOMPLIANT and status in (Status.OK, Status.WARNING):
        found.append(
            Event(events.BACKUP_RECOVERED, cfg.name, status, at, from_stored(row.summary), data)
        )
    db.flush()
    return backup_snapshot(row), found


def _note_verification(
    row: BackupState, result: ProbeResult, values: dict[str, float], at: datetime
) -> None:
    """A verification's verdict on the state row (an undecided one keeps the last)."""
    row.last_verify_attempt_at = at
    if result.status in (Status.OK, Status.CRITICAL):
        row.last_verify_ok = result.status is Status.OK
        row.last_verify_at = from_ts(values.get(VERIFY_AT)) or at
        row.verify_summary = stored(result.summary)
        if result.status is Status.OK:
            row.verify_cursor += 1
    else:
        undecided = Summary("backup.verify_undecided", {"reason": result.summary})
        row.verify_summary = stored(undecided)


def _note_look(
    row: BackupState, result: ProbeResult, values: dict[str, float], at: datetime
) -> None:
    """A look's findings on the state row: its status, newest success, size, a sidecar's
    verification verdict."""
    size, last_success = values.get(SIZE), from_ts(values.get(LAST_SUCCESS))
    row.last_look_at = at
    row.look_status = int(result.status)
    if last_success is not None:
        row.last_success_at = last_success
    if size is not None:
        row.last_size = int(size)
    if VERIFY_OK in values:
        row.last_verify_ok = values[VERIFY_OK] == 1
        row.last_verify_at = from_ts(values.get(VERIFY_AT)) or at
        sidecar = "backup.sidecar_ok" if row.last_verify_ok else "backup.sidecar_bad"
        row.verify_summary = stored(Summary(sidecar))
    row.summary = stored(result.summary)


def _judge(cfg: BackupConfig, row: BackupState, at: datetime, verify: bool) -> Status:
    """The backup's status from its last look and what the verification adds (kept as
    separate items, so a verification run does not add its verdict twice); sets the
    state row's summary."""
    status = Status(row.look_status)
    parts = [p for p in loads(row.summary) if p.code not in _VERIFY_NOTES]
    if cfg.kind in VERIFIED_KINDS and status is Status.OK and not verify:
        reference = row.last_verify_at or row.first_seen
        if at - reference > 2 * cfg.verify_interval:
            status = Status.WARNING
            days = (2 * cfg.verify_interval).days
            parts.append(Summary("backup.verify_overdue", {"days": days}))
    if row.last_verify_ok is False:
        status = Status.CRITICAL
        reason = from_stored(row.verify_summary)
        parts.append(Summary("backup.verify_failed", {"reason": reason}))
    row.summary = dumps(parts)
    return status


def _stale_since(
    cfg: BackupConfig, row: BackupState, status: Status, at: datetime
) -> datetime | None:
    """When a stale backup went non-compliant (its deadline), for backdating the incident."""
    if status is not Status.CRITICAL or row.last_success_at is None:
        return None
    if row.last_verify_ok is False:
        return None
    limit = deadline(
        row.last_success_at,
        max_age=cfg.max_age,
        period=cfg.period,
        schedule=cfg.schedule,
        grace=cfg.grace,
    )
    if limit is not None and limit.at < at:
        return max(limit.at, row.first_seen)
    return None


def record_ping(
    db: Session,
    cfg: BackupConfig,
    kind: str,
    at: datetime,
    *,
    exit_code: int | None = None,
    remote_addr: str | None = None,
    body: str = "",
) -> BackupPing:
    """Store one ping; a success after a start carries the run time."""
    if kind not in PING_KINDS:
        raise ValidationError(f"unknown ping kind {kind!r}")
    ensure_state(db, cfg, at)
    if kind == "exit" and exit_code == 0:
        kind = "success"
    runtime = None
    if kind == "success":
        last = db.scalars(
            select(BackupPing)
            .where(BackupPing.backup == cfg.name, BackupPing.kind != "start")
            .order_by(BackupPing.at.desc(), BackupPing.id.desc())
        ).first()
        start = db.scalars(
            select(BackupPing)
            .where(BackupPing.backup == cfg.name, BackupPing.kind == "start")
            .order_by(BackupPing.at.desc(), BackupPing.id.desc())
        ).first()
        if start is not None and (last is None or start.at >= last.at) and start.at <= at:
            runtime = (at - start.at).total_seconds()
    ping = BackupPing(
        backup=cfg.name,
        at=at,
        kind=kind,
        exit_code=exit_code,
        runtime=runtime,
        remote_addr=remote_addr,
        body=body[:2000],
    )
    db.add(ping)
    db.flush()
    return ping


def push_facts(db: Session, name: str) -> PushFacts:
    """The latest start, success and failure of a push backup."""
    state = db.get(BackupState, name)

    def latest(*kinds: str) -> BackupPing | None:
        return db.scalars(
            select(BackupPing)
            .where(BackupPing.backup == name, BackupPing.kind.in_(kinds))
            .order_by(BackupPing.at.desc(), BackupPing.id.desc())
        ).first()

    success, start, fail = latest("success"), latest("start"), latest("fail", "exit")
    first = state.first_seen if state else datetime.now(UTC)
    return PushFacts(
        first_seen=first,
        last_success=success.at if success else None,
        last_start=start.at if start else None,
        last_fail=fail.at if fail else None,
        exit_code=fail.exit_code if fail else None,
        runtime=success.runtime if success else None,
    )


def add_restore_test(
    db: Session,
    settings: Settings,
    *,
    backup: str,
    performed_at: datetime,
    performed_by: str,
    restored: str,
    success: bool,
    notes: str,
    recorded_by: str,
    now: datetime,
) -> RestoreTestRecord:
    """Record a manual restore test; bad input raises ValidationError and writes nothing."""
    names = {b.name for b in settings.section(BACKUPS)}
    problems = []
    if backup not in names:
        problems.append(f'unknown backup "{backup}" (known: {", ".join(sorted(names)) or "none"})')
    if performed_at.tzinfo is None:
        problems.append("the time of the test needs a time zone")
    elif performed_at > now + timedelta(minutes=5):
        problems.append("the test cannot be in the future")
    if not performed_by.strip():
        problems.append("who performed the test is required")
    if not restored.strip():
        problems.append("what was restored is required")
    if problems:
        raise ValidationError("restore test not recorded: " + "; ".join(problems))
    row = RestoreTest(
        backup=backup,
        performed_at=performed_at,
        performed_by=performed_by.strip()[:200],
        restored=restored.strip(),
        success=success,
        notes=notes.strip(),
        recorded_at=now,
        recorded_by=recorded_by[:64],
    )
    db.add(row)
    db.flush()
    return _restore_record(row)


def _restore_record(row: RestoreTest) -> RestoreTestRecord:
    return RestoreTestRecord(
        row.id,
        row.backup,
        row.performed_at,
        row.performed_by,
        row.restored,
        row.success,
        row.notes,
        row.recorded_by,
    )


def restore_tests(
    db: Session, backup: str | None = None, limit: int = 200
) -> list[RestoreTestRecord]:
    query = select(RestoreTest).order_by(RestoreTest.performed_at.desc()).limit(limit)
    if backup is not None:
        query = query.where(RestoreTest.backup == backup)
    return [_restore_record(r) for r in db.scalars(query)]


def runs(db: Session, backup: str, limit: int = 100) -> list[RunRecord]:
    rows = db.scalars(
        select(BackupRun)
        .where(BackupRun.backup == backup)
        .order_by(BackupRun.at.desc(), BackupRun.id.desc())
        .limit(limit)
    )
    return [
        RunRecord(
            r.at,
            r.mode,
            Status(r.status),
            from_stored(r.summary),
            r.size,
            r.last_success_at,
            r.job_duration,
        )
        for r in rows
    ]


def backup_incidents(db: Session, backup: str, limit: int = 50) -> list[IncidentRecord]:
    rows = db.scalars(
        select(BackupIncident)
        .where(BackupIncident.backup == backup)
        .order_by(BackupIncident.start.desc())
        .limit(limit)
    )
    return [IncidentRecord(r.backup, r.kind, r.start, r.end, from_stored(r.summary)) for r in rows]


def backup_states(db: Session) -> dict[str, BackupSnapshot]:
    return {r.name: backup_snapshot(r) for r in db.scalars(select(BackupState))}


def prune(sessions: sessionmaker[Session], before: datetime, batch: int = PRUNE_BATCH) -> int:
    """Drop raw history older than ``before``; states, incidents and restore tests stay.

    In transactions of at most ``batch`` rows (SQLite's write lock is held briefly)."""
    removed = 0
    for column, at in (
        (BackupRun.id, BackupRun.at),
        (BackupPing.id, BackupPing.at),
        (AvReport.id, AvReport.reported_at),
    ):
        removed += delete_in_batches(sessions, column, at < before, batch)
    return removed


__all__ = [
    "PING_KINDS",
    "AvInput",
    "AvSnapshot",
    "BackupSnapshot",
    "IncidentRecord",
    "RestoreTestRecord",
    "RunRecord",
    "add_restore_test",
    "as_stored",
    "av_incidents",
    "av_snapshot",
    "av_states",
    "av_states_page",
    "backup_incidents",
    "backup_snapshot",
    "backup_states",
    "ensure_state",
    "normalize_host",
    "prune",
    "push_facts",
    "record_av",
    "record_av_many",
    "record_backup",
    "record_ping",
    "restore_tests",
    "runs",
    "sweep_av",
]
