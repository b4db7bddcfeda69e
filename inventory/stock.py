"""Consumables in stock and assets lent out (użyczenia), with what is low or overdue.

A loan is a row plus a ``lent``/``loan_returned`` ledger event on the asset, so the
asset's history shows who had it; the stock is a plain quantity per named item that
repair protocols draw from (``inventory.repairs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.ledger import local_midnight, record
from inventory.models import Asset, Consumable, Loan
from inventory.toner import move
from itops.errors import ValidationError


def set_stock(
    session: Session,
    name: str,
    kind: str,
    quantity: int,
    min_level: int,
    now: datetime | None = None,
    actor: str = "",
) -> None:
    """Create a stock item or set its quantity and minimum level.

    With ``now``, a changed quantity is recorded as a ``count`` stock movement.
    """
    if not name.strip() or quantity < 0 or min_level < 0:
        raise ValidationError("give a name and non-negative quantity and minimum")
    item = session.scalar(select(Consumable).where(Consumable.name == name.strip()))
    if item is None:
        item = Consumable(name=name.strip(), kind=kind or "other", quantity=0, min_level=min_level)
        session.add(item)
        session.flush()
    item.min_level = min_level
    if now is None:
        item.quantity = quantity
    elif quantity != item.quantity:
        move(session, item, quantity - item.quantity, "count", now, actor=actor)


@dataclass(frozen=True)
class StockItem:
    id: int
    name: str
    kind: str
    quantity: int
    min_level: int


def stock_items(session: Session) -> list[StockItem]:
    """Every stock item, by name."""
    return [
        StockItem(c.id, c.name, c.kind, c.quantity, c.min_level)
        for c in session.scalars(select(Consumable).order_by(Consumable.name))
    ]


def stock_names(session: Session) -> list[str]:
    return list(session.scalars(select(Consumable.name).order_by(Consumable.name)))


@dataclass(frozen=True)
class LowStock:
    name: str
    quantity: int
    min_level: int


def low_stock(session: Session) -> list[LowStock]:
    rows = session.scalars(
        select(Consumable)
        .where(Consumable.quantity < Consumable.min_level)
        .order_by(Consumable.name)
    )
    return [LowStock(c.name, c.quantity, c.min_level) for c in rows]


def _asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise ValidationError(f"no asset #{asset_id}")
    return asset


def lend(
    session: Session,
    asset_id: int,
    borrower: str,
    address: str,
    agreement: str,
    lent_on: date,
    expected_return: date | None,
    tz: ZoneInfo,
    now: datetime,
    actor: str = "",
) -> int:
    """Lend the asset (one open loan at a time); returns the loan's id."""
    asset = _asset(session, asset_id)
    if not borrower.strip():
        raise ValidationError("the borrower's name is empty")
    open_loan = session.scalar(
        select(Loan.id).where(Loan.asset_id == asset.id, Loan.returned_on.is_(None))
    )
    if open_loan:
        raise ValidationError(f"{asset.inventory_no} is already lent")
    loan = Loan(
        asset_id=asset.id,
        borrower_name=borrower,
        borrower_address=address,
        agreement_no=agreement,
        lent_on=lent_on,
        expected_return=expected_return,
    )
    session.add(loan)
    record(
        session,
        asset,
        "lent",
        local_midnight(lent_on, tz),
        now,
        actor,
        {"borrower": borrower, "agreement": agreement},
    )
    session.flush()
    return loan.id


def return_loan(
    session: Session,
    asset_id: int,
    loan_id: int,
    on: date,
    tz: ZoneInfo,
    now: datetime,
    actor: str = "",
) -> None:
    """Take the asset's loan ``loan_id`` back on the local day ``on``."""
    asset = _asset(session, asset_id)
    loan = session.get(Loan, loan_id)
    if loan is None or loan.asset_id != asset.id:
        raise ValidationError("no such loan")
    loan.returned_on = on
    record(
        session,
        asset,
        "loan_returned",
        local_midnight(on, tz),
        now,
        actor,
        {"agreement": loan.agreement_no},
    )


@dataclass(frozen=True)
class AssetLoan:
    """A loan on one asset's page."""

    id: int
    borrower: str
    agreement: str
    lent_on: date
    expected_return: date | None
    returned_on: date | None


def loans_of(session: Session, asset_id: int) -> list[AssetLoan]:
    rows = session.scalars(select(Loan).where(Loan.asset_id == asset_id).order_by(Loan.lent_on))
    return [
        AssetLoan(
            lo.id, lo.borrower_name, lo.agreement_no, lo.lent_on, lo.expected_return, lo.returned_on
        )
        for lo in rows
    ]


@dataclass(frozen=True)
class OpenLoan:
    """A loan not yet returned, as the stock and loans page lists it."""

    asset_id: int
    inventory_no: str | None
    borrower: str
    address: str
    agreement: str
    lent_on: date
    expected_return: date | None
    overdue: bool


def open_loans(session: Session, today: date) -> list[OpenLoan]:
    """Loans not returned, the earliest expected return first."""
    rows = session.execute(
        select(Loan, Asset.inventory_no)
        .join(Asset, Asset.id == Loan.asset_id)
        .where(Loan.returned_on.is_(None))
        .order_by(Loan.expected_return)
    ).all()
    return [
        OpenLoan(
            lo.asset_id,
            no,
            lo.borrower_name,
            lo.borrower_address,
            lo.agreement_no,
            lo.lent_on,
            lo.expected_return,
            lo.expected_return is not None and lo.expected_return < today,
        )
        for lo, no in rows
    ]


@dataclass(frozen=True)
class OverdueLoan:
    inventory_no: str | None
    borrower_name: str
    agreement_no: str
    expected_return: date


def overdue_loans(session: Session, today: date) -> list[OverdueLoan]:
    rows = session.execute(
        select(Loan, Asset.inventory_no)
        .join(Asset, Asset.id == Loan.asset_id)
        .where(Loan.returned_on.is_(None), Loan.expected_return < today)
        .order_by(Loan.expected_return)
    ).all()
    return [
        OverdueLoan(no, loan.borrower_name, loan.agreement_no, loan.expected_return)
        for loan, no in rows
        if loan.expected_return is not None
    ]
