"""What the backup and antivirus stores hand out (plain dataclasses, no ORM object leaves
``checks.backups.store`` / ``checks.backups.av_store``) and the one incident rule both
follow: an open incident closes when the status leaves its kind, a new one opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.backups.models import (
    NONCOMPLIANT,
    UNKNOWN,
    AvHost,
    AvIncident,
    BackupIncident,
    BackupState,
)
from itops.messages import Summary, from_stored, stored
from itops.status import Status


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
    job_duration: float | None = None  # the backup job's own run time, seconds


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


def incident_kind(status: Status) -> str | None:
    return {Status.CRITICAL: NONCOMPLIANT, Status.UNKNOWN: UNKNOWN}.get(status)


def move_incident(
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
    wanted = incident_kind(status)
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
