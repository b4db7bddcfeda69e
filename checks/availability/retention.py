"""Retention: raw probe results are pruned, hourly rollups folded into local days.

Outage, gap and maintenance rows are never pruned here: KPI 1 is answered from them for
years (``PITFALLS``: history too short for an annual report).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.config import AVAILABILITY
from checks.availability.models import ProbeResultRow, ProbeRollup
from checks.availability.rollups import DAY, HOUR, merge_service
from itops.config import Settings
from itops.db.session import PRUNE_BATCH, delete_in_batches, read_scope, session_scope


def prune(
    sessions: sessionmaker[Session], settings: Settings, now: datetime, batch: int = PRUNE_BATCH
) -> tuple[int, int]:
    """Drop raw results past ``raw_retention``; fold old hourly rollups into local days.

    Hourly rows older than ``hourly_retention`` become one row per check and local day
    (p95 of a day = the highest hourly p95, an upper bound). Each transaction touches at
    most ``batch`` rows, so a first start with a year of history never holds SQLite's
    write lock for long. Returns (raw deleted, hourly rows folded).
    """
    raw_cut = now - settings.storage.raw_retention
    deleted = delete_in_batches(sessions, ProbeResultRow.id, ProbeResultRow.at < raw_cut, batch)
    tz = ZoneInfo(settings.office.timezone)
    cut_day = (now - settings.section(AVAILABILITY).hourly_retention).astimezone(tz).date()
    cut = datetime.combine(cut_day, time(0), tzinfo=tz).astimezone(UTC)
    old = (ProbeRollup.seconds == HOUR, ProbeRollup.start < cut)
    with read_scope(sessions) as db:
        names = sorted(set(db.scalars(select(ProbeRollup.check_name).where(*old).distinct())))
    folded = 0
    for name in names:
        while True:
            with session_scope(sessions) as db:
                rows = list(
                    db.scalars(
                        select(ProbeRollup)
                        .where(ProbeRollup.check_name == name, *old)
                        .order_by(ProbeRollup.start)
                        .limit(batch)
                    )
                )
                _fold(db, rows, tz)
            folded += len(rows)
            if len(rows) < batch:
                break
    return deleted, folded


def _fold(db: Session, rows: list[ProbeRollup], tz: ZoneInfo) -> None:
    """Fold hourly ``rows`` (oldest first) into their local days' rows.

    Rows of one day may come in two calls: the day's row (the hourly row at local
    midnight, turned into a day, or a new one) is found again and added to.
    """
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
                service_count=0,
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
            merge_service(base, _service_of(part))
            db.delete(part)


def _service_of(row: ProbeRollup) -> dict[str, Any]:
    return {
        "service_count": row.service_count or 0,
        "service_min": row.service_min,
        "service_sum": row.service_sum,
        "service_max": row.service_max,
        "service_p95": row.service_p95,
    }
