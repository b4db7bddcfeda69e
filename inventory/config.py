"""``[kpi]`` (KPIs 2 and 3: targets, category groups, OS end of support) and
``[inventory]`` (the agent endpoint, the daemon's own inventory jobs)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from itops.config_types import Duration, Interval, Model, PositiveDuration, Section

ASSET_CATEGORIES = (
    "desktop",
    "laptop",
    "server",
    "printer",
    "mfd",
    "monitor",
    "network",
    "phone",
    "access_card",
    "ups",
    "other",
)


def _check_categories(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(ASSET_CATEGORIES))
    if unknown:
        raise ValueError(
            f"unknown categories {', '.join(unknown)} (known: {', '.join(ASSET_CATEGORIES)})"
        )
    return value


Categories = Annotated[list[str], AfterValidator(_check_categories)]


class OsEndOfSupport(Model):
    """An operating system whose vendor support ends on ``end``; KRI requires current software.

    ``match`` is compared case-insensitively with the start of the reported OS
    description ("Windows 10 Pro 22H2", "Debian GNU/Linux 11 (bullseye)").
    """

    match: str = Field(min_length=1)
    end: date


def _default_eos() -> list[OsEndOfSupport]:
    return [
        OsEndOfSupport(match="Windows 7", end=date(2020, 1, 14)),
        OsEndOfSupport(match="Windows 8.1", end=date(2023, 1, 10)),
        OsEndOfSupport(match="Windows 10", end=date(2025, 10, 14)),
        OsEndOfSupport(match="Windows Server 2012", end=date(2023, 10, 10)),
        OsEndOfSupport(match="Debian GNU/Linux 10", end=date(2024, 6, 30)),
        OsEndOfSupport(match="Debian GNU/Linux 11", end=date(2026, 8, 31)),
        OsEndOfSupport(match="Ubuntu 18.04", end=date(2023, 5, 31)),
        OsEndOfSupport(match="Ubuntu 20.04", end=date(2025, 5, 31)),
    ]


class Kpi(Model):
    """KPI 2 (repairs) and KPI 3 (purchases): targets and the category → KPI group mapping."""

    repairs_target: float = Field(default=0.10, gt=0, le=1)
    purchases_target: float = Field(default=0.15, gt=0, le=1)
    computer_categories: Categories = Field(default_factory=lambda: ["desktop", "laptop", "server"])
    equipment_categories: Categories = Field(default_factory=lambda: list(ASSET_CATEGORIES))
    os_end_of_support: list[OsEndOfSupport] = Field(default_factory=_default_eos)


class Inventory(Model):
    """The agent endpoint and the daemon's own inventory jobs."""

    agent_max_report_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, le=16 * 1024 * 1024)
    collect_interval: Interval = timedelta(days=1)
    # the first self-inventory waits until the start-up work (prune, KPI refresh, every
    # check's first probe) is done: `apt-get -s upgrade` alone is seconds of CPU
    collect_self_delay: Duration = timedelta(minutes=5)
    metrics_refresh: PositiveDuration = timedelta(minutes=5)
    toner_order_percent: float = Field(default=10, ge=0, le=100)
    toner_replaced_rise: float = Field(default=30, gt=0, le=100)
    security_update_max_days: int = Field(default=7, ge=0, le=3650)
    report_max_age: PositiveDuration = timedelta(days=7)


KPI: Section[Kpi] = Section("kpi", Kpi, Kpi)
INVENTORY: Section[Inventory] = Section("inventory", Inventory, Inventory)

SECTIONS = (KPI, INVENTORY)
