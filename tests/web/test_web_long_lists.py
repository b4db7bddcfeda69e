"""Long lists are paged, searchable and newest first (issue 13: "Awarie" was 10,800 px
oldest first with a reclassify form on every row, "Ewidencja" 18,600 px). In process,
both engines; the browser side is in test_web_browser_lists.py."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from checks.availability.models import Outage
from inventory.models import Asset
from itops.config import Settings, load
from itops.context import AppContext
from itops.db.models import Employee
from itops.db.session import session_scope
from itops.web.app import create_app
from tests.conftest import write_config

from .conftest import AsgiClient

CHECKS = """
[[checks]]
name = "bip"
kind = "tcp"
host = "127.0.0.1"
port = 1

[[checks]]
name = "strona-www"
kind = "tcp"
host = "127.0.0.1"
port = 2
"""
ROW = re.compile(r'<tr data-outage="(\d+)">')


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "itops.toml", db_url, extra=CHECKS)


@pytest.fixture
def settings(config: Path) -> Settings:
    return load(config)


def _outages(ctx: AppContext, count: int, check: str = "bip", cause: str = "failure") -> None:
    """``count`` 10-minute outages, one a day from 2 January 2026 at 09:00 UTC."""
    with session_scope(ctx.sessions) as db:
        for n in range(count):
            start = datetime(2026, 1, 2, 9, 0, tzinfo=UTC) + timedelta(days=n)
            db.add(
                Outage(
                    check_name=check,
                    unit_id="office",
                    start=start,
                    end=start + timedelta(minutes=10),
                    cause=cause,
                    note="",
                    created_at=start,
                )
            )


def _starts(ctx: AppContext) -> dict[int, datetime]:
    with session_scope(ctx.sessions) as db:
        return {o.id: o.start for o in db.query(Outage)}


async def _client(ctx: AppContext, login: str) -> AsgiClient:
    client = AsgiClient(create_app(ctx))
    await client.login(login)
    return client


async def test_outages_show_fifty_a_page_newest_first(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _outages(ctx, 120)
    client = await _client(ctx, users["auditor"])
    first = await client.get("/systemy/awarie")
    last = await client.get("/systemy/awarie?strona=3")
    starts = _starts(ctx)
    ids = [int(i) for i in ROW.findall(first.text)]
    assert len(ids) == 50 and len(ROW.findall(last.text)) == 20
    shown = [starts[i] for i in ids]
    assert shown == sorted(shown, reverse=True) and shown[0] == max(starts.values())
    assert "Strona 1 / 3" in first.text and "1–50 z 120" in first.text


async def test_outage_search_finds_by_system_name(ctx: AppContext, users: dict[str, str]) -> None:
    _outages(ctx, 5)
    _outages(ctx, 3, check="strona-www")
    client = await _client(ctx, users["auditor"])
    reply = await client.get("/systemy/awarie?q=STRONA")
    assert reply.status == 200
    rows = re.findall(
        r'<tr data-outage="\d+">\s*<th scope="row">\d+</th>\s*<td>(.*?)</td>', reply.text
    )
    assert len(rows) == 3 and all("strona-www" in r for r in rows)


async def test_outage_search_finds_by_cause_words(ctx: AppContext, users: dict[str, str]) -> None:
    _outages(ctx, 4)
    _outages(ctx, 2, check="strona-www", cause="planned")
    client = await _client(ctx, users["auditor"])
    reply = await client.get("/systemy/awarie?q=planowana")
    assert len(ROW.findall(reply.text)) == 2


async def test_outage_page_links_keep_the_search(ctx: AppContext, users: dict[str, str]) -> None:
    _outages(ctx, 60)
    _outages(ctx, 3, check="strona-www")
    client = await _client(ctx, users["auditor"])
    reply = await client.get("/systemy/awarie?q=bip&system=bip")
    assert 'href="?q=bip&amp;system=bip&amp;strona=2"' in reply.text
    second = await client.get("/systemy/awarie?q=bip&system=bip&strona=2")
    assert len(ROW.findall(second.text)) == 10


async def test_outage_rows_link_to_the_one_outage_form_instead_of_a_form_each(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _outages(ctx, 5)
    client = await _client(ctx, users["it_officer"])
    reply = await client.get("/systemy/awarie")
    ids = ROW.findall(reply.text)
    assert "/przyczyna" not in reply.text and "<textarea" not in reply.text
    for outage_id in ids:
        assert f'href="/systemy/awarie/{outage_id}?z=awarie">Zmień przyczynę' in reply.text
    form = await client.get(f"/systemy/awarie/{ids[0]}?z=awarie")
    assert form.status == 200 and 'name="wroc" value="/systemy/awarie"' in form.text


async def test_an_outage_page_number_out_of_range_or_malformed_is_answered_not_failed(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _outages(ctx, 3)
    client = await _client(ctx, users["auditor"])
    for wanted in ("99", "abc", "-1", "²"):
        reply = await client.get(f"/systemy/awarie?strona={wanted}")
        assert reply.status == 200 and len(ROW.findall(reply.text)) == 3


async def test_an_outage_search_with_a_nul_is_refused_in_polish(
    ctx: AppContext, users: dict[str, str]
) -> None:
    client = await _client(ctx, users["auditor"])
    reply = await client.get("/systemy/awarie?q=%00")
    assert reply.status == 400 and "znaki sterujące" in reply.text


# --- Ewidencja ---------------------------------------------------------------------------

ASSET_ROW = re.compile(r'<tr><th scope="row"><a href="/inventory/asset/\d+">([^<]+)</a>')


def _assets(ctx: AppContext, count: int, holder: int | None = None, room: str = "1") -> None:
    """``count`` desktops bought a day apart from 1 January 2020 (TEST-0000 the oldest)."""
    with session_scope(ctx.sessions) as db:
        for n in range(count):
            db.add(
                Asset(
                    inventory_no=f"TEST-{room}-{n:04d}",
                    category="desktop",
                    manufacturer="Fikcyjna",
                    model="Model X",
                    purchase_date=date(2020, 1, 1) + timedelta(days=n),
                    building="Ratusz",
                    room=room,
                    holder_id=holder,
                    unit_id="office",
                    status="in_use",
                )
            )


async def test_assets_show_fifty_a_page_newest_purchase_first(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _assets(ctx, 70)
    client = await _client(ctx, users["auditor"])
    first = await client.get("/inventory")
    second = await client.get("/inventory?strona=2")
    numbers = ASSET_ROW.findall(first.text)
    assert len(numbers) == 50 and len(ASSET_ROW.findall(second.text)) == 20
    assert numbers[:2] == ["TEST-1-0069", "TEST-1-0068"]
    assert ASSET_ROW.findall(second.text)[-1] == "TEST-1-0000"
    assert "Pozycji: 70" in first.text and "Strona 1 / 2" in first.text


async def test_asset_search_finds_by_the_holder_employees_name(
    ctx: AppContext, users: dict[str, str]
) -> None:
    with session_scope(ctx.sessions) as db:
        person = Employee(code="TEST01", full_name="Zofia Przykładowa", unit_id="office")
        db.add(person)
        db.flush()
        holder = person.id
    _assets(ctx, 3)
    _assets(ctx, 2, holder=holder, room="7")
    client = await _client(ctx, users["auditor"])
    reply = await client.get("/inventory?" + urlencode({"q": "przykładowa"}))
    assert reply.status == 200
    assert sorted(ASSET_ROW.findall(reply.text)) == ["TEST-7-0000", "TEST-7-0001"]


async def test_asset_page_links_keep_the_filters(ctx: AppContext, users: dict[str, str]) -> None:
    _assets(ctx, 55, room="12")
    _assets(ctx, 5, room="3")
    client = await _client(ctx, users["auditor"])
    reply = await client.get("/inventory?q=TEST-12&category=desktop")
    assert 'href="?q=TEST-12&amp;category=desktop&amp;strona=2"' in reply.text
    second = await client.get("/inventory?q=TEST-12&category=desktop&strona=2")
    assert ASSET_ROW.findall(second.text) == [f"TEST-12-{n:04d}" for n in range(4, -1, -1)]
