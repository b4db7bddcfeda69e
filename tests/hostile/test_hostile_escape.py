"""Names and notes with HTML render as text on every dashboard page and in the register PDF.

An asset, a check, an outage note, an employee and a user all carry a script tag; every
HTML page each role can open is fetched and must never contain it raw.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from checks.availability.entry import add_outages, parse_outage
from inventory.people import add_employee
from inventory.register import export as register_export
from inventory.register import service as register_service
from itops import auth
from itops.auth import ROLES
from itops.config import Settings
from itops.context import AppContext
from itops.db.models import Employee
from itops.db.session import session_scope
from tests.conftest import make_settings
from tests.inventory.helpers import asset
from tests.web.conftest import AsgiClient, role_login
from tests.web.test_web_role_matrix import endpoints

PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG = '<img src=x onerror="alert(2)">'
CHECK = f"bip{PAYLOAD}"
TZ = ZoneInfo("Europe/Warsaw")
_PARAM_RE = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-z]+))?}")


@pytest.fixture
def settings(db_url: str) -> Settings:
    """A check whose name is a script tag (check names are free text in the config)."""
    return make_settings(
        db_url,
        checks=[{"name": CHECK, "kind": "tcp", "host": "127.0.0.1", "port": 9}],
    )


@pytest.fixture
def hostile(ctx: AppContext, users: dict[str, str]) -> None:
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        asset(
            db,
            "INV-XSS-0001",
            manufacturer=PAYLOAD,
            model=IMG,
            room=PAYLOAD,
            holder=PAYLOAD,
            purchase_document=PAYLOAD,
        )
        add_employee(db, "XSS-1", PAYLOAD, position=IMG)
        auth.add_user(db, "xss_user", auth.AUDITOR, "Haslo-Testowe-123", now, PAYLOAD)
        item = parse_outage(
            ctx.settings,
            CHECK,
            "2026-11-24T09:00+01:00",
            "2026-11-24T10:00+01:00",
            "failure",
            PAYLOAD,
        )
        add_outages(db, ctx.settings, [item], now, PAYLOAD, "manual")
        auth.audit(db, now, PAYLOAD, "login_failed", IMG)


def _url(path: str) -> str:
    def sample(match: re.Match[str]) -> str:
        return "1" if match.group(2) in ("int", "id") else quote(CHECK, safe="")

    return _PARAM_RE.sub(sample, path)


@pytest.mark.parametrize("role", ROLES)
async def test_html_in_names_and_notes_renders_as_text_on_every_page(
    app: Starlette, ctx: AppContext, hostile: None, role: str
) -> None:
    client = AsgiClient(app)
    assert (await client.login(role_login(role))).status == 303
    pages = [e for e in endpoints(app) if e.method == "GET" and not e.path.startswith("/static")]
    seen_escaped: list[str] = []
    for endpoint in pages:
        url = _url(endpoint.path)
        reply = await client.get(url)
        if not (reply.header("content-type") or "").startswith("text/html"):
            continue
        assert PAYLOAD not in reply.text, url
        assert IMG not in reply.text, url
        assert "<script>alert" not in reply.text, url
        if ESCAPED in reply.text:
            seen_escaped.append(endpoint.path)
    if role in ("admin", "it_officer", "auditor"):
        for expected in ("/inventory", "/inventory/asset/{asset_id:id}", "/inventory/employees"):
            assert expected in seen_escaped, (expected, seen_escaped)
    if role in ("admin", "auditor"):
        assert "/admin/audit" in seen_escaped, seen_escaped


async def test_the_outage_list_shows_a_script_note_as_text(
    app: Starlette, ctx: AppContext, hostile: None
) -> None:
    client = AsgiClient(app)
    await client.login(role_login("it_officer"))
    reply = await client.get("/systemy/awarie?year=2026")
    if reply.status == 200 and ESCAPED not in reply.text:
        reply = await client.get("/systemy/awarie")
    assert reply.status == 200
    assert PAYLOAD not in reply.text
    assert ESCAPED in reply.text


def test_the_register_pdf_source_escapes_names(ctx: AppContext) -> None:
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    with session_scope(ctx.sessions) as db:
        auth.add_user(db, "inspektor", auth.MONITORING_OFFICER, "Haslo-Testowe-123", now, "I")
        add_employee(db, "XSS-2", PAYLOAD)
    with session_scope(ctx.sessions) as db:
        emp = db.scalar(select(Employee).where(Employee.code == "XSS-2"))
        assert emp is not None
        register_service.record_notice(
            db, now, "inspektor", emp.id, date(2026, 1, 2), PAYLOAD, tz=TZ
        )
    with session_scope(ctx.sessions) as db:
        data = register_export.collect(db, PAYLOAD, TZ, date(2026, 1, 1), date(2026, 12, 31), now)
    html = register_export.to_html(data)
    assert PAYLOAD not in html
    assert ESCAPED in html
