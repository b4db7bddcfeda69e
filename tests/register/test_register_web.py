"""Dashboard pages and API of the §82 register, over a real HTTP server."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import aiohttp
import pytest
import uvicorn
from sqlalchemy import func, select

from inventory.register.models import RegisterEntry, RegisterRead
from itops.db.session import session_scope
from itops.web.app import create_app
from tests.register.conftest import LOGINS, PASSWORD, Office, free_port

MO, AUD, ADM = "monitoring_officer", "auditor", "admin"
# Every route the register adds, with the roles that may use it. Anything else: 403.
ROUTES: list[tuple[str, str, set[str]]] = [
    ("GET", "/register", {MO, AUD}),
    ("POST", "/register/acts", {MO}),
    ("GET", "/register/authorised", {MO, AUD, ADM}),
    ("POST", "/register/authorisations", {ADM}),
    ("POST", "/register/authorisations/revoke", {ADM}),
    ("GET", "/register/notices", {MO, AUD, ADM}),
    ("POST", "/register/notices", {MO, ADM}),
    ("GET", "/register/export.csv", {MO, AUD}),
    ("GET", "/register/export.pdf", {MO, AUD}),
    ("GET", "/register/anchor.json", {MO, AUD, ADM}),
    ("GET", "/api/register/entries", {MO, AUD}),
    ("GET", "/api/register/verify", {MO, AUD, ADM}),
    ("POST", "/api/register/acts", {MO}),
]


@pytest.fixture
def base_url(office: Office) -> Iterator[str]:
    """The whole itops web app on a free local port."""
    port = free_port()
    config = uvicorn.Config(
        create_app(office.ctx), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


class Browser:
    """A logged-in user's cookie jar plus the session's CSRF token."""

    def __init__(self, http: aiohttp.ClientSession, base: str, csrf: str) -> None:
        self.http, self.base, self.csrf = http, base, csrf

    async def request(self, method: str, path: str, **kw: object) -> aiohttp.ClientResponse:
        return await self.http.request(
            method,
            self.base + path,
            allow_redirects=False,
            **kw,  # type: ignore[arg-type]
        )

    async def post_form(
        self, path: str, data: dict[str, str] | list[tuple[str, str]]
    ) -> aiohttp.ClientResponse:
        items = list(data.items()) if isinstance(data, dict) else list(data)
        return await self.request("POST", path, data=[*items, ("csrf_token", self.csrf)])


async def _csrf(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as resp:
        html = await resp.text()
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match
    return match.group(1)


async def login(base: str, role: str) -> Browser:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    token = await _csrf(http, base + "/login")
    async with http.post(
        base + "/login",
        data={"login": LOGINS[role], "password": PASSWORD, "csrf_token": token, "next": "/"},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 303
    return Browser(http, base, await _csrf(http, base + "/"))


def _entries(office: Office) -> int:
    with session_scope(office.ctx.sessions) as db:
        return int(db.scalar(select(func.count()).select_from(RegisterEntry)) or 0)


async def test_every_register_route_gives_403_to_every_role_without_access(
    office: Office, base_url: str
) -> None:
    office.grant()
    office.notice(office.jan)
    before = _entries(office)
    for role in LOGINS:
        browser = await login(base_url, role)
        try:
            for method, path, allowed in ROUTES:
                kw: dict[str, object] = {}
                if method == "POST":
                    kw = {"headers": {"X-CSRF-Token": browser.csrf}}
                    if path.startswith("/api/"):
                        kw["json"] = {}
                    else:
                        kw["data"] = {"csrf_token": browser.csrf}
                async with await browser.request(method, path, **kw) as resp:
                    if role in allowed:
                        # reads answer; writes with an empty body are refused as bad input
                        expected = (200,) if method == "GET" else (400, 422)
                        assert resp.status in expected, (role, method, path, resp.status)
                    else:
                        assert resp.status == 403, (role, method, path, resp.status)
        finally:
            await browser.http.close()
    assert _entries(office) == before


async def test_anonymous_users_are_sent_to_login_or_refused(base_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for method, path, _ in ROUTES:
            async with http.request(method, base_url + path, allow_redirects=False) as resp:
                if method == "GET" and not path.startswith("/api/"):
                    assert resp.status == 303 and "/login" in resp.headers["location"]
                else:
                    assert resp.status in (401, 403), (method, path)


async def test_the_menu_shows_the_register_only_to_its_roles(office: Office, base_url: str) -> None:
    for role in LOGINS:
        browser = await login(base_url, role)
        async with await browser.request("GET", "/") as resp:
            html = await resp.text()
        await browser.http.close()
        assert ('href="/register"' in html) == (role in (MO, AUD)), role


async def test_an_officer_records_an_act_through_the_form(office: Office, base_url: str) -> None:
    office.grant()
    office.notice(office.jan)
    browser = await login(base_url, MO)
    form = [
        ("employee", office.jan),
        ("resource", "INV-TEST-0001"),
        ("scope", "computer_content"),
        ("purpose", "proper_use"),
        ("justification", "Zgłoszenie (dane testowe)"),
        ("start", "2026-11-20T10:00"),
        ("end", "2026-11-20T11:00"),
        ("outcome", "Bez uwag."),
    ]
    async with await browser.post_form("/register/acts", form) as resp:
        assert resp.status == 303
    async with await browser.request("GET", "/register?from=2026-11-01&to=2026-11-30") as resp:
        html = await resp.text()
    await browser.http.close()
    assert "INV-TEST-0001" in html and "Łańcuch skrótów nienaruszony" in html
    assert "01.11.2026 – …" in html and "01.10.2026 (Regulamin 2026)" in html  # Polish dates
    with session_scope(office.ctx.sessions) as db:
        act = db.get(RegisterEntry, 3)
        assert act is not None and act.start == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def test_a_refused_act_shows_the_gate_and_writes_nothing(
    office: Office, base_url: str
) -> None:
    office.grant()
    browser = await login(base_url, MO)
    form = {
        "employee": office.anna,
        "resource": "INV-TEST-0002",
        "scope": "computer_content",
        "purpose": "proper_use",
        "justification": "test",
        "start": "2026-11-20T10:00",
        "end": "2026-11-20T11:00",
        "outcome": "—",
    }
    async with await browser.post_form("/register/acts", form) as resp:
        assert resp.status == 400
        assert "nie otrzymał informacji o monitoringu" in await resp.text()  # Polish page
    await browser.http.close()
    assert _entries(office) == 1


async def test_the_api_refuses_attachments_and_content_fields(
    office: Office, base_url: str
) -> None:
    office.grant()
    office.notice(office.jan)
    browser = await login(base_url, MO)
    body = {
        "employee": office.jan,
        "resource": "INV-TEST-0001",
        "scopes": ["work_email"],
        "purpose": "proper_use",
        "justification": "test",
        "start": "2026-11-20T10:00:00Z",
        "end": "2026-11-20T11:00:00Z",
        "outcome": "ok",
        "attachment": "UEsDBBQ=",
    }
    headers = {"X-CSRF-Token": browser.csrf}
    async with await browser.request(
        "POST", "/api/register/acts", json=body, headers=headers
    ) as resp:
        assert resp.status == 422
        assert "attachment" in (await resp.json())["error"]
    del body["attachment"]
    async with await browser.request(
        "POST", "/api/register/acts", json=body, headers=headers
    ) as resp:
        assert resp.status == 201
    await browser.http.close()


async def test_a_form_with_a_file_upload_is_refused(office: Office, base_url: str) -> None:
    office.grant()
    office.notice(office.jan)
    browser = await login(base_url, MO)
    data = aiohttp.FormData()
    for key, value in {
        "csrf_token": browser.csrf,
        "employee": office.jan,
        "resource": "INV-TEST-0001",
        "scope": "computer_content",
        "purpose": "proper_use",
        "justification": "test",
        "start": "2026-11-20T10:00",
        "end": "2026-11-20T11:00",
        "outcome": "ok",
    }.items():
        data.add_field(key, value)
    data.add_field("evidence", b"%PDF-1.4 fake", filename="mail.pdf")
    async with await browser.request("POST", "/register/acts", data=data) as resp:
        assert resp.status == 400
        assert "załączniki są odrzucane" in await resp.text()  # Polish page
    await browser.http.close()
    assert _entries(office) == 2


async def test_every_read_is_logged_with_who_and_what(office: Office, base_url: str) -> None:
    browser = await login(base_url, AUD)
    for path in ("/register", "/register/authorised", "/api/register/entries"):
        async with await browser.request("GET", path) as resp:
            assert resp.status == 200
    await browser.http.close()
    with session_scope(office.ctx.sessions) as db:
        reads = [(r.actor, r.channel, r.view) for r in db.scalars(select(RegisterRead))]
    assert reads == [
        (office.auditor, "web", "index"),
        (office.auditor, "web", "authorised"),
        (office.auditor, "api", "entries"),
    ]


async def test_the_iod_exports_are_csv_and_pdf(office: Office, base_url: str) -> None:
    office.grant()
    office.notice(office.jan)
    office.act()
    browser = await login(base_url, AUD)
    period = "from=2026-11-01&to=2026-11-30"
    async with await browser.request("GET", f"/register/export.csv?{period}") as r:
        csv_text = await r.text()
    async with await browser.request("GET", f"/register/export.pdf?{period}") as r:
        assert r.headers["content-type"] == "application/pdf"
        pdf = await r.read()
    await browser.http.close()
    assert csv_text.splitlines()[0].startswith("seq,kind,recorded_at")
    assert "Jan Testowy" in csv_text and "register intact: 3 entries" in csv_text
    assert pdf.startswith(b"%PDF")


async def test_a_correction_through_the_form_references_the_corrected_act(
    office: Office, base_url: str
) -> None:
    office.grant()
    office.notice(office.jan)
    first = office.act()
    browser = await login(base_url, MO)
    form = [
        ("employee", office.jan),
        ("resource", "INV-TEST-0001"),
        ("scope", "computer_content"),
        ("purpose", "proper_use"),
        ("justification", "Zgłoszenie (dane testowe)"),
        ("start", "2026-11-20T10:00"),
        ("end", "2026-11-20T11:00"),
        ("outcome", "Wynik poprawiony."),
        ("corrects", str(first)),
        ("reason", "literówka"),
    ]
    async with await browser.post_form("/register/acts", form) as resp:
        assert resp.status == 303
    await browser.http.close()
    with session_scope(office.ctx.sessions) as db:
        fixed = db.get(RegisterEntry, first + 1)
        assert fixed is not None and fixed.corrects_seq == first and fixed.reason == "literówka"


async def test_the_pages_speak_english_on_request(office: Office, base_url: str) -> None:
    office.grant()
    browser = await login(base_url, AUD)
    async with await browser.request("GET", "/lang/en?next=/register"):
        pass
    pages = {
        "/register": "§82 monitoring register",
        "/register/authorised": "Persons authorised to monitor",
        "/register/notices": "Written monitoring notices",
    }
    for path, title in pages.items():
        async with await browser.request("GET", path) as resp:
            html = await resp.text()
        assert resp.status == 200 and title in html, path
    await browser.http.close()
