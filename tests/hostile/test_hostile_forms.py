"""The one-line reproductions of issue 14.4: each gave a 500 (or stored nonsense).

Each request is sent with a CSRF-valid session of a role allowed to make it; the answer
must be a 4xx (400/404/422) with no exception text, and no table may change (audit trails
aside). Both engines.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from starlette.applications import Starlette

from inventory.models import Asset
from inventory.people import add_employee
from itops.config import Settings
from itops.context import AppContext
from itops.db.session import session_scope
from tests.conftest import make_settings
from tests.hostile.test_hostile_http import PUSH_TOKEN, _clean, _counts
from tests.web.conftest import AsgiClient, role_login

LONG = "x" * 100_000
# (role, method, path, form) - {asset} and {employee} are the ids of rows that exist
CASES: list[tuple[str, str, str, dict[str, str]]] = [
    ("it_officer", "POST", "/inventory/repairs/dismiss", {"event_id": "abc"}),
    ("it_officer", "POST", "/inventory/repairs/dismiss", {"event_id": "²"}),
    ("it_officer", "POST", "/inventory/employees/{employee}/return", {"asset_id": "abc"}),
    ("it_officer", "POST", "/inventory/employees/{employee}/revoke", {"permission_id": "abc"}),
    ("it_officer", "POST", "/inventory/asset/{asset}/loan-return", {"loan_id": "abc"}),
    ("it_officer", "POST", "/inventory/employees/99999/grant", {"system": "EZD"}),
    (
        "it_officer",
        "POST",
        "/inventory/stock",
        {"name": "toner", "quantity": "²", "min_level": "1"},
    ),
    (
        "it_officer",
        "POST",
        "/inventory/stock",
        {"name": "toner", "quantity": str(10**30), "min_level": "1"},
    ),
    ("admin", "POST", "/register/authorisations/revoke", {"seq": "²", "reason": "x"}),
    ("admin", "POST", "/register/notices", {"employee": "{employee}", "corrects": "²"}),
    ("it_officer", "POST", "/raporty", {"year": "²"}),
    ("it_officer", "GET", "/inventory/kpi?year=²", {}),
    ("admin", "GET", "/admin/audit?before=²", {}),
    # found by bench/hostile.py: a NUL reached PostgreSQL's LIKE (500 on PostgreSQL)
    ("it_officer", "GET", "/inventory/software?q=7-zip&version=a%00b", {}),
    ("it_officer", "GET", "/inventory/software?q=%00", {}),
    # found by tests/hostile/test_hostile_routes.py: the same NUL in the inventory's search
    ("admin", "GET", "/inventory?q=%00", {}),
    ("it_officer", "GET", "/ping/" + PUSH_TOKEN + "/²", {}),
    ("it_officer", "POST", "/inventory/new", {"category": "desktop", "price": "NaN"}),
    ("it_officer", "POST", "/inventory/new", {"category": "desktop", "price": "Infinity"}),
    ("it_officer", "POST", "/inventory/new", {"category": "desktop", "price": "1e400"}),
    ("it_officer", "POST", "/inventory/new", {"category": "desktop", "price": "-5"}),
    (
        "it_officer",
        "POST",
        "/inventory/new",
        {"category": "desktop", "purchase_date": "0001-01-01"},
    ),
    (
        "it_officer",
        "POST",
        "/inventory/asset/{asset}/edit",
        {"category": "desktop", "price": "NaN"},
    ),
    (
        "it_officer",
        "POST",
        "/inventory/repairs/add",
        {"inventory_no": "DEMO/TEST/0001", "cost": "NaN", "date": "2026-11-20"},
    ),
    (
        "it_officer",
        "POST",
        "/backups/nas/restore-tests",
        {"performed_at": "0001-01-01T00:00+14:00", "result": "ok"},
    ),
    ("it_officer", "POST", "/systemy/awarie/1/przyczyna", {"cause": "failure", "reason": LONG}),
]


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(
        db_url,
        backups=[{"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"}],
        checks=[{"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 9}],
    )


def _rows(ctx: AppContext) -> dict[str, int]:
    from datetime import UTC, datetime

    from checks.availability.models import Outage

    with session_scope(ctx.sessions) as db:
        asset = Asset(inventory_no="DEMO/TEST/0001", category="desktop")
        db.add(asset)
        db.add(
            Outage(
                check_name="bip",
                unit_id="office",
                start=datetime(2026, 3, 10, 7, 0, tzinfo=UTC),
                end=datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
                cause="failure",
                note="",
                created_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )
        db.flush()
        employee = add_employee(db, "EMP-TEST-0001", "DEMO Jan Testowy", hired_on=date(2020, 1, 1))
        return {"asset": asset.id, "employee": employee.id}


def test_each_reproduction_of_the_issue_is_a_4xx_that_writes_nothing(
    ctx: AppContext, app: Starlette, users: dict[str, str]
) -> None:
    ids = _rows(ctx)
    clients: dict[str, tuple[AsgiClient, str]] = {}
    failures = []
    for role, method, path, form in CASES:
        if role not in clients:
            client = AsgiClient(app, keep_server_errors=True)
            assert asyncio.run(client.login(role_login(role))).status == 303
            clients[role] = (client, asyncio.run(client.csrf()))
        client, token = clients[role]
        url = path.format(**ids) if "{" in path else path
        data = {k: v.format(**ids) if v.startswith("{") else v for k, v in form.items()}
        before = _counts(ctx)
        if method == "POST":
            reply = asyncio.run(client.post(url, {**data, "csrf_token": token}))
        else:
            reply = asyncio.run(client.get(url))
        try:
            assert 400 <= reply.status < 500, reply.status
            _clean(reply)
            assert _counts(ctx) == before, "written"
        except AssertionError as exc:
            failures.append(f"{method} {url} {str(data)[:80]}: {str(exc)[:200]}")
    assert failures == [], "\n".join(failures)
