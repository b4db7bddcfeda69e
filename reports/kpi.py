"""The three KPIs of the process "Obsługa informatyczna" in one object.

KPI 1 comes from ``checks.availability.public.compute`` (the office figure, exactly what
``itops availability --json`` prints under ``office``), KPIs 2 and 3 from
``inventory.public``. Nothing is recomputed here: the annual report prints these
numbers and ``itops kpi --json`` prints this object.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from checks.availability.public import AvailabilityReport, compute
from inventory.public import AssetItem, purchases_kpi, repairs_kpi
from itops.config import Settings
from reports.data import Kpi, KpiAsset, KpiAvailability, KpiProtocol, KpiPurchases, KpiRepairs


def year_availability(
    session: Session, settings: Settings, year: int, now: datetime
) -> AvailabilityReport:
    """KPI 1 over the local calendar year (what ``itops availability --year`` computes)."""
    return compute(session, settings, date(year, 1, 1), date(year + 1, 1, 1), now=now)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _asset(item: AssetItem) -> KpiAsset:
    return KpiAsset(
        item.inventory_no, item.category, _day(item.purchased_on), _day(item.retired_on)
    )


def kpi_object(
    session: Session,
    settings: Settings,
    year: int,
    now: datetime,
    availability: AvailabilityReport | None = None,
) -> Kpi:
    """The three KPIs of ``year``.

    ``availability`` may be passed when the caller already computed it (the report), so
    the year is not computed twice.
    """
    kpi1 = availability or year_availability(session, settings, year, now)
    office = kpi1.office
    rep = repairs_kpi(session, settings, year)
    pur = purchases_kpi(session, settings, year)
    return Kpi(
        year=year,
        as_of=kpi1.as_of_local(settings.office.timezone),
        availability=KpiAvailability(
            office.working_seconds,
            office.downtime_seconds,
            office.availability,
            office.target,
            office.met,
            office.basis,
        ),
        repairs=KpiRepairs(
            rep.count,
            rep.equipment,
            rep.ratio,
            rep.target,
            rep.met,
            rep.rule,
            tuple(
                KpiProtocol(p.number, p.repaired_on.isoformat(), p.inventory_no, p.kind)
                for p in rep.protocols
            ),
            tuple(_asset(a) for a in rep.equipment_items),
        ),
        purchases=KpiPurchases(
            pur.count,
            pur.computers,
            pur.ratio,
            pur.target,
            pur.met,
            pur.rule,
            tuple(_asset(a) for a in pur.purchased),
            tuple(_asset(a) for a in pur.computer_items),
        ),
    )
