"""KPIs 2 and 3 on a hand-built ledger, on both engines."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from inventory import ledger
from inventory.kpi import purchases_kpi, repairs_kpi
from itops.context import AppContext
from itops.db.session import session_scope
from tests.inventory.helpers import NOW, TZ, asset, protocol

WARSAW = ZoneInfo("Europe/Warsaw")


def _nos(items: tuple) -> list[str | None]:  # type: ignore[type-arg]
    return [i.inventory_no for i in items]


def test_asset_bought_and_retired_in_the_same_year_counts_as_purchase_not_in_service(
    ctx: AppContext,
) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", bought=date(2019, 1, 1))
        asset(db, "INV-TEST-0002", bought=date(2026, 2, 1), retired=date(2026, 9, 30))
    with session_scope(ctx.sessions) as db:
        kpi = purchases_kpi(db, ctx.settings, 2026)
    assert kpi.count == 1
    assert _nos(kpi.purchased) == ["INV-TEST-0002"]
    assert kpi.computers == 1
    assert _nos(kpi.computer_items) == ["INV-TEST-0001"]
    assert kpi.ratio == 1.0
    assert kpi.met is True


def test_repair_on_an_asset_retired_before_31_december_counts_but_the_asset_does_not(
    ctx: AppContext,
) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", category="printer")
        asset(db, "INV-TEST-0002", category="desktop")
        asset(db, "INV-TEST-0003", retired=date(2026, 10, 1))
        protocol(db, "PN/1/2026", date(2026, 3, 3), "INV-TEST-0003")
    with session_scope(ctx.sessions) as db:
        kpi = repairs_kpi(db, ctx.settings, 2026)
    assert kpi.count == 1
    assert [p.number for p in kpi.protocols] == ["PN/1/2026"]
    assert kpi.equipment == 2
    assert _nos(kpi.equipment_items) == ["INV-TEST-0001", "INV-TEST-0002"]
    assert kpi.ratio == 0.5
    assert kpi.met is False


def test_an_asset_retired_on_31_december_is_not_in_service_that_day(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", retired=date(2026, 12, 31))
        asset(db, "INV-TEST-0002")
    with session_scope(ctx.sessions) as db:
        assert repairs_kpi(db, ctx.settings, 2026).equipment == 1
        assert repairs_kpi(db, ctx.settings, 2025).equipment == 2


def test_a_maintenance_protocol_is_not_counted(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001")
        protocol(db, "PN/1/2026", date(2026, 4, 1), "INV-TEST-0001", kind="maintenance")
        protocol(db, "PN/2/2026", date(2026, 4, 2), "INV-TEST-0001", kind="other_repair")
        protocol(db, "PN/3/2026", date(2026, 4, 3), "INV-TEST-0001", kind="reinstall")
    with session_scope(ctx.sessions) as db:
        kpi = repairs_kpi(db, ctx.settings, 2026)
    assert [p.number for p in kpi.protocols] == ["PN/3/2026"]
    assert kpi.count == 1


def test_two_repairs_on_one_asset_both_count(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        for i in range(1, 11):
            asset(db, f"INV-TEST-{i:04d}")
        protocol(db, "PN/1/2026", date(2026, 1, 10), "INV-TEST-0001")
        protocol(db, "PN/2/2026", date(2026, 6, 10), "INV-TEST-0001", kind="reinstall")
    with session_scope(ctx.sessions) as db:
        kpi = repairs_kpi(db, ctx.settings, 2026)
    assert kpi.count == 2
    assert kpi.equipment == 10
    assert kpi.ratio == pytest.approx(0.2)


def test_a_purchase_dated_31_december_2330_local_time_counts_in_that_year(
    ctx: AppContext,
) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", bought=datetime(2026, 12, 31, 23, 30, tzinfo=WARSAW))
        asset(db, "INV-TEST-0002", bought=date(2018, 3, 1))
    with session_scope(ctx.sessions) as db:
        kpi26 = purchases_kpi(db, ctx.settings, 2026)
        kpi27 = purchases_kpi(db, ctx.settings, 2027)
    assert _nos(kpi26.purchased) == ["INV-TEST-0001"]
    assert kpi26.computers == 2
    assert kpi27.count == 0


def test_a_purchase_at_0030_local_on_1_january_counts_in_the_new_year_though_utc_says_december(
    ctx: AppContext,
) -> None:
    bought = datetime(2027, 1, 1, 0, 30, tzinfo=WARSAW)
    assert bought.astimezone(ZoneInfo("UTC")).year == 2026
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", bought=bought)
    with session_scope(ctx.sessions) as db:
        assert purchases_kpi(db, ctx.settings, 2026).count == 0
        assert purchases_kpi(db, ctx.settings, 2027).count == 1
        assert purchases_kpi(db, ctx.settings, 2026).computers == 0


def test_a_past_year_is_recomputed_from_the_ledger_not_todays_state(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        a = asset(db, "INV-TEST-0001", bought=date(2024, 6, 1))
        asset(db, "INV-TEST-0002", bought=date(2024, 7, 1))
        ledger.retire(db, a, date(2026, 2, 1), TZ, NOW)
    with session_scope(ctx.sessions) as db:
        kpi = purchases_kpi(db, ctx.settings, 2024)
        assert (kpi.count, kpi.computers) == (2, 2)
        kpi = purchases_kpi(db, ctx.settings, 2026)
        assert (kpi.count, kpi.computers) == (0, 1)


def test_categories_outside_the_computer_group_are_not_computers(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", category="printer", bought=date(2026, 1, 5))
        asset(db, "INV-TEST-0002", category="laptop", bought=date(2026, 1, 5))
    with session_scope(ctx.sessions) as db:
        kpi = purchases_kpi(db, ctx.settings, 2026)
        assert _nos(kpi.purchased) == ["INV-TEST-0002"]
        assert repairs_kpi(db, ctx.settings, 2026).equipment == 2


def test_the_ledger_refuses_updates_and_deletes(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001")
    with pytest.raises(Exception, match="append-only"):
        with session_scope(ctx.sessions) as db:
            db.execute(text("UPDATE inv_asset_event SET kind = 'retired'"))
    with pytest.raises(Exception, match="append-only"):
        with session_scope(ctx.sessions) as db:
            db.execute(text("DELETE FROM inv_asset_event"))


def test_month_trends_give_each_months_end_and_the_kpi_itself_for_the_current_month(
    ctx: AppContext,
) -> None:
    from inventory.kpi import month_trends

    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", bought=date(2019, 1, 1))
        asset(db, "INV-TEST-0002", bought=date(2019, 1, 1))
        asset(db, "INV-TEST-0003", bought=date(2026, 2, 10))  # a computer bought in February
        asset(db, "INV-TEST-0004", bought=date(2019, 1, 1), retired=date(2026, 3, 15))
        protocol(db, "PN/1/2026", date(2026, 1, 20), "INV-TEST-0001")
        protocol(db, "PN/2/2026", date(2026, 3, 3), "INV-TEST-0002")
    with session_scope(ctx.sessions) as db:
        rep, pur = repairs_kpi(db, ctx.settings, 2026), purchases_kpi(db, ctx.settings, 2026)
        repairs, purchases = month_trends(db, ctx.settings, rep, pur, date(2026, 4, 8))
    # January: 1 protocol / 3 in service; February 1 / 4; March 2 / 3 (one retired)
    assert repairs == [(1, 1 / 3), (2, 1 / 4), (3, 2 / 3), (4, rep.ratio)]
    assert purchases == [(1, 0.0), (2, 1 / 4), (3, 1 / 3), (4, pur.ratio)]
    assert (rep.ratio, pur.ratio) == (2 / 3, 1 / 3)
