"""Build a hand-made ledger for inventory tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from inventory import ledger, repairs
from inventory.models import Asset

TZ = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def asset(
    db: Session,
    no: str,
    category: str = "desktop",
    bought: date | datetime | None = date(2020, 5, 1),
    retired: date | None = None,
    **fields: object,
) -> Asset:
    purchase_at = bought if isinstance(bought, datetime) else None
    purchase_date = bought.astimezone(TZ).date() if isinstance(bought, datetime) else bought
    data = ledger.AssetInput(
        inventory_no=no,
        category=category,
        purchase_date=purchase_date,
        purchase_at=purchase_at,
        retired_date=retired,
        **fields,  # type: ignore[arg-type]
    )
    return ledger.create_asset(db, data, TZ, NOW, "test")


def protocol(db: Session, number: str, on: date, no: str, kind: str = "component_replacement"):
    return repairs.add_protocol(
        db, repairs.ProtocolInput(number, on, no, kind, description="test"), TZ, NOW, "test"
    )
