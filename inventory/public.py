"""What other features (annual report, antivirus, §82 register) may call from inventory.

Plain functions over a caller's session, returning frozen dataclasses; no ORM object
leaves this module. Everything "as of a day" is recomputed from the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inventory.config import KPI
from inventory.demo import InventoryDemo, seed_demo
from inventory.demo import seed_agent_reports as seed_demo_agent_reports
from inventory.demo import tables_with_data as demo_tables_with_data
from inventory.kpi import (
    AssetItem,
    ProtocolItem,
    PurchasesKpi,
    RepairsKpi,
    in_service,
    purchases_kpi,
    repairs_kpi,
)
from inventory.ledger import lifecycles, lifecycles_once, local_midnight
from inventory.models import (
    AgentToken,
    Asset,
    RepairProtocol,
    Training,
    TrainingParticipant,
)
from inventory.toner import Shortage, SupplyReading, order_event
from itops import formats
from itops.config import Settings

__all__ = [
    "AgeBucket",
    "AssetItem",
    "AgentHost",
    "InventoryDemo",
    "OsSupport",
    "ProtocolItem",
    "ProtocolRow",
    "PurchasesKpi",
    "RepairsKpi",
    "Shortage",
    "UpdateRisk",
    "SupplyReading",
    "TrainingCounts",
    "active_computer_hostnames",
    "agent_hosts",
    "computer_retirements",
    "demo_tables_with_data",
    "fleet_age_distribution",
    "label",
    "latest_agent_report",
    "lifecycles_once",
    "order_event",
    "os_support_status",
    "purchase_documents",
    "purchases_kpi",
    "record_printer_supplies",
    "repair_protocols",
    "repairs_kpi",
    "seed_demo",
    "seed_demo_agent_reports",
    "training_counts",
    "update_risk",
]


def label(key: str, lang: str = "pl") -> str:
    """A stored key (asset category, repair protocol kind …) as a word of ``lang``."""
    from inventory.i18n import LABELS, TRANSLATIONS

    word = LABELS.get(key, key)
    return TRANSLATIONS.get(word, word) if lang == "en" else word


def active_computer_hostnames(session: Session, settings: Settings, on: date) -> list[str]:
    """Host names (lower case, sorted) of computers in service on the local day ``on``."""
    lives = in_service(session, settings, on, settings.section(KPI).computer_categories)
    return sorted({lc.hostname.lower() for lc in lives if lc.hostname})


def computer_retirements(session: Session, settings: Settings) -> dict[str, datetime]:
    """Host names (lower case) of computers taken out of service, each with the UTC instant
    from which it is out (local midnight of its retirement day, from the ledger).

    A name still held by a computer not retired is absent: the host is in service.
    """
    tz = ZoneInfo(settings.office.timezone)
    wanted = set(settings.section(KPI).computer_categories)
    held: dict[str, list[date | None]] = {}
    for lc in lifecycles(session, tz):
        if lc.category in wanted and lc.hostname:
            held.setdefault(lc.hostname.lower(), []).append(lc.retired_on)
    return {
        host: local_midnight(max(d for d in days if d is not None), tz)
        for host, days in held.items()
        if all(d is not None for d in days)
    }


@dataclass(frozen=True)
class TrainingCounts:
    """Trainings held in a year (local dates) and who attended."""

    year: int
    trainings: int
    group: int
    individual: int
    participants: int
    participations: int


def training_counts(session: Session, year: int) -> TrainingCounts:
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = session.execute(
        select(Training.kind, func.count())
        .where(Training.held_on >= start, Training.held_on <= end)
        .group_by(Training.kind)
    ).all()
    by_kind = {kind: int(n) for kind, n in rows}
    joined = (
        select(TrainingParticipant.employee_id)
        .join(Training, Training.id == TrainingParticipant.training_id)
        .where(Training.held_on >= start, Training.held_on <= end)
    )
    people = list(session.scalars(joined))
    return TrainingCounts(
        year=year,
        trainings=sum(by_kind.values()),
        group=by_kind.get("group", 0),
        individual=by_kind.get("individual", 0),
        participants=len(set(people)),
        participations=len(people),
    )


@dataclass(frozen=True)
class AgeBucket:
    """Computers in service whose age in whole years is in [min_years, max_years)."""

    label: str
    min_years: int
    max_years: int | None
    count: int


AGE_BUCKETS = ((0, 1), (1, 3), (3, 5), (5, 7), (7, None))


def _years(n: int) -> str:
    """The Polish word after a number of years: 1 rok, 2–4 lata, 5+ lat (but 12–14 lat),
    by the one plural rule (``itops.formats.years_word``)."""
    return formats.years_word(n, "pl")


def fleet_age_distribution(session: Session, settings: Settings, on: date) -> list[AgeBucket]:
    """Ages of the computers in service on ``on`` (from the ledger's purchase days)."""
    lives = in_service(session, settings, on, settings.section(KPI).computer_categories)
    ages = []
    for lc in lives:
        bought = lc.purchased_on
        assert bought is not None  # noqa: S101 - in service implies purchased
        years = on.year - bought.year - ((on.month, on.day) < (bought.month, bought.day))
        ages.append(years)
    out = []
    for low, high in AGE_BUCKETS:
        label = (
            f"{low}–{high} {_years(high)}"
            if high is not None
            else f"{low}+ {formats.years_word(5, 'pl')}"
        )
        count = sum(1 for a in ages if a >= low and (high is None or a < high))
        out.append(AgeBucket(label, low, high, count))
    return out


@dataclass(frozen=True)
class OsSupport:
    """A host's operating system and whether its vendor still supports it on a day.

    ``supported`` is None when the OS is not on the configured end-of-support list.
    """

    hostname: str | None
    inventory_no: str | None
    os: str
    end_of_support: date | None
    supported: bool | None


def os_support_status(session: Session, settings: Settings, on: date) -> list[OsSupport]:
    """Every non-retired asset with an agent/collect report, checked against ``[kpi]`` EOS."""
    rules = sorted(settings.section(KPI).os_end_of_support, key=lambda r: -len(r.match))
    tz = ZoneInfo(settings.office.timezone)
    retired = {
        lc.asset_id for lc in lifecycles(session, tz) if lc.retired_on and lc.retired_on <= on
    }
    out = []
    rows = session.execute(
        select(Asset.id, Asset.hostname, Asset.inventory_no, Asset.facts)
        .where(Asset.status != "retired", Asset.last_seen.is_not(None))
        .order_by(Asset.hostname)
    ).all()
    for aid, host, no, facts in rows:
        if aid in retired:
            continue
        pretty = (json.loads(facts or "{}").get("report") or {}).get("os", {}).get("pretty", "")
        rule = next((r for r in rules if pretty.lower().startswith(r.match.lower())), None)
        end = rule.end if rule else None
        out.append(OsSupport(host, no, pretty, end, None if end is None else on <= end))
    return out


@dataclass(frozen=True)
class ProtocolRow:
    """A repair protocol dated in a year and whether KPI 2 counts it (for the annual report)."""

    number: str
    repaired_on: date
    inventory_no: str | None
    category: str
    kind: str
    counted: bool


def repair_protocols(session: Session, settings: Settings, year: int) -> list[ProtocolRow]:
    """Every protocol dated in ``year``; ``counted`` is taken from ``repairs_kpi`` itself.

    Why: the report lists counted and not counted protocols, and must not decide a second
    way which ones KPI 2 counts.
    """
    counted = {p.number for p in repairs_kpi(session, settings, year).protocols}
    rows = session.execute(
        select(
            RepairProtocol.number,
            RepairProtocol.repaired_on,
            Asset.inventory_no,
            Asset.category,
            RepairProtocol.kind,
        )
        .join(Asset, Asset.id == RepairProtocol.asset_id)
        .where(RepairProtocol.repaired_on >= date(year, 1, 1))
        .where(RepairProtocol.repaired_on <= date(year, 12, 31))
        .order_by(RepairProtocol.repaired_on, RepairProtocol.number)
    ).all()
    return [
        ProtocolRow(number, on, no, category, kind, number in counted)
        for number, on, no, category, kind in rows
    ]


def purchase_documents(session: Session, inventory_nos: list[str]) -> dict[str, str]:
    """The purchase document (invoice, contract) of each asset, by inventory number."""
    out: dict[str, str] = {}
    for start in range(0, len(inventory_nos), 500):
        chunk = inventory_nos[start : start + 500]
        for no, doc in session.execute(
            select(Asset.inventory_no, Asset.purchase_document).where(Asset.inventory_no.in_(chunk))
        ):
            if no is not None:
                out[no] = doc or ""
    return out


def latest_agent_report(session: Session, hostname: str) -> tuple[dict[str, Any], datetime] | None:
    """The newest agent report of ``hostname`` (case-insensitive) and when it arrived."""
    row = session.execute(
        select(Asset.facts)
        .where(
            func.lower(Asset.hostname) == hostname.lower(),
            Asset.status != "retired",
            Asset.last_seen.is_not(None),
        )
        .order_by(Asset.last_seen.desc())
    ).first()
    if row is None:
        return None
    facts = json.loads(row.facts or "{}")
    report, received = facts.get("report"), facts.get("received_at")
    if not report or not received:
        return None
    at = datetime.fromisoformat(received)
    return report, at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AgentHost:
    """A host meant to report through an agent: it holds a token or has reported.

    ``hostname`` is lower case (agents on Windows report upper case); ``category`` and
    ``unit`` are the inventory's.
    """

    hostname: str
    category: str
    unit: str


def agent_hosts(session: Session) -> list[AgentHost]:
    """Every host with a live agent token or an agent report, not retired, by name.

    Why both: a host whose token was just issued has not reported yet, and it is a
    monitoring gap (not "nothing to watch") until it does. A token without an asset of
    that name is a host not yet discovered: category "desktop" (the agent's default).
    """
    found: dict[str, AgentHost] = {}
    rows = session.execute(
        select(Asset.hostname, Asset.category, Asset.unit_id, Asset.last_seen, Asset.status)
        .where(Asset.hostname.is_not(None))
        .order_by(Asset.last_seen.desc().nulls_last(), Asset.id)
    ).all()
    tokens = {
        h.lower()
        for h in session.scalars(select(AgentToken.hostname).where(AgentToken.revoked.is_(False)))
    }
    retired: set[str] = set()
    for host, category, unit, seen, status in rows:
        name = (host or "").strip().lower()
        if status == "retired":
            retired.add(name)
        elif name and name not in found and (seen is not None or name in tokens):
            found[name] = AgentHost(name, category, unit)
    for name in tokens - found.keys() - retired:
        found[name] = AgentHost(name, "desktop", "office")
    return [found[name] for name in sorted(found)]


def record_printer_supplies(
    session: Session, settings: Settings, readings: list[SupplyReading], now: datetime
) -> list[Shortage]:
    """Store printers' toner and drum levels against the stock; the shortages standing.

    A level that rose by ``[inventory] toner_replaced_rise`` takes one fitting cartridge
    out of the stock (a ``toner_replaced`` movement); a level at or below
    ``toner_order_percent`` with nothing fitting in stock is a shortage ("zamów toner").
    """
    from inventory.config import INVENTORY
    from inventory.toner import record_supplies

    cfg = settings.section(INVENTORY)
    return record_supplies(session, readings, now, cfg.toner_order_percent, cfg.toner_replaced_rise)


@dataclass(frozen=True)
class UpdateRisk:
    """Computers in service that reported, and how many are at risk for each reason.

    ``counts`` keys are ``inventory.updates.RISK_REASONS`` (end of support, security
    updates waiting past ``[inventory] security_update_max_days``, reboot pending, agent
    silent); a computer with two reasons counts under both, ``at_risk`` once.
    """

    computers: int
    at_risk: int
    counts: dict[str, int]
    security_max_days: int


def update_risk(
    session: Session,
    settings: Settings,
    now: datetime,
    keep: Callable[[str | None, str | None], bool] | None = None,
) -> UpdateRisk:
    """``keep(hostname, inventory_no)``, when given, says which computers count (the DEMO
    report leaves out the real machine itops runs on)."""
    from inventory.config import INVENTORY
    from inventory.updates import fleet, risk_counts

    states = [
        s for s in fleet(session, settings, now) if keep is None or keep(s.hostname, s.inventory_no)
    ]
    return UpdateRisk(
        len(states),
        sum(1 for s in states if s.risks),
        risk_counts(states),
        settings.section(INVENTORY).security_update_max_days,
    )
