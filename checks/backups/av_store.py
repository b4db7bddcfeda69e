"""Storage of antivirus state: the reports of the agents and ClamAV, each host's state and
its periods of non-compliance (``AvIncident``), the sweep of silent and retired hosts.

Like ``checks.backups.store`` (which re-exports these names): every write takes the
caller's session and returns the events to publish after commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from checks.backups.config import ANTIVIRUS
from checks.backups.models import NONCOMPLIANT, AvHost, AvIncident, AvReport
from checks.backups.records import (
    AvSnapshot,
    IncidentRecord,
    as_stored,
    av_snapshot,
    incident_kind,
    move_incident,
)
from checks.kinds.defender import evaluate_defender
from itops import events
from itops.config import Settings
from itops.db.bulk import insert_rows, update_by_key
from itops.errors import ValidationError
from itops.events import Event
from itops.messages import Summary, from_stored, stored
from itops.status import Status


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


# Core tables: plain executemany statements, without the ORM's bulk machinery.
_HOSTS: Table = AvHost.__table__  # type: ignore[assignment]
_REPORTS: Table = AvReport.__table__  # type: ignore[assignment]
# The columns of a host's state but its key and Defender section (compared one by one).
_STATE = (
    "last_report_at",
    "product",
    "first_seen",
    "status",
    "summary",
    "since",
    "signature_updated",
    "signature_version",
    "realtime",
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
            for r in db.execute(select(_HOSTS).where(_HOSTS.c.host.in_(chunk)))
        )
        for incident in db.scalars(
            select(AvIncident)
            .where(AvIncident.host.in_(chunk), AvIncident.end.is_(None))
            .order_by(AvIncident.start, AvIncident.id)
        ):
            open_incident[incident.host] = incident  # the newest open one, as before
    stored_rows = {h: dict(r) for h, r in rows.items()}
    changed: dict[str, dict[str, Any]] = {}
    history: list[dict[str, Any]] = []
    snaps: list[AvSnapshot] = []
    summaries: dict[str, Summary] = {}  # a batch's hosts mostly share a few summaries
    found: list[Event] = []
    for report in reports:
        host = normalize_host(report.host)
        text = as_stored(report.summary)
        row = rows.get(host)
        history.append(_report_values(host, report, text))
        if row is not None and report.at < row["last_report_at"]:
            # An older report arriving late does not overwrite the newer state.
            snaps.append(_av_snapshot_of(row, summaries))
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
        snaps.append(_av_snapshot_of(row, summaries))
    _write_hosts(db, changed, stored_rows)
    if history:
        insert_rows(db, _REPORTS, history)
    db.flush()  # the incidents
    return snaps, found


def _write_hosts(
    db: Session, changed: dict[str, dict[str, Any]], stored_rows: dict[str, dict[str, Any]]
) -> None:
    """New hosts in one executemany insert; a known host has only the columns written that
    differ from its stored row (a healthy host's report time and summary, not its Defender
    section again): one executemany by primary key per set of changed columns, hosts in
    order."""
    inserts: list[dict[str, Any]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for host in sorted(changed):
        row, before = changed[host], stored_rows.get(host)
        if before is None:
            inserts.append(row)
            continue
        columns = tuple(c for c in _STATE if not _same(row[c], before[c]))
        if not _same_fields(row["fields"], before["fields"]):
            columns += ("fields",)
        if columns:
            updates.setdefault(columns, []).append({"b_host": host, **{c: row[c] for c in columns}})
    if inserts:
        db.execute(_HOSTS.insert(), inserts)
    for rows in updates.values():
        update_by_key(db, _HOSTS, "host", rows)


def _same(a: Any, b: Any) -> bool:
    """Equal and of one type (``1 == 1.0 == True`` would hide a change of stored value)."""
    return a.__class__ is b.__class__ and a == b


def _same_fields(new: Any, old: Any) -> bool:
    """A Defender section stored as it was: same keys in the same order, same scalars (a
    nested value counts as changed, so its JSON is written again)."""
    if not isinstance(new, dict) or not isinstance(old, dict) or list(new) != list(old):
        return False
    return all(_same(v, old[k]) and not isinstance(v, dict | list) for k, v in new.items())


def _av_snapshot_of(row: dict[str, Any], summaries: dict[str, Summary]) -> AvSnapshot:
    text = row["summary"]
    summary = summaries.get(text)
    if summary is None:
        summary = summaries[text] = from_stored(text)
    return AvSnapshot(
        row["host"],
        row["product"],
        Status(row["status"]),
        summary,
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
        opened, _ = move_incident(db, AvIncident, host, effective, at, summary)
    else:
        current = open_incident.get(host)
        wanted = incident_kind(effective)
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
            move_incident(db, AvIncident, row.host, Status.UNKNOWN, silent_from, row.summary)
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


def av_states_page(db: Session, text: str, offset: int, limit: int) -> tuple[int, list[AvSnapshot]]:
    """The hosts whose name or product holds ``text`` (any case), by name: how many, and
    ``limit`` of them from ``offset``. The database filters and pages, so an office of
    thousands of computers is not read whole for one page of 50 (issue 13)."""
    query = select(AvHost)
    if text:
        needle = text.lower()
        query = query.where(
            func.lower(AvHost.host).contains(needle, autoescape=True)
            | func.lower(AvHost.product).contains(needle, autoescape=True)
        )
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(AvHost.host).offset(offset).limit(limit))
    return total, [av_snapshot(r) for r in rows]


def av_incidents(db: Session, host: str | None = None, limit: int = 100) -> list[IncidentRecord]:
    query = select(AvIncident).order_by(AvIncident.start.desc()).limit(limit)
    if host is not None:
        query = query.where(AvIncident.host == normalize_host(host))
    return [
        IncidentRecord(r.host, r.kind, r.start, r.end, from_stored(r.summary))
        for r in db.scalars(query)
    ]
