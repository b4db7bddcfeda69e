"""Tables of KPI 1: outages, their reclassifications, monitoring gaps, maintenance windows,
raw probe results (pruned) and rollups (kept for years).

KPI 1 is computed from intervals only (``outage``, ``monitoring_gap``,
``maintenance_window``); raw results and rollups serve the dashboard and charts.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from itops.db.models import Base

CAUSES = ("failure", "planned", "external", "false_alarm")


class MonitoringGap(Base):
    """An interval when itops could not tell (itself down, or a check UNKNOWN).

    ``check_name`` NULL means itops as a whole was not watching, so every check of the
    unit is in the gap. ``end`` NULL while the gap is open.
    """

    __tablename__ = "monitoring_gap"
    __table_args__ = (Index("ix_monitoring_gap_check_start", "check_name", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_unit.id"))
    check_name: Mapped[str | None] = mapped_column(String(100))
    start: Mapped[datetime]
    end: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(200))


class Outage(Base):
    """A confirmed outage of one check: ``start`` back-dated to the first failed probe.

    ``cause`` is the cause recorded when the outage was created and never changes;
    later decisions are rows of ``outage_reclassification`` (the newest one wins).
    """

    __tablename__ = "outage"
    __table_args__ = (
        Index("ix_outage_check_start", "check_name", "start"),
        Index("ix_outage_end", "end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[str] = mapped_column(String(64), default="office")
    start: Mapped[datetime]
    end: Mapped[datetime | None]
    cause: Mapped[str] = mapped_column(String(16), default="failure")
    source: Mapped[str] = mapped_column(String(16), default="probe")
    summary: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))


class OutageReclassification(Base):
    """Append-only: who changed an outage's cause, when, from what, to what, and why."""

    __tablename__ = "outage_reclassification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    from_cause: Mapped[str] = mapped_column(String(16))
    to_cause: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)


class OutagePublicNote(Base):
    """Append-only: the short note for residents on an ongoing outage (``/status``).

    The newest row of an outage is shown; an empty ``text`` withdraws the note. Written
    by the IT officer from the system's page, each row audited.
    """

    __tablename__ = "outage_public_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(500))


class MaintenanceWindow(Base):
    """A planned window declared through the CLI (config windows live in ``[[maintenance]]``).

    One-off windows have ``start``/``end`` (UTC); recurring ones have ``weekdays``
    ("0,6" = Monday and Sunday) and local ``hours`` ("02:00-04:00").
    ``check_names`` is a comma-separated list; empty means every check of ``unit_id``
    (or of every unit when that is NULL).
    """

    __tablename__ = "maintenance_window"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    check_names: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[str | None] = mapped_column(String(64))
    start: Mapped[datetime | None]
    end: Mapped[datetime | None]
    weekdays: Mapped[str] = mapped_column(String(20), default="")
    hours: Mapped[str | None] = mapped_column(String(20))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    silence_alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    exclude_from_availability: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))


class ProbeResultRow(Base):
    """A raw probe result worth keeping: a failure, a status change or a thin sample."""

    __tablename__ = "probe_result"
    __table_args__ = (Index("ix_probe_result_check_at", "check_name", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[int] = mapped_column(SmallInteger)
    duration: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(String(500), default="")
    reason: Mapped[str] = mapped_column(String(8))
    # what the probe measured of the service (ms; ProbeResult.service_time), not duration
    service_ms: Mapped[float | None] = mapped_column(Float)


class ProbeRollup(Base):
    """Counts and latency of one check over one hour (``seconds`` 3600) or local day (86400).

    ``latency_*`` are the checks' durations (seconds); ``service_*`` what the probes
    measured of the service (milliseconds), which the system page draws."""

    __tablename__ = "probe_rollup"

    check_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    start: Mapped[datetime] = mapped_column(primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    failures: Mapped[int] = mapped_column(Integer)
    unknowns: Mapped[int] = mapped_column(Integer)
    latency_min: Mapped[float] = mapped_column(Float)
    latency_sum: Mapped[float] = mapped_column(Float)
    latency_max: Mapped[float] = mapped_column(Float)
    latency_p95: Mapped[float] = mapped_column(Float)
    # the service's own time (ms) over the results that measured one (``service_count``)
    service_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    service_min: Mapped[float | None] = mapped_column(Float)
    service_sum: Mapped[float | None] = mapped_column(Float)
    service_max: Mapped[float | None] = mapped_column(Float)
    service_p95: Mapped[float | None] = mapped_column(Float)


class CheckHistory(Base):
    """Append-only: when a check was added to the config, changed and removed.

    Why: editing the config must not rewrite history. A past period is computed with the
    checks as they were then (``checks.availability.watch``); the first ``added`` row is
    the check's *watched since*, and time before it is not watched. ``kind``, ``target``,
    ``unit_id`` and ``counts_for_kpi`` are NULL only on rows the migration wrote from a
    check's first result (its config then was not known); the daemon fills them in.
    """

    __tablename__ = "check_history"
    __table_args__ = (Index("ix_check_history_check_at", "check_name", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    event: Mapped[str] = mapped_column(String(16))  # added, changed, removed
    kind: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(500))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    counts_for_kpi: Mapped[bool | None] = mapped_column(Boolean)
