"""Which checks were watched when: the check history behind KPI 1's past periods.

Why: editing the config must not rewrite history. The daemon records each check when it
is added to the config, changed (kind, target, unit, counts_for_kpi) and removed
(``sync_checks``, at start, on a reload and when derived checks change); a period is then
computed with the checks as they were in it (``period_checks``): a removed check keeps its
outages in the years it was watched, a check added in June is not watched before June,
and a check that never ran has no coverage at all: from its adding to its first result
it is in a monitoring gap ("could not tell" yet), closed by the tracker at that result.

Before the first start on a database (no history recorded yet) the rule stays what it was:
the configured checks are taken as watched over the whole period (the year of the first
start is a monitoring gap up to it, see ``itops.heartbeat``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.evaluate import CheckInput
from checks.availability.models import CheckHistory, MonitoringGap
from checks.availability.outage_texts import AWAITING_FIRST_RESULT
from checks.config import CHECKS, CheckConfig
from itops.config import OFFICE_UNIT, Settings
from itops.db.session import read_scope, session_scope
from itops.intervals import Interval, subtract, union
from itops.messages import stored

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
# what the target of a check is, in the order looked for among its options; secrets
# (tokens, communities, keys) are never among them
_TARGET_KEYS = ("url", "repository", "query", "path", "process", "cmdline_contains", "tcp")


@dataclass(frozen=True)
class Shape:
    """What the history records of a check: the settings that change what it measures."""

    kind: str
    target: str
    unit: str
    kpi: bool


def target_of(cfg: CheckConfig) -> str:
    """What the check looks at (URL, host:port, path …), never a secret of its options."""
    options = cfg.options
    host = getattr(options, "host", None)
    if host is not None:
        port = getattr(options, "port", None)
        return str(host) if port is None else f"{host}:{port}"
    for key in _TARGET_KEYS:
        value = getattr(options, key, None)
        if value:
            return str(value)[:500]
    socket = getattr(options, "socket", None)
    return "" if socket is None else str(socket)[:500]


def shape_of(cfg: CheckConfig) -> Shape:
    return Shape(cfg.kind, target_of(cfg)[:500], cfg.unit, cfg.kpi)


def _row_shape(row: CheckHistory) -> Shape | None:
    if row.kind is None or row.target is None or row.unit_id is None:
        return None
    if row.counts_for_kpi is None:
        return None
    return Shape(row.kind, row.target, row.unit_id, row.counts_for_kpi)


def _rows(db: Session) -> dict[str, list[CheckHistory]]:
    out: dict[str, list[CheckHistory]] = {}
    for row in db.scalars(select(CheckHistory).order_by(CheckHistory.at, CheckHistory.id)):
        out.setdefault(row.check_name, []).append(row)
    return out


def _row(name: str, at: datetime, event: str, shape: Shape | None) -> CheckHistory:
    return CheckHistory(
        check_name=name,
        at=at,
        event=event,
        kind=shape.kind if shape else None,
        target=shape.target if shape else None,
        unit_id=shape.unit if shape else None,
        counts_for_kpi=shape.kpi if shape else None,
    )


def _changes(
    stored: dict[str, list[CheckHistory]], wanted: dict[str, Shape], now: datetime
) -> tuple[list[CheckHistory], list[tuple[CheckHistory, Shape]]]:
    """The rows to add and the migrated rows to complete (their shape was not known)."""
    add: list[CheckHistory] = []
    fill: list[tuple[CheckHistory, Shape]] = []
    for name, shape in wanted.items():
        last = stored[name][-1] if name in stored else None
        if last is None or last.event == REMOVED:
            add.append(_row(name, now, ADDED, shape))
            continue
        known = _row_shape(last)
        if known is None:
            fill.append((last, shape))
        elif known != shape:
            add.append(_row(name, now, CHANGED, shape))
    for name, rows in stored.items():
        if name not in wanted and rows[-1].event != REMOVED:
            add.append(_row(name, now, REMOVED, _row_shape(rows[-1])))
    return add, fill


def sync_checks(
    sessions: sessionmaker[Session], settings: Settings, now: datetime
) -> tuple[int, list[MonitoringGap]]:
    """Record the config's checks as added, changed or removed at ``now``: the rows
    written, and for each check added the gap it is in until its first result (written
    in the same transaction; the tracker takes them up, ``OutageTracker.await_first``).

    Read first, write only on a difference (a start with an unchanged config writes nothing).
    """
    wanted = {c.name: shape_of(c) for c in settings.section(CHECKS)}
    with read_scope(sessions) as db:
        add, fill = _changes(_rows(db), wanted, now)
    if not add and not fill:
        return 0, []
    with session_scope(sessions) as db:
        add, fill = _changes(_rows(db), wanted, now)  # again, inside the write
        db.add_all(add)
        for row, shape in fill:
            row.kind, row.target = shape.kind, shape.target
            row.unit_id, row.counts_for_kpi = shape.unit, shape.kpi
        gaps = [
            MonitoringGap(
                unit_id=row.unit_id,
                check_name=row.check_name,
                start=now,
                end=None,
                reason=stored(AWAITING_FIRST_RESULT),
            )
            for row in add
            if row.event == ADDED
        ]
        db.add_all(gaps)
        db.flush()
        db.expunge_all()
    return len(add) + len(fill), gaps


def record_added(db: Session, configs: Sequence[CheckConfig], at: datetime) -> None:
    """The checks as configured from ``at`` (the DEMO office's year of history)."""
    stored = _rows(db)
    db.add_all(_row(c.name, at, ADDED, shape_of(c)) for c in configs if c.name not in stored)


@dataclass(frozen=True)
class _Span:
    start: datetime
    end: datetime | None
    shape: Shape | None


def _spans(rows: list[CheckHistory]) -> list[_Span]:
    """The check's configured spans: from each added/changed row to the next row."""
    out: list[_Span] = []
    for index, row in enumerate(rows):
        if row.event == REMOVED:
            continue
        end = rows[index + 1].at if index + 1 < len(rows) else None
        out.append(_Span(row.at, end, _row_shape(row)))
    return out


def period_checks(
    db: Session,
    settings: Settings,
    window: Interval,
) -> list[CheckInput] | None:
    """The checks of the period as they were in it (None: no history yet, the old rule).

    Each carries the intervals it was watched in (``watched``) and those in which it
    counted toward a unit's KPI, with the unit (``kpi_spans``). Its name, kind and unit are
    those of its last span in the period. The config's checks not watched in the period
    are listed too, with nothing watched (coverage 0, availability unknown).
    """
    stored = _rows(db)
    if not stored:
        return None
    configs: dict[str, CheckConfig] = {c.name: c for c in settings.section(CHECKS)}
    out: list[CheckInput] = []
    order = [*configs, *sorted(n for n in stored if n not in configs)]
    for name in order:
        spans = [
            s
            for s in _spans(stored.get(name, []))
            if s.start < window.end and (s.end is None or s.end > window.start)
        ]
        if not spans:
            if name in configs:
                cfg = configs[name]
                # counts as configured now for what outages entered by hand say of it
                out.append(CheckInput(name, cfg.kind, cfg.unit, cfg.kpi, (), None))
            continue
        fallback = shape_of(configs[name]) if name in configs else None
        watched: list[Interval] = []
        counting: list[tuple[str, Interval]] = []
        for span in spans:
            shape = span.shape or fallback or Shape("", "", OFFICE_UNIT, True)
            piece = Interval(
                max(span.start, window.start),
                window.end if span.end is None else min(span.end, window.end),
            )
            if piece.end <= piece.start:
                continue
            watched.append(piece)
            if shape.kpi:
                counting.append((shape.unit, piece))
        last = spans[-1].shape or fallback or Shape("", "", OFFICE_UNIT, True)
        if last.kpi:
            # time it was not watched in counts, as it is now, for hand-entered outages
            counting.extend((last.unit, piece) for piece in subtract([window], watched))
        out.append(
            CheckInput(name, last.kind, last.unit, last.kpi, tuple(union(watched)), tuple(counting))
        )
    return out
