"""Pulpit, Kalendarz pracy urzędu, Użytkownicy and the language switch (in process)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from itops.context import AppContext
from itops.db.models import AuditLog, User
from itops.db.session import session_scope
from itops.plugins import Feature, Tile
from itops.status import Measurement, ProbeResult, Status
from itops.web.app import create_app
from tests.conftest import make_settings

from .conftest import PASSWORD, AsgiClient


def _with_checks(ctx: AppContext) -> None:
    ctx.settings = make_settings(
        ctx.settings.storage.url,
        units=[{"id": "szkola-1", "name": "Szkoła Testowa nr 1"}],
        checks=[
            {"name": "poczta", "kind": "tcp", "host": "127.0.0.1", "port": 1},
            {"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 2, "unit": "szkola-1"},
        ],
    )


def _result(name: str, status: Status, at: datetime, summary: str) -> ProbeResult:
    measured = (Measurement("connected", 1), Measurement("connect_seconds", 0.0021, "s"))
    return ProbeResult(name, "tcp", status, summary, at, 0.0123, measured)


async def test_status_board_shows_state_since_and_latency_in_polish(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _with_checks(ctx)
    down_at = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    ctx.state.record(_result("poczta", Status.CRITICAL, down_at, "cannot connect"))
    ctx.state.record(_result("bip", Status.OK, down_at, "connected in 1.0 ms"))
    client = AsgiClient(create_app(ctx))
    await client.login(users["it_officer"])
    html = (await client.get("/")).text
    assert "awaria" in html and "działa" in html
    assert "26.11.2026 10:30:00" in html  # 09:30 UTC shown in Europe/Warsaw
    assert "2,1 ms <small>czas nawiązania połączenia TCP</small>" in html  # not the 12 ms run
    assert "Szkoła Testowa nr 1" in html
    problems = html.split('id="problems-h"')[1].split("</section>")[0]
    assert "poczta" in problems and "bip" not in problems


async def test_check_without_result_yet_says_no_data(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _with_checks(ctx)
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    assert "brak danych" in (await client.get("/")).text


async def test_home_shows_every_features_tiles_and_survives_a_broken_one(
    ctx: AppContext, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: AppContext) -> list[Tile]:
        raise RuntimeError("feature bug")

    fake = [
        Feature(
            "kpi", tiles=lambda _: [Tile("Dostępność systemów", "99,82%", "", True, target=0.995)]
        ),
        Feature("broken", tiles=broken),
    ]
    monkeypatch.setattr("itops.web.pages.features", lambda: fake)
    client = AsgiClient(create_app(ctx))
    await client.login(users["it_officer"])
    reply = await client.get("/")
    assert reply.status == 200
    assert "Dostępność systemów" in reply.text and "99,82%" in reply.text
    assert "cel osiągnięty" in reply.text and "Błąd odczytu danych" in reply.text


async def test_calendar_lists_holidays_days_off_and_saturday_holiday_warning(
    ctx: AppContext, users: dict[str, str]
) -> None:
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    html = (await client.get("/calendar?year=2026")).text
    assert "Wigilia" in html or "Boże Narodzenie" in html
    assert "poniedziałek, 28 grudnia 2026" in html  # extra day off from the config
    assert "08:00–16:00" in html and "07:30–15:30" in html
    # 2027: 1 May and 25 Dec fall on Saturdays and no day off is declared for them
    html_2027 = (await client.get("/calendar?year=2027")).text
    assert "przypada w sobotę" in html_2027 and "art. 130 § 2" in html_2027


async def test_calendar_shows_each_unit(ctx: AppContext, users: dict[str, str]) -> None:
    _with_checks(ctx)
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    assert "Szkoła Testowa nr 1" in (await client.get("/calendar")).text


async def test_language_switch_is_kept_in_the_session_across_login(
    client: AsgiClient, users: dict[str, str]
) -> None:
    await client.get("/lang/en?next=/login")
    login_page = (await client.get("/login")).text
    assert '<html lang="en">' in login_page and "Password" in login_page
    await client.login(users["admin"])
    assert "Dashboard" in (await client.get("/")).text
    await client.get("/lang/pl?next=/")
    assert '<html lang="pl">' in (await client.get("/")).text


async def test_admin_adds_a_user_who_can_log_in_and_it_is_audited(
    app: Starlette, users: dict[str, str], ctx: AppContext
) -> None:
    admin = AsgiClient(app)
    await admin.login(users["admin"])
    token = await admin.csrf()
    form = {
        "login": "anna.przykladowa",
        "full_name": "Anna Przykładowa",
        "role": "auditor",
        "password": "Nowe-Haslo-12345",
        "csrf_token": token,
    }
    assert (await admin.post("/admin/users", form)).status == 303
    assert "anna.przykladowa" in (await admin.get("/admin/users")).text
    assert (await AsgiClient(app).login("anna.przykladowa", "Nowe-Haslo-12345")).status == 303
    with session_scope(ctx.sessions) as db:
        row = db.scalar(select(AuditLog).where(AuditLog.action == "user_added"))
        assert row is not None and row.actor == users["admin"]
        assert "Nowe-Haslo" not in row.detail


async def test_bad_new_user_names_every_problem_and_writes_nothing(
    app: Starlette, users: dict[str, str], ctx: AppContext
) -> None:
    admin = AsgiClient(app)
    await admin.login(users["admin"])
    token = await admin.csrf()
    form = {"login": "zły login", "role": "boss", "password": "krotkie", "csrf_token": token}
    reply = await admin.post("/admin/users", form)
    assert reply.status == 400
    for field in ("Login:", "Rola:", "Hasło:"):
        assert field in reply.text
    with session_scope(ctx.sessions) as db:
        assert len(db.scalars(select(User)).all()) == len(users)


async def test_role_change_is_effective_at_once_and_audited(
    app: Starlette, users: dict[str, str], ctx: AppContext
) -> None:
    officer = AsgiClient(app)
    await officer.login(users["it_officer"])
    assert (await officer.get("/admin/users")).status == 403
    admin = AsgiClient(app)
    await admin.login(users["admin"])
    token = await admin.csrf()
    reply = await admin.post(
        f"/admin/users/{users['it_officer']}/role", {"role": "admin", "csrf_token": token}
    )
    assert reply.status == 303
    assert (await officer.get("/admin/users")).status == 200
    with session_scope(ctx.sessions) as db:
        row = db.scalar(select(AuditLog).where(AuditLog.action == "user_role"))
        assert row is not None
        assert row.detail == f"{users['it_officer']} role it_officer -> admin"


async def test_admin_cannot_change_own_account(client: AsgiClient, users: dict[str, str]) -> None:
    await client.login(users["admin"])
    token = await client.csrf()
    reply = await client.post(f"/admin/users/{users['admin']}/disable", {"csrf_token": token})
    assert reply.status == 400
    assert (await client.get("/admin/users")).status == 200


async def test_disabled_user_cannot_log_in(app: Starlette, users: dict[str, str]) -> None:
    admin = AsgiClient(app)
    await admin.login(users["admin"])
    token = await admin.csrf()
    await admin.post(f"/admin/users/{users['auditor']}/disable", {"csrf_token": token})
    assert (await AsgiClient(app).login(users["auditor"], PASSWORD)).status == 401


def test_every_core_template_string_has_an_english_translation() -> None:
    import re
    from pathlib import Path

    from itops.i18n import EN
    from itops.web import templating

    pattern = re.compile(r"""_\((["'])(.+?)\1\)""")
    texts = {
        m.group(2)
        for page in Path(templating.CORE_TEMPLATES).glob("*.html")
        for m in pattern.finditer(page.read_text(encoding="utf-8"))
    }
    assert texts and sorted(t for t in texts if t not in EN) == []


async def test_audit_log_page_lists_logins_and_changes_newest_first(
    app: Starlette, users: dict[str, str]
) -> None:
    await AsgiClient(app).login(users["it_officer"], "zle-haslo-000")
    auditor = AsgiClient(app)
    await auditor.login(users["auditor"])
    html = (await auditor.get("/admin/audit")).text
    table = html.split('<table class="audit">')[1]
    assert "nieudane logowanie" in table and "logowanie" in table
    assert table.index(users["auditor"]) < table.index(users["it_officer"])  # newest first
    assert "zle-haslo" not in html


async def test_audit_log_pages_back_in_time(
    app: Starlette, users: dict[str, str], ctx: AppContext
) -> None:
    from itops import auth
    from itops.web.pages import AUDIT_PAGE

    with session_scope(ctx.sessions) as db:
        for i in range(AUDIT_PAGE + 5):
            auth.audit(db, ctx.clock.now(), f"robot{i:03d}", "login")
    admin = AsgiClient(app)
    await admin.login(users["admin"])
    first = (await admin.get("/admin/audit")).text
    assert "robot000" not in first and "Starsze zdarzenia" in first
    older = re.search(r'href="(/admin/audit\?before=\d+)"', first)
    assert older is not None
    assert "robot000" in (await admin.get(older.group(1))).text


async def test_the_board_shows_what_the_probe_measured_by_its_name_not_the_checks_duration(
    ctx: AppContext, users: dict[str, str]
) -> None:
    """The router's check ran 407 ms, its ICMP round trip was 0.4 ms: the Pulpit and
    Systemy show 0,4 ms named as the ICMP RTT; all pings lost shows no time at all."""
    ctx.settings = make_settings(
        ctx.settings.storage.url,
        checks=[
            {"name": "router", "kind": "icmp", "host": "127.0.0.1"},
            {"name": "switch", "kind": "icmp", "host": "127.0.0.2"},
        ],
    )
    at = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    pings = (Measurement("resolved", 1), Measurement("loss_percent", 0.0, "%"))
    rtt = Measurement("rtt_avg_ms", 0.4, "ms")
    ctx.state.record(ProbeResult("router", "icmp", Status.OK, "", at, 0.407, (*pings, rtt)))
    lost = (Measurement("resolved", 1), Measurement("loss_percent", 100.0, "%"), rtt)
    ctx.state.record(ProbeResult("switch", "icmp", Status.CRITICAL, "", at, 2.0, lost))
    client = AsgiClient(create_app(ctx))
    await client.login(users["it_officer"])
    for path in ("/", "/systemy"):
        html = (await client.get(path)).text
        router = html.split('<a href="/systemy/router">')[1].split("</tr>")[0]
        assert "0,4 ms <small>czas odpowiedzi ICMP (RTT)</small>" in router, path
        assert "407" not in router, path
        switch = html.split('<a href="/systemy/switch">')[1].split("</tr>")[0]
        assert " ms" not in switch, path
    await client.get("/lang/en?next=/")
    assert "0.4 ms <small>ICMP round-trip time</small>" in (await client.get("/")).text


async def test_pulpit_and_kpi_page_say_the_year_is_in_progress(
    ctx: AppContext, users: dict[str, str]
) -> None:
    """Clock 26.11.2026 10:00 UTC: this year's figures are a state on a day, not a year."""
    client = AsgiClient(create_app(ctx))
    await client.login(users["it_officer"])
    home = (await client.get("/")).text
    assert "Wskaźniki roku 2026: stan na 26.11.2026 (rok niepełny)" in home
    kpi = (await client.get("/inventory/kpi")).text
    assert "stan na 26.11.2026 (rok niepełny)" in kpi
    assert "rok niepełny" not in (await client.get("/inventory/kpi?year=2025")).text
    await client.get("/lang/en?next=/")
    assert "as of 26/11/2026 (year in progress)" in (await client.get("/inventory/kpi")).text
