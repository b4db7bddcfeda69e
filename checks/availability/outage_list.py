"""The "Awarie" list in SQL: one year's outages, filtered, newest first, a page at a time.

Why: the page built the whole year's figures in memory and filtered and paged a Python
list (issue 13). Here the database filters (the year, a system, a text in the system's
name, the cause or the note), counts and returns one page (``LIMIT``/``OFFSET``); only the
page's rows get their reclassification count and their minutes in working hours, the
latter counted as the year's figures count them (``kpi.outage_working_seconds``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from checks.availability.kpi import outage_working_seconds
from checks.availability.models import CheckHistory, Outage, OutageReclassification
from checks.availability.texts import CAUSE_LABELS
from itops.config import Settings
from itops.db.session import folded
from itops.web import forms


@dataclass(frozen=True)
class Filters:
    """What the list shows: ``year`` (local), a text ``q`` and a ``system`` (empty: any);
    ``translate`` gives the cause labels in the page's language."""

    year: int
    q: str = ""
    system: str = ""
    translate: Callable[[str], str] = str


@dataclass(frozen=True)
class Listed:
    """One row of the page: the outage, its cause now, how often that was changed and its
    minutes in working hours."""

    outage: Outage
    cause: str
    changes: int
    working_seconds: float


def _latest_cause() -> Any:
    """The newest reclassification's cause of the outage (NULL: never reclassified)."""
    r = OutageReclassification
    return (
        select(r.to_cause)
        .where(r.outage_id == Outage.id)
        .order_by(r.at.desc(), r.id.desc())
        .limit(1)
        .correlate(Outage)
        .scalar_subquery()
    )


def matching_causes(q: str, translate: Callable[[str], str]) -> list[str]:
    """The causes whose key or words (Polish, or the page's language) hold ``q``."""
    needle = q.casefold()
    return [
        cause
        for cause, label in CAUSE_LABELS.items()
        if any(needle in w.casefold() for w in (cause, label, translate(label)))
    ]


def _where(db: Session, tz: ZoneInfo, f: Filters) -> list[ColumnElement[bool]]:
    lo = datetime.combine(date(f.year, 1, 1), time(0), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(date(f.year + 1, 1, 1), time(0), tzinfo=tz).astimezone(UTC)
    where = [and_(Outage.start < hi, or_(Outage.end.is_(None), Outage.end > lo))]
    if f.system:
        where.append(Outage.check_name == f.system)
    if f.q:
        dialect = db.get_bind().dialect.name
        needle = f.q.casefold()
        cause = func.coalesce(_latest_cause(), Outage.cause)
        where.append(
            or_(
                folded(Outage.check_name, dialect).contains(needle, autoescape=True),
                folded(Outage.note, dialect).contains(needle, autoescape=True),
                cause.in_(matching_causes(f.q, f.translate)),
            )
        )
    return where


def count(db: Session, settings: Settings, f: Filters) -> int:
    """How many outages of the year match."""
    where = _where(db, ZoneInfo(settings.office.timezone), f)
    return int(db.scalar(select(func.count()).select_from(Outage).where(*where)) or 0)


def page(
    db: Session, settings: Settings, f: Filters, offset: int, limit: int, now: datetime
) -> list[Listed]:
    """The matching outages ``offset`` .. ``offset + limit``, newest first."""
    tz = ZoneInfo(settings.office.timezone)
    r = OutageReclassification
    changes = (
        select(func.count(r.id)).where(r.outage_id == Outage.id).correlate(Outage)
    ).scalar_subquery()
    stmt = (
        select(Outage, func.coalesce(_latest_cause(), Outage.cause), changes)
        .where(*_where(db, tz, f))
        .order_by(Outage.start.desc(), Outage.id.desc())
        .offset(offset)
        .limit(limit)
    )
    rows = [(o, str(cause), int(n or 0)) for o, cause, n in db.execute(stmt)]
    working = outage_working_seconds(
        db,
        settings,
        date(f.year, 1, 1),
        date(f.year + 1, 1, 1),
        [(o.id, o.check_name, o.start, o.end) for o, _, _ in rows],
        now,
    )
    return [Listed(o, cause, n, working[o.id]) for o, cause, n in rows]


def years(db: Session, this_year: int, tz: ZoneInfo) -> list[int]:
    """The years the list offers, newest first: this one, every year since itops first
    watched a check, and each office-time year an outage (entered by hand, say) reaches
    into. The database knows UTC years only: an outage at 00:30 on 1 January in Warsaw
    is 23:30 on 31 December in UTC, so each UTC year and its neighbours are candidates and
    a year is offered only when its list (the same window as ``count``) is not empty."""
    found = {this_year}
    first_watched = db.scalar(select(func.min(CheckHistory.at)))
    if first_watched is not None:
        found.update(range(_local(first_watched, tz).year, this_year + 1))
    candidates: set[int] = set()
    for column in (Outage.start, Outage.end):
        for y in _years(db.scalars(select(func.extract("year", column)).distinct())):
            candidates.update((y - 1, y, y + 1))
    if candidates and db.scalar(select(Outage.id).where(Outage.end.is_(None)).limit(1)):
        candidates.update(range(min(candidates), this_year + 1))  # still going: every year
    for y in sorted(candidates - found):
        if forms.FIRST_YEAR <= y <= this_year and _any(db, tz, Filters(y)):
            found.add(y)
    return sorted((y for y in found if forms.FIRST_YEAR <= y <= this_year), reverse=True)


def _any(db: Session, tz: ZoneInfo, f: Filters) -> bool:
    return db.scalar(select(Outage.id).where(*_where(db, tz, f)).limit(1)) is not None


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A stored moment in office time (a naive one is UTC, as itops stores them)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz)


def _years(values: Iterable[Any]) -> set[int]:
    return {int(v) for v in values if v is not None}
