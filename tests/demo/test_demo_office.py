"""The DEMO office's devices (issue 16): the printer low on toner with no cartridge in
stock and the file server's filling disk, each on its page, the Pulpit tiles, /metrics and
in a notification, from the real ``itops demo seed`` on each engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checks.kinds import CHECK_KINDS
from inventory.jobs import remind_toner_orders
from inventory.metrics import refresh, tiles
from inventory.toner import movements, shortages
from itops.clock import FixedClock
from itops.context import AppContext
from itops.db.session import make_engine, make_sessionmaker, session_scope
from itops.events import TONER_ORDER, Event
from itops.notifications.service import NotificationService
from itops.status import Status
from tests.availability.test_check_kinds import run
from tests.demo.test_demo_seed import Seeded, seeded  # noqa: F401 - the module's DEMO year

# The last working day of the seeded year 2025, within office hours (Warsaw 14:00).
NOW = datetime(2025, 12, 31, 13, 0, tzinfo=UTC)


@pytest.fixture
def office(seeded: Seeded, tmp_path: Path) -> Iterator[AppContext]:  # noqa: F811
    from itops.notifications.config import Notifications

    notify = Notifications.model_validate(
        {
            "webhook": [{"name": "czat", "url": "http://127.0.0.1:9/hook"}],
            "rules": [{"name": "wszystko", "channels": ["czat"]}],
        }
    )
    settings = seeded.settings.model_copy(update={"notifications": notify})
    engine = make_engine(settings.storage.url)
    ctx = AppContext(
        settings=settings,
        config_path=seeded.config,
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=FixedClock(NOW),
    )
    yield ctx
    engine.dispose()


def test_the_printer_is_low_on_toner_with_no_cartridge_in_stock(office: AppContext) -> None:
    with session_scope(office.sessions) as db:
        (short,) = shortages(db, 10)
        moves = movements(db)
    assert (short.printer, short.supply, short.percent) == (
        "drukarka-sekretariat",
        "DEMO TK-2000 Toner Black",
        8.0,
    )
    assert short.fitting == ("DEMO Toner TK-2000 czarny",)  # fits, but none left
    assert [(m.item, m.delta, m.reason) for m in moves] == [
        ("DEMO Toner TK-2000 czarny", -1, "toner_replaced")
    ]
    refresh(office)
    (tile,) = [t for t in tiles(office) if t.label == "Zamów toner"]
    assert (tile.value, tile.ok) == ("1", False)


def test_the_toner_reminder_is_a_notification(office: AppContext) -> None:
    events: list[Event] = []
    office.events.subscribe(events.append)
    assert remind_toner_orders(office) == 1
    (event,) = events
    assert (event.kind, event.subject, event.status) == (
        TONER_ORDER,
        "drukarka-sekretariat",
        Status.WARNING,
    )
    (delivery,) = NotificationService(office).route(event)
    assert delivery.message.subject == "[itops] [OSTRZEŻENIE] Zamów toner: drukarka-sekretariat"
    assert "DEMO TK-2000 Toner Black 8%" in delivery.message.body


async def test_the_file_servers_disk_is_filling(
    office: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judged as the daemon would on the day of the report (the kind reads the wall clock
    for the report's age, and the seeded 2025 report is old by now)."""
    from checks.kinds import host_report
    from inventory.public import latest_agent_report

    with session_scope(office.sessions) as db:
        found = latest_agent_report(db, "demo-srv-pliki")
    assert found is not None
    stored = found[0]
    monkeypatch.setattr(host_report, "SOURCE", lambda host: (stored, datetime.now(UTC)))
    (config,) = [c for c in office.settings.checks if c.name == "serwer-plikow"]
    result = await run(CHECK_KINDS.cls("host")(config))
    assert result.status is Status.CRITICAL  # D:\ at 4 % free, critical at 5 %
    assert "D:\\: 4.0% free" in str(result.summary)
