"""Retention: raw probe results are pruned, hourly rollups folded into local days.

Outage, gap and maintenance rows are never pruned here: KPI 1 is answered from them for
years (``PITFALLS``: history too short for an annual report).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from checks.availability.config import AVAILABILITY
from checks.availability.models import ProbeResultRow, ProbeRollup
from checks.availability.rollups import DAY, HOUR
from itops.config import Settings


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
        db.scalars(select(ProbeRollup).where(ProbeRollup.seconds == HOUR, ProbeRollup.start < cut))
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
