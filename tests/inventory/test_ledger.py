"""Ledger operations beyond the KPIs: stock drawn by protocols, loans, holders."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from inventory import ledger, repairs, stock
from inventory.models import AssetEvent, Consumable, RepairProtocol
from inventory.people import add_employee
from inventory.stock import set_stock
from itops.context import AppContext
from itops.db.session import session_scope
from itops.errors import ValidationError
from tests.inventory.helpers import NOW, TZ, asset


def test_a_protocol_draws_parts_from_stock_and_low_stock_is_listed(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", category="printer")
        set_stock(db, "Toner HP 59A", "toner", 2, 2)
        repairs.add_protocol(
            db,
            repairs.ProtocolInput(
                "PN/1/2026", date(2026, 5, 1), "INV-TEST-0001", "component_replacement"
            ),
            TZ,
            NOW,
            stock=[("Toner HP 59A", 1)],
        )
    with session_scope(ctx.sessions) as db:
        item = db.scalar(select(Consumable))
        assert item is not None and item.quantity == 1
        assert [s.name for s in stock.low_stock(db)] == ["Toner HP 59A"]


def test_taking_more_than_is_in_stock_writes_no_protocol(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001")
        set_stock(db, "RAM 8 GB", "ram", 1, 0)
    with pytest.raises(ValidationError, match="cannot take 2"):
        with session_scope(ctx.sessions) as db:
            repairs.add_protocol(
                db,
                repairs.ProtocolInput(
                    "PN/1/2026", date(2026, 5, 1), "INV-TEST-0001", "component_replacement"
                ),
                TZ,
                NOW,
                stock=[("RAM 8 GB", 2)],
            )
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(RepairProtocol)) is None
        assert db.scalar(select(Consumable.quantity)) == 1


def test_overdue_loans_are_listed_until_returned(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        a = asset(db, "INV-TEST-0001", category="laptop")
        loan_id = stock.lend(
            db,
            a.id,
            "Anna Przykładowa",
            "ul. Testowa 1, Przykładowo",
            "UMW/1/2026",
            date(2026, 1, 10),
            date(2026, 6, 30),
            TZ,
            NOW,
        )
        asset_id = a.id
    with session_scope(ctx.sessions) as db:
        assert stock.overdue_loans(db, date(2026, 6, 30)) == []
        [late] = stock.overdue_loans(db, date(2026, 7, 1))
        assert (late.inventory_no, late.agreement_no) == ("INV-TEST-0001", "UMW/1/2026")
        stock.return_loan(db, asset_id, loan_id, date(2026, 7, 2), TZ, NOW)
    with session_scope(ctx.sessions) as db:
        assert stock.overdue_loans(db, date(2026, 7, 3)) == []


def test_changing_the_holder_records_returned_and_assigned(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        add_employee(db, "EMP-TEST-1", "Jan Testowy")
        a = asset(db, "INV-TEST-0001", holder="EMP-TEST-1")
        ledger.set_holder(db, a, "Anna Przykładowa", NOW, NOW)
    with session_scope(ctx.sessions) as db:
        events = [
            (e.kind, json.loads(e.detail).get("holder"))
            for e in db.scalars(select(AssetEvent).order_by(AssetEvent.id))
        ]
    assert events == [
        ("purchased", None),
        ("assigned", "EMP-TEST-1"),
        ("returned", "EMP-TEST-1"),
        ("assigned", "Anna Przykładowa"),
    ]
