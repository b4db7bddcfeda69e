"""KPI 1: availability of systems within the office's working time.

``compute()`` is the one entry point, shared by ``itops availability`` and the annual
report: it loads the period's intervals (this module) and hands them to the pure
``checks.availability.evaluate.evaluate``. Per check, over the local dates ``first`` ..
``until`` (exclusive):

1. W = working time of the check's unit (``OfficeCalendar``), cut at "now";
2. X = excluded time inside W: maintenance windows with ``exclude_from_availability``,
   outages classified ``planned`` (and ``external`` unless ``external_counts``);
3. D = ``failure`` outages (and ``external`` when it counts) inside W and not in X;
   ``false_alarm`` outages count for nothing;
4. G = monitoring gaps inside W (UNKNOWN, itops not running): neither up nor down.

``availability = (W − X − G′ − D) / (W − X − G′)``, G′ the part of G neither in D nor in X
(time itops could not tell is no uptime), and ``coverage = 1 − G / W``. The office (or
``unit``) figure uses the union of D over its checks with ``counts_for_kpi`` and, as X,
the time excluded for every one of them. Only interval tables are read, never raw
results, so a year for a thousand checks stays cheap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from checks.availability.config import AVAILABILITY
from checks.availability.evaluate import (
    CheckInput,
    OutageInput,
    PeriodInput,
    WorkingTime,
    cut,
    evaluate,
    local_midnight,
)
from checks.availability.figures import (
    AvailabilityReport,
    CheckAvailability,
    MonthFigure,
    OfficeAvailability,
    OutageEntry,
)
from checks.availability.maintenance import load_windows
from checks.availability.models import MonitoringGap, Outage, OutageReclassification
from checks.availability.watch import period_checks
from checks.config import CHECKS, CheckConfig
from itops.config import OFFICE_UNIT, Settings
from itops.errors import ValidationError
from itops.intervals import Interval, clip, total_seconds_normalized

__all__ = [
    "AvailabilityReport",
    "CheckAvailability",
    "MonthFigure",
    "OfficeAvailability",
    "OutageEntry",
    "compute",
    "effective_causes",
    "outage_working_seconds",
]


def compute(
    db: Session,
    settings: Settings,
    first: date,
    until: date,
    *,
    check: str | None = None,
    unit: str | None = None,
    now: datetime | None = None,
) -> AvailabilityReport:
    """KPI 1 over local dates ``first`` .. ``until`` (exclusive); see the module docstring.

    ``check`` limits the checks to one; ``unit`` to the checks of one unit and makes the
    aggregate that unit's. Time after ``now`` (default: the wall clock) is not yet measured.
    Raises ``ValidationError`` for an empty period or an unknown check or unit.
    """
    return evaluate(load(db, settings, first, until, check=check, unit=unit, now=now))


def load(
    db: Session,
    settings: Settings,
    first: date,
    until: date,
    *,
    check: str | None = None,
    unit: str | None = None,
    now: datetime | None = None,
) -> PeriodInput:
    """The period's checks, working time, outages, gaps and maintenance windows."""
    if until <= first:
        raise ValidationError(f"--to {until} must be after --from {first}")
    units = settings.unit_names()
    if unit is not None and unit not in units:
        raise ValidationError(f'unknown unit "{unit}" (known: {", ".join(sorted(units))})')
    tz, moment, window = _window(settings, first, until, now)
    configs = _period_checks(db, settings, window, check, unit)
    if check is not None and not configs:
        raise ValidationError(f'unknown check "{check}"')
    aggregate_unit = unit or (configs[0].unit if check is not None else OFFICE_UNIT)
    working = {
        unit_id: clip(
            settings.calendar(unit_id).working_intervals_between(first, until),
            window.start,
            window.end,
        )
        for unit_id in dict.fromkeys([*(c.unit for c in configs), aggregate_unit])
    }
    gaps_global, gaps_by_check = _gaps(db, window)
    availability = settings.section(AVAILABILITY)
    return PeriodInput(
        first=first,
        until=until,
        tz=tz,
        window=window,
        checks=configs,
        aggregate_unit=aggregate_unit,
        working=working,
        outages=_outages(db, [c.name for c in configs], window),
        gaps_global=gaps_global,
        gaps_by_check=gaps_by_check,
        windows=load_windows(settings, db),
        external_counts=availability.external_counts,
        target=availability.target,
        as_of=moment if moment < local_midnight(until, tz) else None,
    )


def _window(
    settings: Settings, first: date, until: date, now: datetime | None
) -> tuple[ZoneInfo, datetime, Interval]:
    """The office's zone, "now" in UTC and the period's time up to now."""
    tz = ZoneInfo(settings.office.timezone)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    period_start = local_midnight(first, tz)
    window = Interval(period_start, min(local_midnight(until, tz), max(moment, period_start)))
    return tz, moment, window


def outage_working_seconds(
    db: Session,
    settings: Settings,
    first: date,
    until: date,
    outages: Sequence[tuple[int, str, datetime, datetime | None]],
    now: datetime | None = None,
) -> dict[int, float]:
    """Each outage's (id, check, start, end) working time in the period as ``compute``
    counts it (``OutageEntry.working_seconds``; 0 when none, or when the check is not one
    of the period's), without computing the period: the "Awarie" page shows 50 outages of
    a year at a time (issue 13). Same window, units and working time as ``load``."""
    _tz, _moment, window = _window(settings, first, until, now)
    units = {c.name: c.unit for c in _period_checks(db, settings, window, None, None)}
    working: dict[str, WorkingTime] = {}
    out: dict[int, float] = {}
    for outage_id, name, start, end in outages:
        unit, piece = units.get(name), cut(window, start, end)
        out[outage_id] = 0.0
        if unit is None or piece is None:
            continue
        if unit not in working:
            days = settings.calendar(unit).working_intervals_between(first, until)
            working[unit] = WorkingTime(clip(days, window.start, window.end))
        out[outage_id] = total_seconds_normalized(working[unit].overlap(piece))
    return out


def _period_checks(
    db: Session,
    settings: Settings,
    window: Interval,
    check: str | None,
    unit: str | None,
) -> list[CheckInput]:
    """The period's checks as they were in it (``watch``), or the config's before any
    history was recorded; limited to one check or to the checks of one unit."""
    found = period_checks(db, settings, window)
    if found is None:
        configs: list[CheckConfig] = list(settings.section(CHECKS))
        found = [CheckInput(c.name, c.kind, c.unit, c.kpi) for c in configs]
    if check is not None:
        found = [c for c in found if c.name == check]
    if unit is not None:
        found = [c for c in found if c.unit == unit]
    return found


def _outages(db: Session, names: list[str], window: Interval) -> dict[str, list[OutageInput]]:
    """The checks' outages overlapping ``window``, by start, with their effective cause.

    Read through Core (no ORM row objects); for more checks than one ``IN`` list takes,
    every outage of the window is read and the names filtered here, and the
    reclassifications come from one query instead of one per 500 outages: a year of
    5,000 checks was ~130 queries.
    """
    overlapping = (Outage.start < window.end) & or_(Outage.end.is_(None), Outage.end > window.start)
    stmt = (
        select(
            Outage.id,
            Outage.check_name,
            Outage.start,
            Outage.end,
            Outage.cause,
            Outage.note,
            Outage.source,
        )
        .where(overlapping)
        .order_by(Outage.start, Outage.id)
    )
    if len(names) <= _IN_LIST:
        stmt = stmt.where(Outage.check_name.in_(names))
    conn = db.connection()
    wanted = set(names)
    rows = [row for row in conn.execute(stmt) if row[1] in wanted]
    # Every reclassification, newest last (a person enters each: a few per outage at
    # most); a join on the window was 0.14 s for a year of 5,000 checks.
    causes = {
        outage_id: cause
        for outage_id, cause in conn.execute(
            select(OutageReclassification.outage_id, OutageReclassification.to_cause).order_by(
                OutageReclassification.at, OutageReclassification.id
            )
        )
    }
    out: dict[str, list[OutageInput]] = defaultdict(list)
    for outage_id, name, start, end, cause, note, source in rows:
        out[name].append(
            OutageInput(
                outage_id,
                name,
                start,
                end,
                causes.get(outage_id, cause),
                cause,
                note,
                source != "probe",
            )
        )
    return out


_IN_LIST = 500  # names in one IN (...): below SQLite's and PostgreSQL's parameter limits


def _gaps(
    db: Session, window: Interval
) -> tuple[list[tuple[str | None, Interval]], dict[str, list[Interval]]]:
    """Monitoring gaps inside ``window``: itops-wide ones (per unit or all) and per check."""
    gaps_global: list[tuple[str | None, Interval]] = []
    gaps_by_check: dict[str, list[Interval]] = defaultdict(list)
    for gap_unit, gap_check, gap_start, gap_end in db.execute(
        select(
            MonitoringGap.unit_id,
            MonitoringGap.check_name,
            MonitoringGap.start,
            MonitoringGap.end,
        )
        .where(MonitoringGap.start < window.end)
        .where(or_(MonitoringGap.end.is_(None), MonitoringGap.end > window.start))
    ):
        end = gap_end if gap_end is not None else window.end
        if end <= gap_start:
            continue
        piece = Interval(max(gap_start, window.start), min(end, window.end))
        if gap_check is None:
            gaps_global.append((gap_unit, piece))
        else:
            gaps_by_check[gap_check].append(piece)
    return gaps_global, gaps_by_check


def effective_causes(db: Session, outage_ids: list[int]) -> dict[int, str]:
    """The newest reclassification's cause per outage id (absent: never reclassified)."""
    out: dict[int, str] = {}
    for chunk_start in range(0, len(outage_ids), 500):
        chunk = outage_ids[chunk_start : chunk_start + 500]
        rows = db.execute(
            select(OutageReclassification.outage_id, OutageReclassification.to_cause)
            .where(OutageReclassification.outage_id.in_(chunk))
            .order_by(OutageReclassification.at, OutageReclassification.id)
        )
        for outage_id, cause in rows:
            out[outage_id] = cause
    return out
