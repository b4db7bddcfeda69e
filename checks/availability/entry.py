"""Outages entered by hand: one at a time (``itops outages add``), a CSV import (all rows
or none), the append-only reclassification of a cause, and the listing with history.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from checks.availability.models import CAUSES, Outage, OutageReclassification
from checks.config import CHECKS
from itops.config import OFFICE_UNIT, Settings
from itops.errors import ValidationError


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


def office_span(start: datetime, end: datetime | None, tz: str) -> str:
    """``2026-10-26 08:30 – 09:15`` in office time (the end's date only when it differs)."""
    zone = ZoneInfo(tz)
    a = start.astimezone(zone)
    if end is None:
        return f"{a:%Y-%m-%d %H:%M} – open"
    b = end.astimezone(zone)
    return (
        f"{a:%Y-%m-%d %H:%M} – {b:%H:%M}"
        if a.date() == b.date()
        else f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M}"
    )


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
            tz = settings.office.timezone
            raise ValidationError(
                f'check "{item.check}": {office_span(item.start, item.end, tz)} overlaps '
                f"outage #{clash.id} ({office_span(clash.start, clash.end, tz)}, "
                f"office time, {tz})"
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
    line_of: dict[int, int] = {}  # id(item) -> its line in the file
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_HEADER):
            problems.append(f"line {number}: expected {len(CSV_HEADER)} columns, got {len(row)}")
            continue
        check, start, end, cause, note = (cell.strip() for cell in row)
        try:
            items.append(parse_outage(settings, check, start, end or None, cause, note))
            line_of[id(items[-1])] = number
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
                tz = settings.office.timezone
                first, second = sorted((a, b), key=lambda i: line_of[id(i)])
                problems.append(
                    f"lines {line_of[id(first)]} and {line_of[id(second)]}: "
                    f'check "{name}": {office_span(first.start, first.end, tz)} overlaps '
                    f"{office_span(second.start, second.end, tz)} (office time, {tz})"
                )
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
        (r, history[r.id][-1].to_cause if history[r.id] else r.cause, history[r.id]) for r in rows
    ]
