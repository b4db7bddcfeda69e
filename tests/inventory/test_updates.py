"""Updates in view: OS, end of support, pending updates per computer, the fleet by risk,
``itops_hosts_update_risk`` on /metrics and the figures in the annual report's annex."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from inventory.metrics import refresh, tiles
from inventory.models import Asset
from inventory.public import update_risk
from inventory.updates import fleet, state_of
from itops.config import Settings
from itops.context import AppContext
from itops.db.session import session_scope
from tests.inventory.conftest import RunningServer
from tests.inventory.helpers import NOW, asset
from tests.inventory.test_web import Client, _user


def facts(
    os: str = "Debian GNU/Linux 12 (bookworm)",
    security: int | None = 0,
    days: int | None = 1,
    reboot: bool | None = False,
    pending: int | None = 3,
    received_days: int = 0,
) -> dict[str, Any]:
    updates: dict[str, Any] = {"pending": pending, "security": security, "reboot_required": reboot}
    if days is not None:
        updates["last_success"] = (NOW - timedelta(days=days)).isoformat()
    return {
        "report": {"hostname": "h", "os": {"pretty": os}, "updates": updates},
        "received_at": (NOW - timedelta(days=received_days)).isoformat(),
    }


def risks(settings: Settings, **kw: Any) -> tuple[str, ...]:
    return state_of(1, None, "h", "desktop", facts(**kw), settings, NOW).risks


def test_each_reason_is_told_apart(settings: Settings) -> None:
    assert risks(settings) == ()
    assert risks(settings, os="Windows 10 Pro 22H2") == ("end_of_support",)  # ended 2025-10-14
    assert risks(settings, os="Debian GNU/Linux 11 (bullseye)") == ("end_of_support",)  # 2026-08-31
    assert risks(settings, security=4, days=3) == ()  # waiting, but updated 3 days ago
    assert risks(settings, security=4, days=8) == ("security_pending",)  # > 7 days
    assert risks(settings, security=4, days=None) == ("security_pending",)  # never told: worst
    assert risks(settings, security=None, days=None) == ()  # nothing known is not a risk found
    assert risks(settings, reboot=True) == ("reboot_pending",)
    assert risks(settings, received_days=8) == ("silent",)


def test_a_computer_past_end_of_support_on_a_later_day() -> None:
    from tests.conftest import make_settings

    settings = make_settings(
        "sqlite://",
        kpi={"os_end_of_support": [{"match": "Debian GNU/Linux 12", "end": "2026-11-25"}]},
    )
    state = state_of(1, None, "h", "desktop", facts(), settings, NOW)
    assert state.risks == ("end_of_support",) and str(state.end_of_support) == "2026-11-25"
    state = state_of(1, None, "h", "desktop", facts(), settings, NOW - timedelta(days=1))
    assert state.risks == ()  # the last day of support is still supported


def _computer(db: Any, no: str, host: str, category: str = "desktop", **kw: Any) -> int:
    a = asset(db, no, category=category, hostname=host)
    row = db.get(Asset, a.id)
    row.facts = json.dumps(facts(**kw))
    row.last_seen = NOW
    return int(a.id)


def _fleet(ctx: AppContext) -> dict[str, int]:
    with session_scope(ctx.sessions) as db:
        ids = {
            "old": _computer(
                db, "DEMO/K/1", "demo-stary", os="Windows 10 Pro 22H2", security=2, days=40
            ),
            "late": _computer(db, "DEMO/K/2", "demo-zaległy", security=5, days=12),
            "reboot": _computer(db, "DEMO/K/3", "demo-restart", reboot=True),
            "fine": _computer(db, "DEMO/K/4", "demo-aktualny"),
            "printer": _computer(db, "DEMO/D/1", "demo-drukarka", category="printer", reboot=True),
        }
    return ids


def test_the_fleet_is_ordered_by_risk_and_counts_each_reason(ctx: AppContext) -> None:
    _fleet(ctx)
    with session_scope(ctx.sessions) as db:
        states = fleet(db, ctx.settings, NOW)
        risk = update_risk(db, ctx.settings, NOW)
    assert [s.hostname for s in states] == [
        "demo-stary",
        "demo-zaległy",
        "demo-restart",
        "demo-aktualny",
    ]
    assert states[0].risks == ("end_of_support", "security_pending")
    assert states[1].last_update_days == 12 and states[1].security == 5
    assert (risk.computers, risk.at_risk) == (4, 3)  # the printer is not a computer
    assert risk.counts == {
        "end_of_support": 1,
        "security_pending": 2,
        "reboot_pending": 1,
        "silent": 0,
    }


@pytest.fixture
async def web(server: RunningServer) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield Client(s, server.url)


async def test_pages_metrics_and_tile_show_the_update_risk(ctx: AppContext, web: Client) -> None:
    http = web
    ids = _fleet(ctx)
    _user(ctx, "audytor", "auditor")
    await http.login("audytor")
    status, page = await http.get("/inventory/updates")
    assert status == 200
    rows = page[page.index("<tbody>") :]
    assert rows.index("demo-stary") < rows.index("demo-zaległy") < rows.index("demo-aktualny")
    assert "system bez wsparcia producenta; poprawki bezpieczeństwa czekają" in rows
    assert "14.10.2025" in rows  # Windows 10's end of support, the Polish way
    status, page = await http.get(f"/inventory/asset/{ids['late']}")
    section = page[page.index('id="updates"') :]
    assert "3, w tym bezpieczeństwa: 5" in section[: section.index("</dl>")]
    assert "(12 dni temu)" in section
    refresh(ctx)
    status, text = await http.get("/metrics")
    assert 'itops_hosts_update_risk{reason="security_pending"} 2.0' in text
    assert 'itops_hosts_update_risk{reason="silent"} 0.0' in text
    (tile,) = [t for t in tiles(ctx) if t.link == "/inventory/updates"]
    assert (tile.value, tile.ok) == ("3", False)


def test_the_annual_report_annex_has_the_update_figures(ctx: AppContext) -> None:
    from reports.annual import collect

    _fleet(ctx)
    with session_scope(ctx.sessions) as db:
        report = collect(db, ctx.settings, 2026, NOW)
        assert db.scalar(select(Asset.id).where(Asset.hostname == "demo-stary")) is not None
    up = report.annex.updates
    assert (up.computers, up.at_risk, up.end_of_support, up.security_pending) == (4, 3, 1, 2)
    assert (up.reboot_pending, up.silent, up.security_max_days) == (1, 0, 7)
