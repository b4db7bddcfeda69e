"""Storage of backup and antivirus state: one function per question, plain dataclasses out.

Every write takes the caller's session (one short transaction per job or request) and
returns the events to publish after commit, so a rolled-back write never announces
anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from checks.backups.config import ANTIVIRUS, BACKUPS, BackupConfig
from checks.backups.kinds import VERIFIED_KINDS
from checks.backups.models import (
    NONCOMPLIANT,
    UNKNOWN,
    AvHost,
    AvIncident,
    AvReport,
    BackupIncident,
    BackupPing,
    BackupRun,
    BackupState,
    RestoreTest,
)
from checks.kinds.backup_base import LAST_SUCCESS, SIZE, VERIFY_AT, VERIFY_OK, deadline, from_ts
from checks.kinds.backup_push import PushFacts
from checks.kinds.defender import evaluate_defender
from itops import events
from itops.config import Settings
from itops.db.session import PRUNE_BATCH, delete_in_batches
from itops.errors import ValidationError
from itops.events import Event
from itops.messages import Summary, dumps, from_stored, loads, stored
from itops.status import ProbeResult, Status

PING_KINDS = ("start", "success", "fail", "exit")


@dataclass(frozen=True)
class BackupSnapshot:
    """What the dashboard and /metrics show for one backup (no ORM object leaves here)."""

    name: str
    kind: str
    unit_id: str
    status: Status
    summary: Summary
    since: datetime
    last_look_at: datetime | None
    last_success_at: datetime | None
    last_size: int | None
    last_verify_at: datetime | None
    last_verify_ok: bool | None
    verify_summary: Summary


@dataclass(frozen=True)
class AvSnapshot:
    """The latest antivirus state of one host."""

    host: str
    product: str
    status: Status
    summary: Summary
    since: datetime
    last_report_at: datetime
    signature_updated: datetime | None
    signature_version: str | None
    realtime: bool | None

    @property
    def compliant(self) -> bool:
        return self.status is Status.OK


@dataclass(frozen=True)
class RestoreTestRecord:
    id: int
    backup: str
    performed_at: datetime
    performed_by: str
    restored: str
    success: bool
    notes: str
    recorded_by: str


@dataclass(frozen=True)
class RunRecord:
    at: datetime
    mode: str
    status: Status
    summary: Summary
    size: int | None
    last_success_at: datetime | None


@dataclass(frozen=True)
class IncidentRecord:
    subject: str
    kind: str
    start: datetime
    end: datetime | None
    summary: Summary


def backup_snapshot(row: BackupState) -> BackupSnapshot:
    return BackupSnapshot(
        row.name,
        row.kind,
        row.unit_id,
        Status(row.status),
        from_stored(row.summary),
        row.since,
        row.last_look_at,
        row.last_success_at,
        row.last_size,
        row.last_verify_at,
        row.last_verify_ok,
        from_stored(row.verify_summary),
    )


def av_snapshot(row: AvHost) -> AvSnapshot:
    return AvSnapshot(
        row.host,
        row.product,
        Status(row.status),
        from_stored(row.summary),
        row.since,
        row.last_report_at,
        row.signature_updated,
        row.signature_version,
        row.realtime,
    )


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


def _incident_kind(status: Status) -> str | None:
    return {Status.CRITICAL: NONCOMPLIANT, Status.UNKNOWN: UNKNOWN}.get(status)


def _move_incident(
    db: Session,
    model: type[BackupIncident] | type[AvIncident],
    subject: str,
    status: Status,
    at: datetime,
    summary: str,
    opened_at: datetime | None = None,
) -> tuple[str | None, str | None]:
    """Close the open incident if the status left its kind; open one if needed.

    Returns (kind opened, kind closed). ``opened_at`` backdates a new non-compliant
    interval to when the backup actually went stale (its deadline), not when we noticed.
    """
    key = model.backup if model is BackupIncident else model.host  # type: ignore[union-attr]
    open_row: BackupIncident | AvIncident | None = db.scalars(  # type: ignore[assignment]
        select(model).where(key == subject, model.end.is_(None)).order_by(model.start.desc())
    ).first()
    wanted = _incident_kind(status)
    closed = opened = None
    if open_row is not None and open_row.kind != wanted:
        open_row.end = max(at, open_row.start)
        closed = open_row.kind
        open_row = None
    if wanted is not None and open_row is None:
        start = min(opened_at, at) if opened_at is not None else at
        if closed is not None:
            start = at
        fields: dict[str, Any] = {"kind": wanted, "start": start, "end": None, "summary": summary}
        fields["backup" if model is BackupIncident else "host"] = subject
        db.add(model(**fields))
        opened = wanted
    return opened, closed


def as_stored(summary: Summary | str) -> str:
    """A summary's text column form; a str is taken as stored already."""
    return stored(summary) if isinstance(summary, Summary) else summary


_VERIFY_NOTES = ("backup.verify_overdue", "backup.verify_failed")


def record_backup(
    db: Session, cfg: BackupConfig, result: ProbeResult, *, verify: bool
) -> tuple[BackupSnapshot, list[Event]]:
    """Store one look or verification of ``cfg`` and move its incidents; events to publish."""
    at = result.started_at
    row = ensure_state(db, cfg, at)
    before = Status(row.status)
    values = {m.name: m.value for m in result.measurements}
    size = values.get(SIZE)
    last_success = from_ts(values.get(LAST_SUCCESS))
    if verify:
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
    else:
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
    db.add(
        BackupRun(
            backup=cfg.name,
            at=at,
            mode="verify" if verify else "look",
            status=int(result.status),
            summary=stored(result.summary)[:2000],
            size=int(size) if size is not None else None,
            last_success_at=last_success,
            duration=result.duration,
        )
    )
    status = Status(row.look_status)
    # The look's own summary, then what the verification adds (kept as separate items, so
    # a verification run does not add its verdict twice).
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
    if status is not before:
        row.since = at
    row.status = int(status)
    stale_at = None
    if (
        status is Status.CRITICAL
        and row.last_success_at is not None
        and row.last_verify_ok is not False
    ):
        limit = deadline(
            row.last_success_at,
            max_age=cfg.max_age,
            period=cfg.period,
            schedule=cfg.schedule,
            grace=cfg.grace,
        )
        if limit is not None and limit.at < at:
            stale_at = max(limit.at, row.first_seen)
    opened, closed = _move_incident(db, BackupIncident, cfg.name, status, at, row.summary, stale_at)
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
        RunRecord(r.at, r.mode, Status(r.status), from_stored(r.summary), r.size, r.last_success_at)
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


# --- antivirus ----------------------------------------------------------------


def normalize_host(host: str) -> str:
    """Hostnames compare case-insensitively (Windows reports them upper-case)."""
    return host.strip().lower()


@dataclass(frozen=True)
class AvInput:
    """One antivirus report (agent or ClamAV) to store."""

    host: str
    product: str
    status: Status
    summary: Summary | str  # a str is a row's stored form already (or an old text)
    at: datetime
    signature_updated: datetime | None
    signature_version: str | None
    realtime: bool | None
    fields: dict[str, Any]


def record_av(
    db: Session,
    *,
    host: str,
    product: str,
    status: Status,
    summary: Summary | str,
    at: datetime,
    signature_updated: datetime | None,
    signature_version: str | None,
    realtime: bool | None,
    fields: dict[str, Any],
    retired: Mapping[str, datetime] | None = None,
) -> tuple[AvSnapshot, list[Event]]:
    """Store one antivirus report (agent or ClamAV) and move the host's incidents."""
    snaps, found = record_av_many(
        db,
        [
            AvInput(
                host,
                product,
                status,
                summary,
                at,
                signature_updated,
                signature_version,
                realtime,
                fields,
            )
        ],
        retired,
    )
    return snaps[0], found


_AV_COLUMNS = (
    AvHost.host,
    AvHost.product,
    AvHost.first_seen,
    AvHost.last_report_at,
    AvHost.status,
    AvHost.summary,
    AvHost.since,
    AvHost.signature_updated,
    AvHost.signature_version,
    AvHost.realtime,
)


def record_av_many(
    db: Session,
    reports: Sequence[AvInput],
    retired: Mapping[str, datetime] | None = None,
) -> tuple[list[AvSnapshot], list[Event]]:
    """Store antivirus reports in order and move each host's incidents; events to publish
    after commit. A batch of agent reports costs a few statements in all (hosts and open
    incidents read once, rows written in bulk), not a few per report.

    ``retired`` (host → instant it left service, from the inventory): a report of a host
    at or after its retirement is kept as history but opens no non-compliance, and an
    incident still open is closed at the retirement instant."""
    gone = retired or {}
    hosts = sorted({normalize_host(r.host) for r in reports})
    if "" in hosts:
        raise ValidationError("antivirus report without a hostname")
    rows: dict[str, dict[str, Any]] = {}
    open_incident: dict[str, AvIncident] = {}
    for chunk in _chunks(hosts):
        rows.update(
            (r.host, dict(r._mapping))
            for r in db.execute(select(*_AV_COLUMNS).where(AvHost.host.in_(chunk)))
        )
        for incident in db.scalars(
            select(AvIncident)
            .where(AvIncident.host.in_(chunk), AvIncident.end.is_(None))
            .order_by(AvIncident.start, AvIncident.id)
        ):
            open_incident[incident.host] = incident  # the newest open one, as before
    existing = set(rows)
    changed: dict[str, dict[str, Any]] = {}
    history: list[dict[str, Any]] = []
    snaps: list[AvSnapshot] = []
    found: list[Event] = []
    for report in reports:
        host = normalize_host(report.host)
        text = as_stored(report.summary)
        row = rows.get(host)
        history.append(_report_values(host, report, text))
        if row is not None and report.at < row["last_report_at"]:
            # An older report arriving late does not overwrite the newer state.
            snaps.append(_av_snapshot_of(row))
            continue
        before = None if row is None else Status(row["status"])
        if row is None:
            row = rows[host] = {"host": host, "first_seen": report.at, "since": report.at}
        row.update(
            product=report.product,
            status=int(report.status),
            summary=text,
            last_report_at=report.at,
            signature_updated=report.signature_updated,
            signature_version=report.signature_version,
            realtime=report.realtime,
            fields=report.fields,
        )
        if before is not report.status:
            row["since"] = report.at
        changed[host] = row
        out_at = gone.get(host)
        if out_at is not None and report.at >= out_at:
            _close_at_retirement(open_incident.pop(host, None), out_at)
        else:
            found += _av_incident(
                db, host, row["product"], report.status, report.at, text, open_incident
            )
        snaps.append(_av_snapshot_of(row))
    inserts = [r for h, r in changed.items() if h not in existing]
    updates = [r for h, r in changed.items() if h in existing]
    if inserts:
        db.execute(insert(AvHost), inserts)
    if updates:
        db.execute(update(AvHost), updates)
    if history:
        db.execute(insert(AvReport), history)
    db.flush()  # the incidents
    return snaps, found


def _av_snapshot_of(row: dict[str, Any]) -> AvSnapshot:
    return AvSnapshot(
        row["host"],
        row["product"],
        Status(row["status"]),
        from_stored(row["summary"]),
        row["since"],
        row["last_report_at"],
        row["signature_updated"],
        row["signature_version"],
        row["realtime"],
    )


def _report_values(host: str, report: AvInput, text: str) -> dict[str, Any]:
    """An ``av_report`` row; ``text`` is ``report.summary`` as stored (dumped once)."""
    updated = report.signature_updated
    return {
        "host": host,
        "product": report.product,
        "reported_at": report.at,
        "status": int(report.status),
        "summary": text[:2000],
        "signature_age": (report.at - updated).total_seconds() if updated else None,
        "realtime": report.realtime,
    }


def _close_at_retirement(incident: AvIncident | None, out_at: datetime) -> None:
    """An open incident of a retired host ends when the host left service (or at its own
    start, if it was wrongly opened after that)."""
    if incident is not None and incident.end is None:
        incident.end = max(out_at, incident.start)


def _chunks(values: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _av_incident(
    db: Session,
    host: str,
    product: str,
    status: Status,
    at: datetime,
    summary: str,
    open_incident: dict[str, AvIncident] | None = None,
) -> list[Event]:
    """Move the host's incidents; ``open_incident`` (host → its open incident, already
    loaded by a batch) is kept up to date, else the open incident is queried."""
    # For antivirus anything but OK is out of compliance (WARNING included).
    effective = (
        Status.OK
        if status is Status.OK
        else (Status.UNKNOWN if status is Status.UNKNOWN else Status.CRITICAL)
    )
    if open_incident is None:
        opened, _ = _move_incident(db, AvIncident, host, effective, at, summary)
    else:
        current = open_incident.get(host)
        wanted = _incident_kind(effective)
        opened = None
        if current is not None and current.kind != wanted:
            current.end = max(at, current.start)
            current = None
            open_incident.pop(host, None)
        if wanted is not None and current is None:
            current = AvIncident(host=host, kind=wanted, start=at, end=None, summary=summary)
            db.add(current)
            open_incident[host] = current
            opened = wanted
    if opened == NONCOMPLIANT:
        return [
            Event(
                events.ANTIVIRUS_NONCOMPLIANT,
                host,
                status,
                at,
                from_stored(summary),
                {"host": host, "product": product},
            )
        ]
    return []


def sweep_av(
    db: Session,
    settings: Settings,
    now: datetime,
    retired: Mapping[str, datetime] | None = None,
) -> list[Event]:
    """Hosts silent longer than ``silent_after`` become UNKNOWN; Defender ages re-judged at
    now. A host retired (``retired``: host → instant) has its open incidents closed at the
    retirement and none opened after it."""
    av = settings.section(ANTIVIRUS)
    office_tz = ZoneInfo(settings.office.timezone)
    gone = retired or {}
    found: list[Event] = []
    if gone:
        for chunk in _chunks(sorted(gone)):
            for incident in db.scalars(
                select(AvIncident).where(AvIncident.end.is_(None), AvIncident.host.in_(chunk))
            ):
                _close_at_retirement(incident, gone[incident.host])
        db.flush()
    for row in db.scalars(select(AvHost)):
        out_at = gone.get(row.host)
        if out_at is not None and out_at <= now:
            continue  # out of service: nothing more to judge
        if now - row.last_report_at > av.silent_after:
            silent_from = row.last_report_at + av.silent_after
            silent = from_stored(row.summary).code == "antivirus.silent"
            if row.status != int(Status.UNKNOWN) or not silent:
                row.status = int(Status.UNKNOWN)
                row.summary = stored(
                    Summary(
                        "antivirus.silent",
                        {
                            "since": row.last_report_at.astimezone(office_tz).isoformat(),
                            "days": av.silent_after.days,
                        },
                    )
                )
                row.since = silent_from
            _move_incident(db, AvIncident, row.host, Status.UNKNOWN, silent_from, row.summary)
            continue
        if row.product == "defender" and row.fields:
            verdict = evaluate_defender(
                row.fields, now, warning=av.signature_warning, critical=av.signature_critical
            )
            if int(verdict.status) != row.status:
                text = stored(verdict.summary)
                row.status, row.summary, row.since = int(verdict.status), text, now
                found += _av_incident(db, row.host, row.product, verdict.status, now, text)
    db.flush()
    return found


def av_states(db: Session) -> dict[str, AvSnapshot]:
    return {r.host: av_snapshot(r) for r in db.scalars(select(AvHost))}


def av_incidents(db: Session, host: str | None = None, limit: int = 100) -> list[IncidentRecord]:
    query = select(AvIncident).order_by(AvIncident.start.desc()).limit(limit)
    if host is not None:
        query = query.where(AvIncident.host == normalize_host(host))
    return [
        IncidentRecord(r.host, r.kind, r.start, r.end, from_stored(r.summary))
        for r in db.scalars(query)
    ]
