"""The daemon's heartbeat and the unwatched periods it reveals.

When itops starts, the time since its last heartbeat is a period in which nobody
watched. The core only tells it: each feature's ``Feature.unwatched`` hook records it in
the heartbeat's own transaction (KPI 1 stores a monitoring gap, which availability counts
neither as uptime nor as downtime).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from itops.db.models import Heartbeat
from itops.db.session import session_scope
from itops.messages import Summary

logger = logging.getLogger(__name__)

NAME = "daemon"
# A clean restart quicker than this leaves no gap worth a row; a crash always does (the
# kill test found a kill right after a heartbeat and a 0.9 s restart recorded nothing).
MIN_GAP = timedelta(seconds=1)


FIRST_START = Summary("itops.before_start")
STOPPED = Summary("itops.stopped")
CRASHED = Summary("itops.crashed")


@dataclass(frozen=True)
class Unwatched:
    """A period in which itops watched nothing: [start, end), and why."""

    start: datetime
    end: datetime
    reason: Summary  # stored as codes (monitoring_gap.reason), shown in the reader's language


Recorder = Callable[[Session, Unwatched], None]


def recorders() -> list[Recorder]:
    """Every feature's ``unwatched`` hook, in the order of the feature table."""
    from itops.plugins import features

    return [feat.unwatched for feat in features() if feat.unwatched is not None]


def start(
    sessions: object,
    now: datetime,
    watched_from: datetime | None = None,
    record: Sequence[Recorder] | None = None,
) -> Unwatched | None:
    """Record the gap since the last heartbeat (if any) and begin a new heartbeat.

    On the very first start (no heartbeat yet) with ``watched_from`` (the start of the
    office's year), the time from then until now becomes a gap too: nobody watched it, so
    it must count neither as available nor as down. That period is not returned (it is
    no news to notify about). ``record`` defaults to every feature's hook (``recorders``).
    """
    hooks = recorders() if record is None else record
    with session_scope(sessions) as db:  # type: ignore[arg-type]
        beat = db.get(Heartbeat, NAME)
        gap = None
        if beat is None and watched_from is not None and now - watched_from >= MIN_GAP:
            for hook in hooks:
                hook(db, Unwatched(watched_from, now, FIRST_START))
            logger.info("first start: %s → %s recorded as not monitored", watched_from, now)
        if beat is not None and (
            now - beat.at >= MIN_GAP or (not beat.clean_shutdown and now > beat.at)
        ):
            reason = STOPPED if beat.clean_shutdown else CRASHED
            gap = Unwatched(beat.at, now, reason)
            for hook in hooks:
                hook(db, gap)
            logger.info("monitoring gap since last heartbeat: %s → %s (%s)", beat.at, now, reason)
        if beat is None:
            beat = Heartbeat(name=NAME, at=now, started_at=now, pid=os.getpid())
            db.add(beat)
        beat.at, beat.started_at, beat.pid, beat.clean_shutdown = now, now, os.getpid(), False
        return gap


def beat(db: Session, now: datetime, clean_shutdown: bool = False) -> None:
    row = db.get(Heartbeat, NAME)
    if row is None:
        row = Heartbeat(name=NAME, at=now, started_at=now, pid=os.getpid())
        db.add(row)
    row.at, row.clean_shutdown = now, clean_shutdown
