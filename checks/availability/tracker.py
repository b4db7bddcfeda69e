"""Outages and per-check monitoring gaps from probe results: a state machine and its sink.

``CheckStates`` is the state machine: each probe result moves one check's state and
returns the typed operations to write (``OutageOpened`` …) and the event to publish; it
touches neither the database nor the clock. ``OutageTracker`` is the ``ResultSink`` the
daemon feeds: ``submit()`` runs on the daemon's loop, steps the machine and queues the
operations in the ``Writer`` (``checks.availability.writer``), whose periodic ``flush()``
writes them from a worker thread, so a probe never waits for the database.

Rules:
1. ``confirm`` consecutive CRITICAL results open an outage whose ``start`` is back-dated
   to the first failed probe of the run; the first OK/WARNING result closes it (``end``).
2. WARNING opens no outage and counts as no downtime, but it is told: a check entering
   WARNING publishes ``check_warning`` (again with every WARNING result, so the notifier's
   de-duplication - once per ``repeat_after``, held outside working hours - decides what is
   sent, and a warning held overnight goes out when working hours begin); the first OK
   after it publishes ``check_recovered``. A CRITICAL run in between keeps the warning.
3. UNKNOWN opens a monitoring gap for that check (closed by the next definite result);
   it neither opens nor closes an outage and leaves a failure run as it is.
4. After a restart the open outages and gaps are reloaded from the database, and so is each
   check's warning (its start: the first WARNING result stored after the check's last OK),
   so the next WARNING is the same warning (the notifier's stored de-duplication keeps it
   from being sent again) and the first OK sends its ``check_recovered`` with the real start.
5. Times are the wall clock (UTC), which NTP may step back: an interval never ends
   before it starts (the end is clamped to the start).

Raw results keep failures, status changes and one thin sample per ``raw_sample_every``;
every result goes into an hourly rollup (count, failures, latency min/avg/max/p95).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.config import AVAILABILITY
from checks.availability.maintenance import Window, is_silenced, load_windows
from checks.availability.models import MonitoringGap, Outage, ProbeResultRow
from checks.availability.writer import (
    GapClosed,
    GapOpened,
    OpenInterval,
    Operation,
    OutageClosed,
    OutageOpened,
    RawSample,
    Writer,
)
from checks.config import CHECKS
from itops.config import OFFICE_UNIT, Settings
from itops.db.session import session_scope
from itops.events import (
    CHECK_RECOVERED,
    CHECK_WARNING,
    MONITORING_GAP,
    OUTAGE_CLOSED,
    OUTAGE_OPENED,
    Event,
    EventBus,
)
from itops.status import ProbeResult, Status

logger = logging.getLogger(__name__)

Silenced = Callable[[str, str, datetime], bool]


@dataclass
class CheckState:
    """Where one check stands: its failure run, open outage and gap, last raw sample."""

    failures: int = 0
    run_start: datetime | None = None
    outage: OpenInterval | None = None
    gap: OpenInterval | None = None
    last_status: Status | None = None
    last_sample: datetime | None = None
    warning_start: datetime | None = None


@dataclass
class Step:
    """What one result did: operations to write (in order) and the events to publish."""

    ops: list[Operation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def add(self, event: Event | None) -> None:
        if event is not None:
            self.events.append(event)


class CheckStates:
    """The state machine of rules 1-5 over every check; not thread-safe (the caller locks)."""

    def __init__(self) -> None:
        self.checks: dict[str, CheckState] = {}

    def step(
        self,
        result: ProbeResult,
        unit: str,
        confirm: int,
        sample_every: timedelta,
        silenced: Silenced,
    ) -> Step:
        """Move ``result.check``'s state by one result."""
        state = self.checks.setdefault(result.check, CheckState())
        out = Step()
        _raw(state, result, sample_every, out)
        state.last_status = result.status
        if result.status is Status.UNKNOWN:
            out.add(_unknown(state, result, unit, out))
            return out
        if state.gap is not None:
            end = max(result.started_at, state.gap.start)  # a clock stepped back
            out.ops.append(GapClosed(state.gap, end))
            state.gap = None
        if result.status.is_failure:
            out.add(_failure(state, result, unit, confirm, silenced, out))
        else:
            out.add(_recovery(state, result, unit, silenced, out))
            out.add(_warning(state, result, unit, silenced))
        return out

    def restore(
        self,
        outages: list[Outage],
        gaps: list[MonitoringGap],
        warnings: dict[str, datetime] | None = None,
    ) -> None:
        """Take up the open outages, per-check gaps and warnings stored before a restart."""
        for row in outages:
            state = self.checks.setdefault(row.check_name, CheckState())
            state.outage = OpenInterval(row.start, row.id)
            state.run_start = row.start
            state.last_status = Status.CRITICAL
        for gap in gaps:
            state = self.checks.setdefault(gap.check_name or "", CheckState())
            state.gap = OpenInterval(gap.start, gap.id)
        for name, start in (warnings or {}).items():
            self.checks.setdefault(name, CheckState()).warning_start = start

    def open_outages(self) -> dict[str, datetime]:
        return {n: s.outage.start for n, s in self.checks.items() if s.outage is not None}


def _raw(state: CheckState, result: ProbeResult, every: timedelta, out: Step) -> None:
    """Keep a raw sample on a change, on every failure and once per ``every``."""
    reason = None
    if state.last_status is not result.status:
        reason = "change"
    elif result.status is not Status.OK:
        reason = "failure"
    elif state.last_sample is None or result.started_at - state.last_sample >= every:
        reason = "sample"
    if reason is not None:
        state.last_sample = result.started_at
        out.ops.append(RawSample(result, reason))


def _unknown(state: CheckState, result: ProbeResult, unit: str, out: Step) -> Event | None:
    """UNKNOWN opens a gap (once); outages and failure runs are left as they are."""
    if state.gap is not None:
        return None
    at = result.started_at
    state.gap = OpenInterval(at)
    out.ops.append(GapOpened(result.check, unit, state.gap, result.summary))
    return Event(
        MONITORING_GAP,
        result.check,
        result.status,
        at,
        result.summary,
        {"unit": unit, "start": at.isoformat()},
    )


def _failure(
    state: CheckState,
    result: ProbeResult,
    unit: str,
    confirm: int,
    silenced: Silenced,
    out: Step,
) -> Event | None:
    """Count the run; at ``confirm`` open the outage back-dated to its first failure."""
    if state.outage is not None:
        return None
    if state.run_start is None:
        state.run_start = result.started_at
    state.failures += 1
    if state.failures < confirm:
        return None
    state.outage = OpenInterval(state.run_start)
    out.ops.append(OutageOpened(result.check, unit, state.outage, result.summary))
    return Event(
        OUTAGE_OPENED,
        result.check,
        result.status,
        state.run_start,
        result.summary,
        {
            "unit": unit,
            "start": state.run_start.isoformat(),
            "silenced": silenced(result.check, unit, result.started_at),
        },
    )


def _recovery(
    state: CheckState, result: ProbeResult, unit: str, silenced: Silenced, out: Step
) -> Event | None:
    """A good result ends the failure run and closes an open outage (``end`` = now)."""
    state.failures, state.run_start = 0, None
    if state.outage is None:
        return None
    start = state.outage.start
    at = max(result.started_at, start)  # NTP stepped back: never end before the start
    out.ops.append(OutageClosed(state.outage, at))
    state.outage = None
    return Event(
        OUTAGE_CLOSED,
        result.check,
        result.status,
        at,
        result.summary,
        {
            "unit": unit,
            "start": start.isoformat(),
            "end": at.isoformat(),
            "silenced": silenced(result.check, unit, at),
        },
    )


def _warning(state: CheckState, result: ProbeResult, unit: str, silenced: Silenced) -> Event | None:
    """WARNING (re)publishes ``check_warning``; the first OK after one, ``check_recovered``.

    Never an outage: the operations (and so KPI 1) are not touched here.
    """
    at = result.started_at
    if result.status is Status.WARNING:
        if state.warning_start is None:
            state.warning_start = at
        return Event(
            CHECK_WARNING,
            result.check,
            result.status,
            at,
            result.summary,
            {
                "unit": unit,
                "start": state.warning_start.isoformat(),
                "silenced": silenced(result.check, unit, at),
            },
        )
    if state.warning_start is None:
        return None
    start, state.warning_start = state.warning_start, None
    end = max(at, start)
    return Event(
        CHECK_RECOVERED,
        result.check,
        result.status,
        end,
        result.summary,
        {
            "unit": unit,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "silenced": silenced(result.check, unit, end),
        },
    )


def open_warnings(db: Session) -> dict[str, datetime]:
    """Each check's warning still open in the stored raw results: the first WARNING after
    the check's last OK (raw results keep every status change, so that OK is stored)."""
    last_ok = (
        select(ProbeResultRow.check_name, func.max(ProbeResultRow.at).label("at"))
        .where(ProbeResultRow.status == int(Status.OK))
        .group_by(ProbeResultRow.check_name)
        .subquery()
    )
    rows = db.execute(
        select(ProbeResultRow.check_name, func.min(ProbeResultRow.at))
        .outerjoin(last_ok, last_ok.c.check_name == ProbeResultRow.check_name)
        .where(
            ProbeResultRow.status == int(Status.WARNING),
            or_(last_ok.c.at.is_(None), ProbeResultRow.at > last_ok.c.at),
        )
        .group_by(ProbeResultRow.check_name)
    )
    return {name: at for name, at in rows}


class OutageTracker:
    """The ResultSink behind KPI 1; see the module docstring.

    ``settings`` may be replaced while running (config reload); ``sessions`` too (tests
    point it at a database that is away).
    """

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        events: EventBus | None = None,
    ) -> None:
        self.settings = settings
        self.events = events
        self._lock = threading.Lock()
        self.states = CheckStates()
        self.writer = Writer(sessions, self._lock, self._flush_interval, self._reload_windows)
        self._windows: list[Window] = load_windows(settings, None)
        self._config_of: Settings | None = None
        self._by_name: dict[str, tuple[str, int]] = {}

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.writer.sessions

    @sessions.setter
    def sessions(self, value: sessionmaker[Session]) -> None:
        self.writer.sessions = value

    def _config(self, name: str) -> tuple[str, int]:
        """(unit, confirm) of a check; the table is rebuilt when the settings are replaced."""
        if self._config_of is not self.settings:
            self._by_name = {c.name: (c.unit, c.confirm) for c in self.settings.section(CHECKS)}
            self._config_of = self.settings
        return self._by_name.get(name, (OFFICE_UNIT, 2))

    def submit(self, result: ProbeResult) -> None:
        """Update the check's state and queue writes; never touches the database."""
        unit, confirm = self._config(result.check)
        every = self.settings.section(AVAILABILITY).raw_sample_every
        with self._lock:
            step = self.states.step(result, unit, confirm, every, self.silenced)
            self.writer.queue(step.ops, result)
        if self.events is not None:
            for event in step.events:
                self.events.publish(event)

    def silenced(self, check: str, unit: str, at: datetime) -> bool:
        """Whether a maintenance window silences alerts about ``check`` at ``at``.

        Events still go out (the record is complete); ``data["silenced"]`` tells
        notification subscribers to stay quiet.
        """
        tz = ZoneInfo(self.settings.office.timezone)
        return is_silenced(self._windows, check, unit, at, tz)

    def open_outages(self) -> dict[str, datetime]:
        """Start of each check's open outage (for the status board)."""
        with self._lock:
            return self.states.open_outages()

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
            warnings = open_warnings(db)
        with self._lock:
            self.states.restore(outages, gaps, warnings)
        logger.info(
            "reloaded %d open outages, %d open gaps and %d warnings",
            len(outages),
            len(gaps),
            len(warnings),
        )

    def await_first(self, gaps: Sequence[MonitoringGap]) -> None:
        """Take up the gaps of checks just added by a reload (``watch.sync_checks``): each
        check's first result closes its gap. A check that already has a result in this
        process (its first probe beat the reload's write) has its gap closed at once, with
        no length. At a start ``load`` takes them up with the other open gaps."""
        with self._lock:
            for gap in gaps:
                opened = OpenInterval(gap.start, gap.id)
                state = self.states.checks.setdefault(gap.check_name or "", CheckState())
                if state.last_status is None and state.gap is None:
                    state.gap = opened
                else:
                    self.writer.close_now(GapClosed(opened, gap.start))

    def flush(self, now: datetime, *, everything: bool = False) -> int:
        """Write the queued operations and finished rollup hours (``Writer.flush``)."""
        return self.writer.flush(now, everything=everything)

    def _flush_interval(self) -> float:
        return self.settings.section(AVAILABILITY).flush_interval.total_seconds()

    def _reload_windows(self, db: Session) -> None:
        self._windows = load_windows(self.settings, db)
