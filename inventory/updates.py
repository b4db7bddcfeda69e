"""Updates in view: each computer's OS, end of support, pending updates, and its update risk.

Read from the newest agent report of each computer in service (``inv_asset.facts``).
A computer is at risk for one or more ``RISK_REASONS``:

- ``end_of_support``: its OS is past the vendor's end of support (``[kpi]
  os_end_of_support``);
- ``security_pending``: security updates wait and the last successful update is older
  than ``[inventory] security_update_max_days`` (an agent cannot tell when each update
  was published, so the last successful update bounds how long they have waited; with
  no such date known, the updates count as waiting too long: never better than the truth);
- ``reboot_pending``: the host says a reboot is needed to finish updates;
- ``silent``: its last report is older than ``[inventory] report_max_age``, so nothing
  above can be told about it now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.config import INVENTORY, KPI
from inventory.models import Asset
from itops.config import Settings

RISK_REASONS = ("end_of_support", "security_pending", "reboot_pending", "silent")


@dataclass(frozen=True)
class UpdateState:
    """One computer's OS and updates as its newest agent report gives them."""

    asset_id: int
    inventory_no: str | None
    hostname: str | None
    category: str
    os: str
    end_of_support: date | None
    pending: int | None
    security: int | None
    reboot_required: bool | None
    last_update: datetime | None
    last_update_days: int | None
    reported_at: datetime | None
    risks: tuple[str, ...]


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def state_of(
    asset_id: int,
    inventory_no: str | None,
    hostname: str | None,
    category: str,
    facts: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> UpdateState:
    """The update state of one asset from its stored facts (pure)."""
    report = facts.get("report") or {}
    os_info = report.get("os") or {}
    updates = report.get("updates") or {}
    pretty = str(os_info.get("pretty") or "")
    rules = sorted(settings.section(KPI).os_end_of_support, key=lambda r: -len(r.match))
    rule = next((r for r in rules if pretty.lower().startswith(r.match.lower())), None)
    end = rule.end if rule else None
    pending = _int(updates.get("pending"))
    if pending is None:
        pending = _int(os_info.get("pending_updates"))
    security = _int(updates.get("security"))
    reboot = updates.get("reboot_required")
    reboot = reboot if isinstance(reboot, bool) else None
    last = _moment(updates.get("last_success")) or _moment(os_info.get("last_update"))
    received = _moment(facts.get("received_at"))
    cfg = settings.section(INVENTORY)
    days = None if last is None else max(0, (now - last).days)
    risks = []
    today = now.astimezone(ZoneInfo(settings.office.timezone)).date()
    if end is not None and today > end:
        risks.append("end_of_support")
    limit = cfg.security_update_max_days
    if security and (days is None or days > limit):
        risks.append("security_pending")
    if reboot:
        risks.append("reboot_pending")
    if received is None or now - received > cfg.report_max_age:
        risks.append("silent")
    return UpdateState(
        asset_id,
        inventory_no,
        hostname,
        category,
        pretty,
        end,
        pending,
        security,
        reboot,
        last,
        days,
        received,
        tuple(risks),
    )


def fleet(session: Session, settings: Settings, now: datetime) -> list[UpdateState]:
    """Every computer in service that has reported, most at risk first.

    Order: more reasons first, then end of support, security, reboot, silent, then the
    oldest last update, then the host name.
    """
    categories = settings.section(KPI).computer_categories
    rows = session.execute(
        select(Asset.id, Asset.inventory_no, Asset.hostname, Asset.category, Asset.facts).where(
            Asset.status != "retired",
            Asset.last_seen.is_not(None),
            Asset.category.in_(categories),
        )
    ).all()
    out = [
        state_of(aid, no, host, cat, json.loads(facts or "{}"), settings, now)
        for aid, no, host, cat, facts in rows
    ]

    def key(s: UpdateState) -> tuple[Any, ...]:
        flags = tuple(reason not in s.risks for reason in RISK_REASONS)
        age = -(s.last_update_days if s.last_update_days is not None else 1_000_000)
        return (-len(s.risks), flags, age, (s.hostname or "").lower(), s.asset_id)

    return sorted(out, key=key)


def risk_counts(states: list[UpdateState]) -> dict[str, int]:
    """Computers per risk reason (a computer with two reasons counts under both)."""
    return {reason: sum(1 for s in states if reason in s.risks) for reason in RISK_REASONS}


def asset_state(
    session: Session, settings: Settings, asset_id: int, now: datetime
) -> UpdateState | None:
    row = session.execute(
        select(Asset.id, Asset.inventory_no, Asset.hostname, Asset.category, Asset.facts).where(
            Asset.id == asset_id, Asset.last_seen.is_not(None)
        )
    ).first()
    if row is None:
        return None
    aid, no, host, cat, facts = row
    return state_of(aid, no, host, cat, json.loads(facts or "{}"), settings, now)
