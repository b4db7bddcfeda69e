"""Hourly rollups of probe results (count, failures, unknowns, latency min/sum/max/p95).

Every result goes into its check's rollup of the hour; the writer adds finished hours to
``probe_rollup``; retention folds old hours into local days (``checks.availability.retention``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from checks.availability.models import ProbeRollup
from itops.status import ProbeResult, Status

HOUR = 3600
DAY = 86400


@dataclass
class Rollup:
    """One check's results of one hour, still in memory."""

    count: int = 0
    failures: int = 0
    unknowns: int = 0
    latencies: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)  # ms, of results that measured it

    def add(self, result: ProbeResult) -> None:
        self.count += 1
        if result.status.is_failure:
            self.failures += 1
        elif result.status is Status.UNKNOWN:
            self.unknowns += 1
        self.latencies.append(result.duration)
        measured = result.service_time()
        if measured is not None:
            self.service.append(measured.ms)


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def write_rollups(db: Session, ready: dict[tuple[str, datetime], Rollup]) -> int:
    """Add finished hours to their rows (a restart may have written part of an hour)."""
    if not ready:
        return 0
    hours = sorted({k[1] for k in ready})
    existing = {
        (r.check_name, r.start): r
        for r in db.scalars(
            select(ProbeRollup).where(ProbeRollup.start.in_(hours), ProbeRollup.seconds == HOUR)
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
            old.latency_p95 = max(old.latency_p95, p95(lat))
            _add_service(old, acc.service)
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
                "latency_p95": p95(lat),
                **service_columns(acc.service),
            }
        )
    if fresh:
        db.execute(insert(ProbeRollup), fresh)
    return len(ready)


def service_columns(values: list[float]) -> dict[str, Any]:
    """The ``service_*`` columns of a rollup of these measured times (ms)."""
    if not values:
        return {"service_count": 0}
    return {
        "service_count": len(values),
        "service_min": min(values),
        "service_sum": sum(values),
        "service_max": max(values),
        "service_p95": p95(values),
    }


def _add_service(row: ProbeRollup, values: list[float]) -> None:
    merge_service(row, service_columns(values))


def merge_service(row: ProbeRollup, part: dict[str, Any]) -> None:
    """Add another rollup's ``service_*`` figures to ``row`` (p95: the higher, so never
    below the true one)."""
    count = int(part.get("service_count") or 0)
    if count <= 0:
        return
    had = row.service_count or 0
    if had <= 0 or row.service_min is None or row.service_max is None:
        row.service_min, row.service_sum = part["service_min"], part["service_sum"]
        row.service_max, row.service_p95 = part["service_max"], part["service_p95"]
        had = 0
    else:
        row.service_min = min(row.service_min, part["service_min"])
        row.service_max = max(row.service_max, part["service_max"])
        row.service_sum = (row.service_sum or 0.0) + part["service_sum"]
        row.service_p95 = max(row.service_p95 or 0.0, part["service_p95"])
    row.service_count = had + count
