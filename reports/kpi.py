"""The three KPIs of the process "Obsługa informatyczna" in one object.

KPI 1 comes from ``itops.availability.compute`` (the office figure, exactly what
``itops availability --json`` prints under ``office``), KPIs 2 and 3 from
``inventory.public.kpi_year``. Nothing is recomputed here: the annual report prints
these numbers and ``itops kpi --json`` prints this object.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from itops.availability import AvailabilityReport, compute
from itops.config import Settings


def year_availability(
    session: Session, settings: Settings, year: int, now: datetime
) -> AvailabilityReport:
    """KPI 1 over the local calendar year (what ``itops availability --year`` computes)."""
    return compute(session, settings, date(year, 1, 1), date(year + 1, 1, 1), now=now)


def kpi_object(
    session: Session,
    settings: Settings,
    year: int,
    now: datetime,
    availability: AvailabilityReport | None = None,
) -> dict[str, Any]:
    """``{"year", "availability", "repairs", "purchases"}`` for ``year``.

    ``availability`` may be passed when the caller already computed it (the report), so
    the year is not computed twice.
    """
    from inventory.public import kpi_year

    avail = availability or year_availability(session, settings, year, now)
    return {
        "year": year,
        "availability": avail.office.to_json(),
        **kpi_year(session, settings, year),
    }
