"""Tables of the backups and antivirus feature (all times aware UTC via ``UtcDateTime``).

``backup_state`` is one row per configured backup (the three signals' latest values);
``backup_run`` is the raw history (pruned after ``storage.raw_retention``, like probe
results); ``backup_incident`` keeps the intervals when a backup was not compliant (or
could not be told) for years, the source of the annual compliant share;
``restore_test`` records the manual restore tests RODO art. 32(1)(d) asks for.
Antivirus mirrors the same shape per host: ``av_host``, ``av_report``, ``av_incident``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from itops.db.models import Base

NONCOMPLIANT = "noncompliant"
UNKNOWN = "unknown"


class BackupState(Base):
    """Latest known state of one backup, kept across restarts."""

    __tablename__ = "backup_state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime]
    status: Mapped[int] = mapped_column(Integer, default=3)
    summary: Mapped[str] = mapped_column(Text, default="")
    since: Mapped[datetime]
    last_look_at: Mapped[datetime | None]
    look_status: Mapped[int] = mapped_column(Integer, default=3)
    last_success_at: Mapped[datetime | None]
    last_size: Mapped[int | None] = mapped_column(BigInteger)
    last_verify_at: Mapped[datetime | None]
    last_verify_ok: Mapped[bool | None] = mapped_column(Boolean)
    verify_summary: Mapped[str] = mapped_column(Text, default="")
    last_verify_attempt_at: Mapped[datetime | None]
    verify_cursor: Mapped[int] = mapped_column(Integer, default=0)


class BackupRun(Base):
    """One look at (or verification of, or ping from) a backup: the raw history."""

    __tablename__ = "backup_run"
    __table_args__ = (Index("ix_backup_run_backup_at", "backup", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    backup: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(index=True)
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)
    last_success_at: Mapped[datetime | None]
    duration: Mapped[float] = mapped_column(Float, default=0.0)  # the look's, seconds
    # the backup job's own run time where the tool tells it, seconds (None: not known)
    job_duration: Mapped[float | None] = mapped_column(Float)


class BackupPing(Base):
    """One call to ``/ping/<token>…`` from a push backup's job."""

    __tablename__ = "backup_ping"
    __table_args__ = (Index("ix_backup_ping_backup_at", "backup", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    backup: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(10))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    runtime: Mapped[float | None] = mapped_column(Float)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text, default="")


class BackupIncident(Base):
    """An interval when a backup was non-compliant (CRITICAL) or unknown; open while end NULL."""

    __tablename__ = "backup_incident"
    __table_args__ = (Index("ix_backup_incident_backup_start", "backup", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    backup: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    start: Mapped[datetime]
    end: Mapped[datetime | None]
    summary: Mapped[str] = mapped_column(Text, default="")


class RestoreTest(Base):
    """A manual restore test: who restored what, when, and whether it worked."""

    __tablename__ = "restore_test"
    __table_args__ = (Index("ix_restore_test_backup_performed_at", "backup", "performed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    backup: Mapped[str] = mapped_column(String(100))
    performed_at: Mapped[datetime]
    performed_by: Mapped[str] = mapped_column(String(200))
    restored: Mapped[str] = mapped_column(Text)
    success: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(64))


class AvHost(Base):
    """Latest antivirus state of one host (agent report or local ClamAV)."""

    __tablename__ = "av_host"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    product: Mapped[str] = mapped_column(String(40))
    first_seen: Mapped[datetime]
    last_report_at: Mapped[datetime]
    status: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime]
    signature_updated: Mapped[datetime | None]
    signature_version: Mapped[str | None] = mapped_column(String(64))
    realtime: Mapped[bool | None] = mapped_column(Boolean)
    fields: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class AvReport(Base):
    """One received antivirus report (raw history, pruned like probe results)."""

    __tablename__ = "av_report"
    __table_args__ = (Index("ix_av_report_host_reported_at", "host", "reported_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    product: Mapped[str] = mapped_column(String(40))
    reported_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    signature_age: Mapped[float | None] = mapped_column(Float)
    realtime: Mapped[bool | None] = mapped_column(Boolean)


class AvIncident(Base):
    """An interval when a host was out of compliance (or silent, "unknown")."""

    __tablename__ = "av_incident"
    __table_args__ = (Index("ix_av_incident_host_start", "host", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    start: Mapped[datetime]
    end: Mapped[datetime | None]
    summary: Mapped[str] = mapped_column(Text, default="")
