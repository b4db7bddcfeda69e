"""Toner levels read from snmpsim's recorded printer walks feed the consumables stock:
a low toner with nothing fitting in stock is a warning on "Magazyn" and a "zamów toner"
notification through the real notifier; a replaced cartridge is a stock movement."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from checks.kinds import CHECK_KINDS
from checks.printers.plugin import sink
from inventory import repairs, stock, toner
from inventory.models import Consumable, PrinterSupply, StockMovement
from itops import auth
from itops.context import AppContext
from itops.db.session import session_scope
from itops.errors import ValidationError
from itops.events import TONER_ORDER, Event
from itops.notifications.service import NotificationService
from itops.status import ProbeResult, Status
from tests.availability.test_check_kinds import run
from tests.conftest import make_settings
from tests.inventory.conftest import RunningServer
from tests.inventory.helpers import NOW, TZ, asset
from tests.notifications.conftest import Receiver
from tests.snmp.conftest import Agent

pytestmark = pytest.mark.slow
MODEL = "DEMO Laser P-2000"
PASSWORD = "test-password-123"


def printer(agent: Agent, walk: str, model: str = MODEL) -> dict[str, Any]:
    return {
        "name": "drukarka-sekretariat",
        "kind": "snmp",
        "timeout": "20s",
        "host": agent.host,
        "port": agent.port,
        "device": "printer",
        "community": walk,
        "request_timeout": 1,
        "retries": 0,
        "model": model,
    }


def use(ctx: AppContext, agent: Agent, walk: str, **sections: Any) -> None:
    ctx.settings = make_settings(
        ctx.settings.storage.url, checks=[printer(agent, walk)], **sections
    )


async def probe(ctx: AppContext) -> ProbeResult:
    check = CHECK_KINDS.cls("snmp")(ctx.settings.checks[0])
    result = await run(check)
    sink(ctx).submit(result)
    return result


def quantity(ctx: AppContext, name: str) -> int:
    with session_scope(ctx.sessions) as db:
        return int(db.scalar(select(Consumable.quantity).where(Consumable.name == name)) or 0)


async def test_low_toner_without_a_cartridge_warns_on_the_stock_page_and_notifies(
    ctx: AppContext, snmpsim: Agent, receiver: Receiver
) -> None:
    use(
        ctx,
        snmpsim,
        "printer-low",
        notifications={
            "retry_delay": "10ms",
            "webhook": [{"name": "czat", "url": receiver.url}],
            "rules": [{"name": "toner", "events": ["toner_order"], "channels": ["czat"]}],
        },
    )
    notifier = NotificationService(ctx)
    ctx.events.subscribe(notifier.publish)
    await notifier.start()
    try:
        result = await probe(ctx)
        assert result.status is Status.WARNING  # the check's own verdict: toner at 8 %
        (short,) = sink(ctx).flush()
        await notifier.join()
    finally:
        await notifier.stop(grace=1)
    assert (short.supply, round(short.percent)) == ("DEMO TK-2000 Toner Black", 8)
    (body,) = receiver.bodies
    assert body["kind"] == TONER_ORDER and body["status"] == "WARNING"
    assert body["title"] == "[itops] [OSTRZEŻENIE] Zamów toner: drukarka-sekretariat"
    assert "DEMO TK-2000 Toner Black 8%, brak pasującego wkładu w magazynie" in body["text"]
    with session_scope(ctx.sessions) as db:
        auth.add_user(db, "informatyk", "it_officer", PASSWORD, NOW)
        rows = {r.supply: r.percent for r in db.scalars(select(PrinterSupply))}
    assert {k: round(v or -1) for k, v in rows.items()} == {
        "DEMO TK-2000 Toner Black": 8,
        "DEMO DK-2000 Drum Unit": 45,
    }
    with RunningServer(ctx) as server:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(server.url + "/login") as r:
                csrf = re.search(r'name="csrf-token" content="([^"]+)"', await r.text())
            assert csrf is not None
            login = {"login": "informatyk", "password": PASSWORD, "csrf_token": csrf.group(1)}
            async with http.post(server.url + "/login", data=login) as r:
                assert r.status == 200
            async with http.get(server.url + "/inventory/stock") as r:
                page = await r.text()
    warning = page[page.index('id="toner-orders"') :]
    warning = warning[: warning.index("</div>")]
    assert "drukarka-sekretariat" in warning and "DEMO TK-2000 Toner Black 8%" in warning
    assert "DEMO DK-2000 Drum Unit" not in warning  # the drum (45 %) is not low


async def test_a_fitting_cartridge_in_stock_ends_the_warning_and_a_replacement_uses_it(
    ctx: AppContext, snmpsim: Agent
) -> None:
    events: list[Event] = []
    ctx.events.subscribe(events.append)
    with session_scope(ctx.sessions) as db:
        stock.set_stock(db, "Toner TK-2000", "toner", 2, 1, NOW, "test")
        stock.set_stock(db, "Toner innej drukarki", "toner", 5, 1, NOW, "test")
        toner.add_fit(db, "Toner TK-2000", MODEL, "TK-2000")
        toner.add_fit(db, "Toner innej drukarki", "DEMO Laser X-9", "")
    use(ctx, snmpsim, "printer-low")
    await probe(ctx)
    assert sink(ctx).flush() == []  # 8 %, but two fitting cartridges wait on the shelf
    assert events == []
    use(ctx, snmpsim, "printer-ok")
    await probe(ctx)  # 8 % -> 70 %: a cartridge went in
    assert sink(ctx).flush() == []
    assert quantity(ctx, "Toner TK-2000") == 1
    assert quantity(ctx, "Toner innej drukarki") == 5
    with session_scope(ctx.sessions) as db:
        moves = toner.movements(db)
    assert [(m.item, m.delta, m.reason, m.printer) for m in moves[:1]] == [
        ("Toner TK-2000", -1, "toner_replaced", "drukarka-sekretariat")
    ]
    await probe(ctx)  # the same level again: no second movement
    sink(ctx).flush()
    assert quantity(ctx, "Toner TK-2000") == 1


def reading(percent: float | None, supply: str = "DEMO TK-2000 Toner Black") -> toner.SupplyReading:
    return toner.SupplyReading("drukarka-1", MODEL, "office", supply, "toner", percent)


def test_a_shortage_is_kept_with_its_start_and_ends_when_stock_arrives(ctx: AppContext) -> None:
    later = NOW.replace(hour=12)
    with session_scope(ctx.sessions) as db:
        (first,) = toner.record_supplies(db, [reading(9)], NOW, 10, 30)
        (again,) = toner.record_supplies(db, [reading(None)], later, 10, 30)
        assert first.since == again.since == NOW and again.percent == 9  # unknown keeps 9 %
        stock.set_stock(db, "Toner czarny", "toner", 1, 0, NOW)
        toner.add_fit(db, "Toner czarny", "", "toner black")  # fragment, any case
        assert toner.shortages(db, 10) == []  # the page sees the stock at once
        assert toner.record_supplies(db, [reading(9)], later, 10, 30) == []
        row = db.scalar(select(PrinterSupply))
        assert row is not None and row.short_since is None


def test_a_fit_needs_a_model_or_a_fragment_and_a_known_item(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        stock.set_stock(db, "Toner czarny", "toner", 1, 0)
        with pytest.raises(ValidationError, match="printer model or a fragment"):
            toner.add_fit(db, "Toner czarny", " ", "")
        with pytest.raises(ValidationError, match="no stock item"):
            toner.add_fit(db, "Nie ma takiego", MODEL, "")
        assert toner.fits(db) == []


def test_stock_counts_and_repair_parts_are_movements(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "DEMO/T/1")
        stock.set_stock(db, "Dysk SSD", "disk", 3, 1, NOW, "informatyk")
        stock.set_stock(db, "Dysk SSD", "disk", 4, 1, NOW, "informatyk")
        stock.set_stock(db, "Dysk SSD", "disk", 4, 2, NOW, "informatyk")  # same quantity
        data = repairs.ProtocolInput("PN/1", NOW.date(), "DEMO/T/1", "component_replacement")
        repairs.add_protocol(db, data, TZ, NOW, "informatyk", stock=[("Dysk SSD", 2)])
        moves = [(m.delta, m.reason, m.note) for m in reversed(toner.movements(db))]
        assert moves == [(3, "count", ""), (1, "count", ""), (-2, "repair", "PN/1")]
    assert quantity(ctx, "Dysk SSD") == 2


def test_a_repair_taking_more_than_the_stock_writes_no_movement(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "DEMO/T/1")
        stock.set_stock(db, "Dysk SSD", "disk", 1, 1)
    with pytest.raises(ValidationError), session_scope(ctx.sessions) as db:
        data = repairs.ProtocolInput("PN/2", NOW.date(), "DEMO/T/1", "component_replacement")
        repairs.add_protocol(db, data, TZ, NOW, "x", stock=[("Dysk SSD", 2)])
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(StockMovement)) == 0
    assert quantity(ctx, "Dysk SSD") == 1


def test_readings_come_from_the_printer_measurements_only() -> None:
    from checks.printers.supplies import readings_of
    from itops.status import Measurement

    ms = (
        Measurement("supply_type:Toner", 3),
        Measurement("supply_level:Toner", 50),
        Measurement("supply_max:Toner", 200),
        Measurement("supply_type:Waste", 4),
        Measurement("supply_level:Waste", -3),
        Measurement("supply_max:Waste", -2),
    )
    result = ProbeResult("p", "snmp", Status.OK, "", NOW, 0.1, ms)
    (only,) = readings_of(result, MODEL, "office")
    assert dataclasses.astuple(only) == ("p", MODEL, "office", "Toner", "toner", 25.0)
