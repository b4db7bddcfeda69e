"""Outages and per-check monitoring gaps from probe results, plus raw results and rollups.

``OutageTracker`` is a ``ResultSink``: ``submit()`` runs on the daemon's loop and only
updates memory and queues writes; the periodic ``flush()`` job writes the queue in one
transaction from a worker thread, so a probe never waits for the database.

Rules:
1. ``confirm`` consecutive CRITICAL results open an outage whose ``start`` is back-dated
   to the first failed probe of the run; the first OK/WARNING result closes it (``end``).
2. UNKNOWN opens a monitoring gap for that check (closed by the next definite result);
   it neither opens nor closes an outage and leaves a failure run as it is.
3. After a restart the open outages and gaps are reloaded from the database.
4. Times are the wall clock (UTC), which NTP may step back: an interval never ends
   before it starts (the end is clamped to the start).

Raw results keep failures, status changes and one thin sample per ``raw_sample_every``;
every result goes into an hourly rollup (count, failures, latency min/avg/max/p95).

The module also holds the manual operations behind ``itops outages``: add, CSV import
(all rows or none) and append-only reclassification.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import threading
import time as time_mod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, and_, delete, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.config import AVAILABILITY
from checks.availability.maintenance import Window, is_silenced, load_windows
from checks.availability.models import (
    CAUSES,
    MonitoringGap,
    Outage,
    OutageReclassification,
    ProbeResultRow,
    ProbeRollup,
)
from checks.config import CHECKS
from itops.config import OFFICE_UNIT, Settings
from itops.db.session import session_scope
from itops.errors import ValidationError
from itops.events import MONITORING_GAP, OUTAGE_CLOSED, OUTAGE_OPENED, Event, EventBus
from itops.status import ProbeResult, Status

logger = logging.getLogger(__name__)

HOUR = 3600
DAY = 86400
MAX_RETRY_SECONDS = 30.0
# Raw samples held in memory while the database is away. Availability is answered from
# the outage and gap rows, which are never dropped; past this many raw samples the
# oldest are shed (logged), so a weekend-long database outage cannot exhaust memory.
MAX_BUFFERED_RAW = 200_000


@dataclass
class _Open:
    """An interval row being tracked; ``id`` is set once the row is written."""

    start: datetime
    id: int | None = None


@dataclass
class _CheckTrack:
    failures: int = 0
    run_start: datetime | None = None
    outage: _Open | None = None
    gap: _Open | None = None
    last_status: Status | None = None
    last_sample: datetime | None = None


@dataclass
class _Rollup:
    count: int = 0
    failures: int = 0
    unknowns: int = 0
    latencies: list[float] = field(default_factory=list)


def _hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class OutageTracker:
    """The ResultSink behind KPI 1; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        events: EventBus | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.events = events
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one flush at a time: a close needs its open's id
        self._tracks: dict[str, _CheckTrack] = {}
        self._ops: list[tuple[Any, ...]] = []
        self._rollups: dict[tuple[str, datetime], _Rollup] = {}
        self._windows: list[Window] = load_windows(settings, None)
        self._config_of: Settings | None = None
        self._by_name: dict[str, tuple[str, int]] = {}
        self._failures = 0
        self._retry_at = 0.0
        self._raw_queued = 0  # "raw" entries in _ops
        self._raw_shed = 0

    def _config(self, name: str) -> tuple[str, int]:
        """(unit, confirm) of a check; the table is rebuilt when the settings are replaced."""
        if self._config_of is not self.settings:
            self._by_name = {c.name: (c.unit, c.confirm) for c in self.settings.section(CHECKS)}
            self._config_of = self.settings
        return self._by_name.get(name, (OFFICE_UNIT, 2))

    def submit(self, result: ProbeResult) -> None:
        """Update the check's state and queue writes; never touches the database."""
        unit, confirm = self._config(result.check)
        with self._lock:
            track = self._tracks.setdefault(result.check, _CheckTrack())
            self._raw(track, result, track.last_status is not result.status)
            self._rollup(result)
            track.last_status = result.status
            if result.status is Status.UNKNOWN:
                event = self._unknown(track, result, unit)
            else:
                if track.gap is not None:
                    end = max(result.started_at, track.gap.start)  # a clock stepped back
                    self._ops.append(("gap_close", track.gap, end))
                    track.gap = None
                if result.status.is_failure:
                    event = self._failure(track, result, unit, confirm)
                else:
                    event = self._recovery(track, result, unit)
        if event is not None and self.events is not None:
            self.events.publish(event)

    def _unknown(self, track: _CheckTrack, result: ProbeResult, unit: str) -> Event | None:
        """UNKNOWN opens a gap (once); outages and failure runs are left as they are."""
        if track.gap is not None:
            return None
        at = result.started_at
        track.gap = _Open(at)
        self._ops.append(("gap_open", result.check, unit, track.gap, result.summary))
        return Event(
            MONITORING_GAP, result.check, result.status, at, result.summary,
            {"unit": unit, "start": at.isoformat()},
        )

    def _failure(
        self, track: _CheckTrack, result: ProbeResult, unit: str, confirm: int
    ) -> Event | None:
        """Count the run; at ``confirm`` open the outage back-dated to its first failure."""
        if track.outage is not None:
            return None
        if track.run_start is None:
            track.run_start = result.started_at
        track.failures += 1
        if track.failures < confirm:
            return None
        track.outage = _Open(track.run_start)
        self._ops.append(("outage_open", result.check, unit, track.outage, result.summary))
        return Event(
            OUTAGE_OPENED, result.check, result.status, track.run_start, result.summary,
            {
                "unit": unit,
                "start": track.run_start.isoformat(),
                "silenced": self.silenced(result.check, unit, result.started_at),
            },
        )

    def _recovery(self, track: _CheckTrack, result: ProbeResult, unit: str) -> Event | None:
        """A good result ends the failure run and closes an open outage (``end`` = now)."""
        track.failures, track.run_start = 0, None
        if track.outage is None:
            return None
        start = track.outage.start
        at = max(result.started_at, start)  # NTP stepped back: never end before the start
        self._ops.append(("outage_close", track.outage, at))
        track.outage = None
        return Event(
            OUTAGE_CLOSED, result.check, result.status, at, result.summary,
            {
                "unit": unit,
                "start": start.isoformat(),
                "end": at.isoformat(),
                "silenced": self.silenced(result.check, unit, at),
            },
        )

    def silenced(self, check: str, unit: str, at: datetime) -> bool:
        """Whether a maintenance window silences alerts about ``check`` at ``at``.

        Events still go out (the record is complete); ``data["silenced"]`` tells
        notification subscribers to stay quiet.
        """
        tz = ZoneInfo(self.settings.office.timezone)
        return is_silenced(self._windows, check, unit, at, tz)

    def _raw(self, track: _CheckTrack, result: ProbeResult, changed: bool) -> None:
        every = self.settings.section(AVAILABILITY).raw_sample_every
        reason = None
        if changed:
            reason = "change"
        elif result.status is not Status.OK:
            reason = "failure"
        elif track.last_sample is None or result.started_at - track.last_sample >= every:
            reason = "sample"
        if reason is None:
            return
        track.last_sample = result.started_at
        self._ops.append(("raw", result, reason))
        self._raw_queued += 1
        if self._raw_queued > MAX_BUFFERED_RAW:
            self._shed_raw()

    def _shed_raw(self) -> None:
        """Drop the oldest half of the queued raw samples (called under ``_lock``)."""
        excess = self._raw_queued - MAX_BUFFERED_RAW // 2
        kept: list[tuple[Any, ...]] = []
        for op in self._ops:
            if excess > 0 and op[0] == "raw":
                excess -= 1
                continue
            kept.append(op)
        dropped = len(self._ops) - len(kept)
        self._ops, self._raw_queued = kept, self._raw_queued - dropped
        self._raw_shed += dropped
        logger.warning("database still unavailable: dropped the %d oldest buffered raw "
                       "samples (%d in all); outages and gaps are kept", dropped,
                       self._raw_shed)

    def _rollup(self, result: ProbeResult) -> None:
        key = (result.check, _hour(result.started_at))
        acc = self._rollups.get(key)
        if acc is None:
            acc = self._rollups[key] = _Rollup()
        acc.count += 1
        if result.status.is_failure:
            acc.failures += 1
        elif result.status is Status.UNKNOWN:
            acc.unknowns += 1
        acc.latencies.append(result.duration)

    def open_outages(self) -> dict[str, datetime]:
        """Start of each check's open outage (for the status board)."""
        with self._lock:
            return {n: t.outage.start for n, t in self._tracks.items() if t.outage is not None}

    def load(self) -> None:
        """Reload open outages and per-check gaps after a restart."""
        with session_scope(self.sessions) as db:
            outages = list(db.scalars(select(Outage).where(Outage.end.is_(None))))
            gaps = list(
                db.scalars(
                    select(MonitoringGap).where(
                        MonitoringGap.end.is_(None), MonitoringGap.check_name.is_not(None)
                    )
                )
            )
        with self._lock:
            for row in outages:
                track = self._tracks.setdefault(row.check_name, _CheckTrack())
                track.outage = _Open(row.start, row.id)
                track.run_start = row.start
                track.last_status = Status.CRITICAL
            for gap in gaps:
                track = self._tracks.setdefault(gap.check_name or "", _CheckTrack())
                track.gap = _Open(gap.start, gap.id)
        logger.info("reloaded %d open outages and %d open gaps", len(outages), len(gaps))

    def flush(self, now: datetime, *, everything: bool = False) -> int:
        """Write queued rows and finished rollup hours in one transaction; return rows.

        While the database is unreachable (restart, full disk, lock held too long) the
        queue stays in memory and probing goes on; attempts back off exponentially from
        ``flush_interval`` up to ``MAX_RETRY_SECONDS`` and the problem is logged once,
        then once more when the buffered rows are written.
        """
        with self._flush_lock:
            if not everything and time_mod.monotonic() < self._retry_at:
                return 0
            try:
                written = self._flush(now, everything)
            except SQLAlchemyError as exc:
                self._note_failure(exc, everything)
                return 0
            if self._failures:
                logger.info(
                    "database reachable again: wrote %d buffered rows after %d failed attempts",
                    written, self._failures,
                )
                self._failures, self._retry_at = 0, 0.0
            return written

    def _note_failure(self, exc: SQLAlchemyError, final: bool) -> None:
        self._failures += 1
        base = self.settings.section(AVAILABILITY).flush_interval.total_seconds()
        delay = min(MAX_RETRY_SECONDS, base * 2**self._failures)
        self._retry_at = time_mod.monotonic() + delay
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        with self._lock:
            queued = len(self._ops)
        if final:
            logger.error("database unavailable at shutdown, %d queued writes lost: %s",
                         queued, reason)
        elif self._failures == 1:
            logger.error(
                "database unavailable, keeping %d queued writes in memory and retrying "
                "with backoff: %s", queued, reason,
            )
        else:
            logger.warning(
                "database still unavailable (attempt %d, %d writes queued), next try in "
                "%.1f s: %s", self._failures, queued, delay, reason,
            )

    def _flush(self, now: datetime, everything: bool) -> int:
        current = _hour(now)
        with self._lock:
            ops, self._ops, self._raw_queued = self._ops, [], 0
            ready = {
                k: v for k, v in self._rollups.items() if everything or k[1] < current
            }
            for key in ready:
                del self._rollups[key]
        if not ops and not ready:
            with session_scope(self.sessions) as db:
                self._windows = load_windows(self.settings, db)
            return 0
        try:
            with session_scope(self.sessions) as db:
                written = self._write(db, ops, now)
                written += self._write_rollups(db, ready)
                self._windows = load_windows(self.settings, db)
        except Exception:
            with self._lock:
                self._ops[:0] = ops
                self._raw_queued = sum(1 for op in self._ops if op[0] == "raw")
                for key, acc in ready.items():
                    self._rollups.setdefault(key, acc)
            raise
        return written

    def _write(self, db: Session, ops: list[tuple[Any, ...]], now: datetime) -> int:
        raws: list[dict[str, Any]] = []
        for op in ops:
            kind = op[0]
            if kind == "raw":
                result, reason = op[1], op[2]
                raws.append(
                    {
                        "check_name": result.check,
                        "at": result.started_at,
                        "status": int(result.status),
                        "duration": result.duration,
                        "summary": result.summary[:500],
                        "reason": reason,
                    }
                )
            elif kind == "outage_open":
                _, name, unit, track, summary = op
                row = Outage(
                    check_name=name,
                    unit_id=unit,
                    start=track.start,
                    cause="failure",
                    source="probe",
                    summary=summary[:500],
                    note="",
                    created_at=now,
                )
                db.add(row)
                db.flush()
                track.id = row.id
            elif kind == "outage_close":
                _, track, end = op
                outage = db.get(Outage, track.id)
                if outage is not None:
                    outage.end = end
            elif kind == "gap_open":
                _, name, unit, track, summary = op
                gap = MonitoringGap(
                    unit_id=unit, check_name=name, start=track.start, reason=summary[:200]
                )
                db.add(gap)
                db.flush()
                track.id = gap.id
            elif kind == "gap_close":
                _, track, end = op
                gap_row = db.get(MonitoringGap, track.id)
                if gap_row is not None:
                    gap_row.end = end
        if raws:
            db.execute(insert(ProbeResultRow), raws)
        return len(ops)

    def _write_rollups(self, db: Session, ready: dict[tuple[str, datetime], _Rollup]) -> int:
        if not ready:
            return 0
        hours = sorted({k[1] for k in ready})
        existing = {
            (r.check_name, r.start): r
            for r in db.scalars(
                select(ProbeRollup).where(
                    ProbeRollup.start.in_(hours), ProbeRollup.seconds == HOUR
                )
            )
            if (r.check_name, r.start) in ready
        }
        fresh: list[dict[str, Any]] = []
        for (name, start), acc in ready.items():
            lat = acc.latencies
            old = existing.get((name, start))
            if old is not None:
                old.count += acc.count
                old.failures += acc.failures
                old.unknowns += acc.unknowns
                old.latency_min = min(old.latency_min, min(lat))
                old.latency_max = max(old.latency_max, max(lat))
                old.latency_sum += sum(lat)
                old.latency_p95 = max(old.latency_p95, _p95(lat))
                continue
            fresh.append(
                {
                    "check_name": name,
                    "start": start,
                    "seconds": HOUR,
                    "count": acc.count,
                    "failures": acc.failures,
                    "unknowns": acc.unknowns,
                    "latency_min": min(lat),
                    "latency_sum": sum(lat),
                    "latency_max": max(lat),
                    "latency_p95": _p95(lat),
                }
            )
        if fresh:
            db.execute(insert(ProbeRollup), fresh)
        return len(ready)


def prune(db: Session, settings: Settings, now: datetime) -> tuple[int, int]:
    """Drop raw results past ``raw_retention``; fold old hourly rollups into local days.

    Hourly rows older than ``hourly_retention`` become one row per check and local day
    (p95 of a day = the highest hourly p95, an upper bound). Returns (raw deleted,
    hourly rows folded).
    """
    raw_cut = now - settings.storage.raw_retention
    outcome = db.execute(delete(ProbeResultRow).where(ProbeResultRow.at < raw_cut))
    deleted = outcome.rowcount if isinstance(outcome, CursorResult) else 0
    tz = ZoneInfo(settings.office.timezone)
    cut_day = (now - settings.section(AVAILABILITY).hourly_retention).astimezone(tz).date()
    cut = datetime.combine(cut_day, time(0), tzinfo=tz).astimezone(UTC)
    rows = list(
        db.scalars(
            select(ProbeRollup).where(ProbeRollup.seconds == HOUR, ProbeRollup.start < cut)
        )
    )
    days: dict[tuple[str, datetime], list[ProbeRollup]] = {}
    for row in rows:
        local_day = row.start.astimezone(tz).date()
        start = datetime.combine(local_day, time(0), tzinfo=tz).astimezone(UTC)
        days.setdefault((row.check_name, start), []).append(row)
    for (name, start), parts in days.items():
        daily = db.get(ProbeRollup, (name, start))
        if daily is not None and daily.seconds == HOUR and daily in parts:
            parts = [p for p in parts if p is not daily]
            base = daily
            base.seconds = DAY
        elif daily is None:
            base = ProbeRollup(
                check_name=name,
                start=start,
                seconds=DAY,
                count=0,
                failures=0,
                unknowns=0,
                latency_min=math.inf,
                latency_sum=0.0,
                latency_max=0.0,
                latency_p95=0.0,
            )
            db.add(base)
        else:
            base = daily
        for part in parts:
            base.count += part.count
            base.failures += part.failures
            base.unknowns += part.unknowns
            base.latency_min = min(base.latency_min, part.latency_min)
            base.latency_max = max(base.latency_max, part.latency_max)
            base.latency_sum += part.latency_sum
            base.latency_p95 = max(base.latency_p95, part.latency_p95)
            db.delete(part)
    return int(deleted or 0), len(rows)


# --- manual outages: add, import, reclassify ----------------------------------------------


@dataclass(frozen=True)
class ManualOutage:
    """A validated outage to insert (from the CLI or a CSV row)."""

    check: str
    start: datetime
    end: datetime | None
    cause: str
    note: str


def _parse_instant(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        example = "2025-03-04T09:15:00+01:00"
        raise ValueError(f'{what} "{text}" is not ISO 8601 (e.g. {example})') from None
    if value.tzinfo is None:
        raise ValueError(f'{what} "{text}" needs a UTC offset (e.g. +01:00)')
    return value.astimezone(UTC)


def parse_outage(
    settings: Settings, check: str, start: str, end: str | None, cause: str, note: str
) -> ManualOutage:
    """Validate one manual outage; raises ValueError naming the bad field."""
    names = {c.name for c in settings.section(CHECKS)}
    if check not in names:
        raise ValueError(f'unknown check "{check}"')
    if cause not in CAUSES:
        raise ValueError(f'unknown cause "{cause}" (known: {", ".join(CAUSES)})')
    begin = _parse_instant(start, "start")
    finish = _parse_instant(end, "end") if end else None
    if finish is not None and finish <= begin:
        raise ValueError("end must be after start")
    return ManualOutage(check, begin, finish, cause, note)


def _overlapping(db: Session, item: ManualOutage) -> Outage | None:
    end = item.end or datetime.max.replace(tzinfo=UTC)
    return db.scalars(
        select(Outage).where(
            Outage.check_name == item.check,
            Outage.start < end,
            or_(Outage.end.is_(None), Outage.end > item.start),
        )
    ).first()


def add_outages(
    db: Session,
    settings: Settings,
    items: Iterable[ManualOutage],
    now: datetime,
    actor: str | None,
    source: str,
) -> list[int]:
    """Insert manual outages; an overlap with a stored outage of the check is refused."""
    units = {c.name: c.unit for c in settings.section(CHECKS)}
    ids: list[int] = []
    for item in items:
        clash = _overlapping(db, item)
        if clash is not None:
            raise ValidationError(
                f'check "{item.check}": overlaps outage #{clash.id} '
                f"({clash.start.isoformat()} – {clash.end.isoformat() if clash.end else 'open'})"
            )
        row = Outage(
            check_name=item.check,
            unit_id=units.get(item.check, OFFICE_UNIT),
            start=item.start,
            end=item.end,
            cause=item.cause,
            source=source,
            summary="",
            note=item.note,
            created_at=now,
            created_by=actor,
        )
        db.add(row)
        db.flush()
        ids.append(row.id)
    return ids


CSV_HEADER = ["check", "start", "end", "cause", "note"]


def parse_csv(settings: Settings, text: str) -> list[ManualOutage]:
    """Every row or nothing: ValidationError lists each bad row by its line number."""
    from itops.spreadsheet import rows as csv_rows

    rows: list[list[str]] = []
    for number, cells in csv_rows(csv.reader(io.StringIO(text, newline=""))):
        if isinstance(cells, str):
            raise ValidationError(f"the file was not imported:\nline {number}: {cells}")
        rows.append(cells)
    if not rows or [h.strip() for h in rows[0]] != CSV_HEADER:
        raise ValidationError(f"line 1: the header must be {','.join(CSV_HEADER)}")
    problems: list[str] = []
    items: list[ManualOutage] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_HEADER):
            problems.append(f"line {number}: expected {len(CSV_HEADER)} columns, got {len(row)}")
            continue
        check, start, end, cause, note = (cell.strip() for cell in row)
        try:
            items.append(parse_outage(settings, check, start, end or None, cause, note))
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
    by_check: dict[str, list[ManualOutage]] = {}
    for item in items:
        by_check.setdefault(item.check, []).append(item)
    far = datetime.max.replace(tzinfo=UTC)
    for name, group in by_check.items():
        group.sort(key=lambda i: i.start)
        for a, b in zip(group, group[1:], strict=False):
            if (a.end or far) > b.start:
                problems.append(f'check "{name}": rows overlap at {b.start.isoformat()}')
    if problems:
        raise ValidationError("the file was not imported:\n" + "\n".join(problems))
    return items


def reclassify(
    db: Session, outage_id: int, cause: str, actor: str, reason: str, now: datetime
) -> OutageReclassification:
    """Record a new cause for an outage; the original row and earlier records stay."""
    if cause not in CAUSES:
        raise ValidationError(f'unknown cause "{cause}" (known: {", ".join(CAUSES)})')
    if not reason.strip():
        raise ValidationError("a reason is required to reclassify an outage")
    outage = db.get(Outage, outage_id)
    if outage is None:
        raise ValidationError(f"no outage #{outage_id}")
    previous = db.scalars(
        select(OutageReclassification.to_cause)
        .where(OutageReclassification.outage_id == outage_id)
        .order_by(OutageReclassification.at.desc(), OutageReclassification.id.desc())
    ).first()
    current = previous or outage.cause
    if current == cause:
        raise ValidationError(f"outage #{outage_id} is already classified as {cause}")
    record = OutageReclassification(
        outage_id=outage_id,
        at=now,
        actor=actor,
        from_cause=current,
        to_cause=cause,
        reason=reason.strip(),
    )
    db.add(record)
    db.flush()
    return record


def list_outages(
    db: Session, first: date, until: date, tz: ZoneInfo, check: str | None = None
) -> list[tuple[Outage, str, list[OutageReclassification]]]:
    """Outages overlapping the local dates, each with its effective cause and history."""
    lo = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(until, time(0), tzinfo=tz).astimezone(UTC)
    query = select(Outage).where(
        and_(Outage.start < hi, or_(Outage.end.is_(None), Outage.end > lo))
    )
    if check is not None:
        query = query.where(Outage.check_name == check)
    rows = list(db.scalars(query.order_by(Outage.start, Outage.id)))
    history: dict[int, list[OutageReclassification]] = {r.id: [] for r in rows}
    if rows:
        for rec in db.scalars(
            select(OutageReclassification)
            .where(OutageReclassification.outage_id.in_(list(history)))
            .order_by(OutageReclassification.at, OutageReclassification.id)
        ):
            history[rec.outage_id].append(rec)
    return [
        (r, history[r.id][-1].to_cause if history[r.id] else r.cause, history[r.id])
        for r in rows
    ]

