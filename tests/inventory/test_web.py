"""Dashboard pages against a real server: roles, forms, clearance, metrics."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import func, select

from inventory.metrics import refresh
from inventory.models import Asset, Clearance
from itops import auth
from itops.context import AppContext
from itops.db.session import session_scope
from tests.inventory.conftest import RunningServer
from tests.inventory.helpers import NOW, asset, protocol

PASSWORD = "test-password-123"


class Client:
    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session, self.base, self.csrf = session, base, ""

    async def login(self, login: str) -> None:
        page = await self.get("/login")
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page[1]).group(1)  # type: ignore[union-attr]
        status, body = await self.post("/login", {"login": login, "password": PASSWORD})
        assert status == 200, body
        page = await self.get("/")
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page[1]).group(1)  # type: ignore[union-attr]

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.base + path) as r:
            return r.status, await r.text()

    async def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        async with self.session.post(self.base + path, data={**data, "csrf_token": self.csrf}) as r:
            return r.status, await r.text()


def _user(ctx: AppContext, login: str, role: str) -> None:
    with session_scope(ctx.sessions) as db:
        auth.add_user(db, login, role, PASSWORD, NOW)


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield Client(s, server.url)


async def test_an_it_officer_adds_an_asset_and_sees_its_history(
    ctx: AppContext, http: Client
) -> None:
    _user(ctx, "informatyk", "it_officer")
    await http.login("informatyk")
    status, body = await http.post(
        "/inventory/new",
        {
            "inventory_no": "INV-TEST-0100",
            "category": "laptop",
            "manufacturer": "Lenovo",
            "model": "T14",
            "purchase_date": "2026-03-02",
            "unit_id": "office",
            "status": "in_use",
        },
    )
    assert status == 200, body
    assert "INV-TEST-0100" in body and "zakup" in body  # the ledger event, in Polish
    status, body = await http.get("/inventory?q=T14")
    assert status == 200 and "INV-TEST-0100" in body


async def test_a_bad_form_is_refused_with_the_reason_and_writes_nothing(
    ctx: AppContext, http: Client
) -> None:
    _user(ctx, "informatyk", "it_officer")
    await http.login("informatyk")
    status, body = await http.post(
        "/inventory/new",
        {"inventory_no": "INV-TEST-0100", "category": "laptop", "purchase_date": "2026-13-02"},
    )
    assert status == 400
    assert "„2026-13-02” nie jest datą" in body
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Asset)) == 0


async def test_an_auditor_reads_every_page_but_cannot_write(ctx: AppContext, http: Client) -> None:
    _user(ctx, "audytor", "auditor")
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001")
    await http.login("audytor")
    for path in (
        "/inventory",
        "/inventory/repairs",
        "/inventory/employees",
        "/inventory/kpi",
        "/inventory/stock",
        "/inventory/asset/1",
    ):
        status, body = await http.get(path)
        assert status == 200, path
        assert 'name="csrf_token"' not in body.split("</header>", 1)[1], path
    status, _ = await http.post(
        "/inventory/new", {"inventory_no": "INV-TEST-0002", "category": "desktop"}
    )
    assert status == 403
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Asset)) == 1


async def test_a_monitoring_officer_does_not_see_the_inventory(
    ctx: AppContext, http: Client
) -> None:
    _user(ctx, "monitor", "monitoring_officer")
    await http.login("monitor")
    status, _ = await http.get("/inventory")
    assert status == 403


async def test_clearance_is_refused_while_open_then_signed_with_document_hashes(
    ctx: AppContext, http: Client
) -> None:
    from inventory import clearance
    from inventory.people import add_employee

    _user(ctx, "informatyk", "it_officer")
    with session_scope(ctx.sessions) as db:
        emp = add_employee(db, "EMP-TEST-1", "Jan Testowy", position="Podinspektor")
        asset(db, "INV-TEST-0001", category="phone", holder="EMP-TEST-1")
        clearance.grant_permission(db, emp.id, "EZD", NOW.date())
        emp_id = emp.id
    await http.login("informatyk")
    status, body = await http.post(f"/inventory/employees/{emp_id}/sign", {})
    assert status == 400
    assert "still open" in body and "INV-TEST-0001" in body and "EZD" in body
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Clearance)) == 0
        st = clearance.status(db, emp_id)
    await http.post(f"/inventory/employees/{emp_id}/return", {"asset_id": str(st.held[0].id)})
    await http.post(
        f"/inventory/employees/{emp_id}/revoke", {"permission_id": str(st.permissions[0].id)}
    )
    status, body = await http.post(f"/inventory/employees/{emp_id}/sign", {})
    assert status == 200, body
    with session_scope(ctx.sessions) as db:
        row = db.scalar(select(Clearance))
        assert row is not None
        assert row.card_sha256 == clearance.sha256(row.card_html)
        assert row.protocol_sha256 == clearance.sha256(row.protocol_html)
        assert "Jan Testowy" in row.protocol_html and "INV-TEST-0001" in row.protocol_html
        from inventory.models import AssetEvent

        doc = db.scalar(select(AssetEvent).where(AssetEvent.kind == "document"))
        assert doc is not None and doc.document_sha256 == row.protocol_sha256
    status, card = await http.get(f"/inventory/clearance/{row.id}/card")
    assert status == 200 and clearance.sha256(card) == row.card_sha256
    # Polish documents (issue 13): the category in words, moments in office time and days
    # by the one formatter, no ISO; the clock stands at NOW
    assert "<td>telefon</td>" in row.protocol_html and "<td>phone</td>" not in row.card_html
    signed = NOW.astimezone(ZoneInfo("Europe/Warsaw"))
    assert f"Data: {signed:%d.%m.%Y %H:%M}." in row.card_html
    assert f"<td>EZD</td><td>{NOW:%d.%m.%Y}</td>" in row.card_html
    assert not re.search(r"\d{4}-\d{2}-\d{2}", row.card_html + row.protocol_html)


async def test_a_protocol_form_answers_a_repair_candidate(ctx: AppContext, http: Client) -> None:
    from inventory import ledger, repairs

    _user(ctx, "informatyk", "it_officer")
    with session_scope(ctx.sessions) as db:
        a = asset(db, "INV-TEST-0001")
        ev = ledger.record(db, a, "hardware_changed", NOW, NOW, "agent", {"changes": {}})
        db.flush()
        event_id = ev.id
    await http.login("informatyk")
    status, body = await http.get("/inventory/repairs")
    assert f"#{event_id}" in body
    status, body = await http.post(
        "/inventory/repairs/new",
        {
            "number": "PN/7/2026",
            "date": "2026-11-20",
            "inventory_no": "INV-TEST-0001",
            "kind": "component_replacement",
            "description": "Wymiana RAM",
            "candidate_event_id": str(event_id),
        },
    )
    assert status == 200, body
    with session_scope(ctx.sessions) as db:
        assert repairs.repair_candidates(db) == []


async def test_metrics_come_from_the_refreshed_snapshot(
    ctx: AppContext, server: RunningServer, http: Client
) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", bought=NOW.date())
        asset(db, "INV-TEST-0002", category="printer", bought=NOW.date())
        protocol(db, "PN/1/2026", NOW.date(), "INV-TEST-0002")
    refresh(ctx)
    status, text = await http.get("/metrics")
    assert status == 200
    assert 'itops_inventory_assets{category="desktop",status="in_use"} 1.0' in text
    assert "itops_kpi_repair_ratio 0.5" in text
    assert "itops_kpi_purchase_ratio 1.0" in text
    from inventory.metrics import tiles

    assert [t.value for t in tiles(ctx)][:2] == ["50,0%", "100,0%"]
    # KPI 2 < 10 %, KPI 3 at least 15 %: the Pulpit shows them through the target filter
    assert [(t.target, t.target_relation) for t in tiles(ctx)][:2] == [(0.1, "<"), (0.15, "≥")]


async def test_a_discovered_host_is_confirmed_with_an_inventory_number(
    ctx: AppContext, http: Client
) -> None:
    from inventory.api import store_report
    from inventory.collect import collect
    from tests.inventory.conftest import make_root

    _user(ctx, "informatyk", "it_officer")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp, session_scope(ctx.sessions) as db:
        stored = store_report(
            db, collect(make_root(Path(tmp)), system="Linux", hostname="pc-test-07"), NOW
        )
    await http.login("informatyk")
    status, body = await http.get("/inventory")
    assert "pc-test-07" in body.split("Wykryte przez agenta", 1)[1]
    status, body = await http.post(
        f"/inventory/asset/{stored.asset_id}/confirm",
        {"inventory_no": "INV-TEST-0777", "purchase_date": "2026-01-15"},
    )
    assert status == 200, body
    with session_scope(ctx.sessions) as db:
        found = db.get(Asset, stored.asset_id)
        assert found is not None
        assert (found.inventory_no, found.confirmed) == ("INV-TEST-0777", True)
        from inventory.kpi import purchases_kpi

        assert purchases_kpi(db, ctx.settings, 2026).count == 1


IMPORT_HEADER = (
    "inventory_no;category;manufacturer;model;serial;purchase_date;purchase_document;price;"
    "location;holder;status;retired_date\n"
)


async def _upload(http: Client, body: bytes, csrf: str | None = None) -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("csrf_token", http.csrf if csrf is None else csrf)
    form.add_field("file", io.BytesIO(body), filename="ewidencja.csv", content_type="text/csv")
    async with http.session.post(
        http.base + "/inventory/import", data=form, headers={"Accept": "text/html"}
    ) as r:
        return r.status, await r.text()


def _numbers(ctx: AppContext) -> set[str]:
    with session_scope(ctx.sessions) as db:
        return {str(n) for n in db.scalars(select(Asset.inventory_no))}


async def test_a_dashboard_csv_with_a_bad_row_names_it_and_imports_nothing(
    ctx: AppContext, http: Client
) -> None:
    _user(ctx, "informatyk", "it_officer")
    await http.login("informatyk")
    body = (
        IMPORT_HEADER
        + "INV-TEST-0701;desktop;Dell;A;SN-TEST-0701;2026-01-05;FV/1;100;p. 1;;in_use;\n"
        + "INV-TEST-0702;desktop;Dell;A;SN-TEST-0702;2026-13-05;FV/1;100;p. 1;;in_use;\n"
    )
    status, page = await _upload(http, body.encode())
    assert status == 400
    assert "Wiersz 3 (INV-TEST-0702)" in page and "Wiersz 2" not in page
    assert "purchase_date: „2026-13-05” nie jest datą w postaci RRRR-MM-DD" in page
    assert not {"INV-TEST-0701", "INV-TEST-0702"} & _numbers(ctx)


async def test_a_dashboard_csv_import_adds_every_row_with_the_cli_importer(
    ctx: AppContext, http: Client
) -> None:
    _user(ctx, "informatyk", "it_officer")
    await http.login("informatyk")
    body = (
        IMPORT_HEADER + "INV-TEST-0703;laptop;Lenovo;T14;SN-TEST-0703;2026-01-05;FV/2;4000,50;"
        "p. 2;;in_use;\n"
    )
    status, page = await _upload(http, body.encode())
    assert status == 200 and "Zaimportowano pozycji: 1" in page
    assert "INV-TEST-0703" in _numbers(ctx)


async def test_a_dashboard_csv_import_without_the_csrf_token_is_refused(
    ctx: AppContext, http: Client
) -> None:
    _user(ctx, "informatyk", "it_officer")
    await http.login("informatyk")
    body = IMPORT_HEADER + "INV-TEST-0704;laptop;Lenovo;T14;;2026-01-05;FV/2;1;p. 2;;in_use;\n"
    status, _ = await _upload(http, body.encode(), csrf="forged")
    assert status == 403
    assert "INV-TEST-0704" not in _numbers(ctx)


async def test_a_dashboard_csv_above_the_size_cap_is_refused_unread(
    ctx: AppContext, http: Client
) -> None:
    from inventory.web_list import IMPORT_MAX_BYTES

    _user(ctx, "informatyk", "it_officer")
    await http.login("informatyk")
    status, page = await _upload(http, IMPORT_HEADER.encode() + b"x" * IMPORT_MAX_BYTES)
    assert status == 413 and "za duży" in page


async def test_an_auditor_cannot_import_a_csv(ctx: AppContext, http: Client) -> None:
    _user(ctx, "audytor", "auditor")
    await http.login("audytor")
    body = IMPORT_HEADER + "INV-TEST-0705;laptop;Lenovo;T14;;2026-01-05;FV/2;1;p. 2;;in_use;\n"
    status, _ = await _upload(http, body.encode())
    assert status == 403
    assert "INV-TEST-0705" not in _numbers(ctx)


async def test_while_the_database_is_down_pages_and_agents_get_503_with_retry_after(
    ctx: AppContext, http: Client
) -> None:
    """Not a 500: the client is told to come back, and nothing was written."""
    import json

    from inventory.api import create_token
    from itops.db.session import make_engine, make_sessionmaker

    _user(ctx, "informatyk", "it_officer")
    with session_scope(ctx.sessions) as db:
        token = create_token(db, "pc-test-01", NOW)
    await http.login("informatyk")
    working = ctx.sessions
    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    ctx.sessions = make_sessionmaker(gone)
    try:
        async with http.session.get(http.base + "/inventory") as page:
            html = await page.text()
            assert page.status == 503 and page.headers["Retry-After"] == "30"
            assert "Baza danych itops jest chwilowo niedostępna" in html
        async with http.session.post(
            http.base + "/api/v1/agent/report",
            data=json.dumps({"hostname": "pc-test-01", "collected_at": NOW.isoformat()}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        ) as answer:
            assert answer.status == 503 and answer.headers["Retry-After"] == "30"
            assert (await answer.json())["error"].startswith("database unavailable")
    finally:
        ctx.sessions = working
        gone.dispose()
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Asset)) == 0
