"""The "Systemy" pages and metrics over real HTTP (uvicorn on 127.0.0.1, both engines)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
import uvicorn

from checks.availability.models import Outage, OutageReclassification
from checks.availability.service import SERVICE
from itops import auth
from itops.config import Settings
from itops.context import AppContext
from itops.db.session import session_scope
from itops.status import Measurement, ProbeResult, Status
from itops.web.app import create_app
from tests.conftest import free_port, make_settings

PASSWORD = "haslo-testowe-123"  # noqa: S105


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(
        db_url, checks=[{"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 1}]
    )


@pytest.fixture
async def site(ctx: AppContext) -> AsyncIterator[str]:
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        auth.add_user(db, "informatyk", "it_officer", PASSWORD, now, "Jan Testowy")
        auth.add_user(db, "audytor", "auditor", PASSWORD, now, "Anna Przykładowa")
        db.add(
            Outage(
                check_name="bip",
                unit_id="office",
                start=datetime(2026, 3, 10, 7, 0, tzinfo=UTC),
                end=datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
                cause="failure",
                note="zasilacz",
                created_at=now,
            )
        )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ctx), host="127.0.0.1", port=port, log_config=None, lifespan="off"
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def login(session: aiohttp.ClientSession, base: str, user: str) -> str:
    async with session.get(base + "/login") as response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await response.text())
    assert token
    async with session.post(
        base + "/login",
        data={"login": user, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
    return token.group(1)


async def test_status_board_shows_state_and_yearly_availability(ctx: AppContext, site: str) -> None:
    ctx.state.record(
        ProbeResult("bip", "tcp", Status.CRITICAL, "cannot connect", ctx.clock.now(), 0.004)
    )
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await login(session, site, "audytor")
        async with session.get(site + "/systemy") as response:
            html = await response.text()
    assert response.status == 200
    assert re.search(r'<span class="badge status-2">awaria</span>', html) and "bip" in html
    assert "Dostępność w godzinach pracy (rok)" in html


async def test_officer_reclassifies_an_outage_from_the_list(ctx: AppContext, site: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await login(session, site, "informatyk")
        async with session.get(site + "/systemy/awarie") as response:
            html = await response.text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert token and "zasilacz" in html
        async with session.post(
            site + "/systemy/awarie/1/przyczyna",
            data={"cause": "external", "reason": "awaria operatora", "csrf_token": token.group(1)},
            allow_redirects=False,
        ) as response:
            assert response.status == 303
    with session_scope(ctx.sessions) as db:
        [record] = db.query(OutageReclassification).all()
    assert (record.actor, record.to_cause, record.reason) == (
        "informatyk",
        "external",
        "awaria operatora",
    )


async def test_auditor_cannot_reclassify(ctx: AppContext, site: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        token = await login(session, site, "audytor")
        async with session.get(site + "/systemy/awarie") as response:
            html = await response.text()
        assert "Zmień przyczynę" not in html and "/przyczyna" not in html
        async with session.post(
            site + "/systemy/awarie/1/przyczyna",
            data={"cause": "planned", "reason": "x", "csrf_token": token},
            allow_redirects=False,
        ) as response:
            assert response.status == 403


async def test_metrics_expose_availability_and_office_hours(ctx: AppContext, site: str) -> None:

    SERVICE.of(ctx).refresh_year()
    ctx.state.record(
        ProbeResult(
            "bip",
            "http",
            Status.OK,
            "ok",
            ctx.clock.now(),
            0.01,
            (Measurement("cert_not_after", 1.8e9, "ts"),),
        )
    )
    async with aiohttp.ClientSession() as session, session.get(site + "/metrics") as response:
        text = await response.text()
    assert 'itops_availability_ratio{check="bip",period="year"}' in text
    # Thursday 26 November 2026, 11:00 in Warsaw: the office is open.
    assert "itops_office_working_hours 1.0" in text
    assert 'itops_tls_certificate_expiry_timestamp_seconds{check="bip"} 1.8e+09' in text
    assert SERVICE.of(ctx).tracker.open_outages() == {}


def test_home_tile_shows_this_years_office_availability_against_the_target(
    ctx: AppContext,
) -> None:
    from checks.availability.plugin import feature

    assert feature.tiles is not None
    [before] = feature.tiles(ctx)
    assert before.value == "—"
    SERVICE.of(ctx).refresh_year()
    [tile] = feature.tiles(ctx)
    assert (tile.value, tile.ok, tile.link) == ("100,000%", True, "/systemy")


def test_the_kpi_refresh_holds_no_transaction_while_it_computes(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While refresh_year's arithmetic runs, another connection writes and commits, the
    refresh holds no connection of the pool, and (PostgreSQL) no connection of the
    database sits idle in a transaction."""
    from sqlalchemy import text

    from checks.availability import evaluate as evaluate_module
    from checks.availability.models import MonitoringGap

    real = evaluate_module.evaluate
    seen: dict[str, object] = {}

    def spying(inputs: object) -> object:
        start = ctx.clock.now().replace(hour=1)
        with session_scope(ctx.sessions) as db:  # BEGIN IMMEDIATE on SQLite
            db.add(MonitoringGap(start=start, end=start.replace(hour=2), reason="test"))
        with ctx.sessions() as db:
            seen["gaps"] = db.execute(text("SELECT count(*) FROM monitoring_gap")).scalar()
            engine = db.get_bind()
        seen["held"] = engine.pool.checkedout()  # type: ignore[union-attr]
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                seen["idle_in_transaction"] = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND state LIKE 'idle in transaction%'"
                    )
                ).scalar()
        return real(inputs)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluate_module, "evaluate", spying)
    report = SERVICE.of(ctx).refresh_year()
    assert seen.pop("gaps") == 1  # the other connection's write went through
    assert seen.pop("held") == 0  # the refresh gave its connection back before computing
    assert seen.pop("idle_in_transaction", 0) == 0
    assert report is not None


def test_menu_roles_match_the_core_roles() -> None:
    from checks.availability.plugin import ROLES

    assert ROLES == auth.ROLES


async def test_an_outage_written_elsewhere_shows_on_the_next_view(
    ctx: AppContext, site: str
) -> None:
    """The year's figures are cached (the job computes them every 600 s), yet an outage
    recorded, or reclassified, by another writer (the tracker, the CLI, another node on the
    same database: here a plain session, the service is not told) shows on the very next
    view of the outage list and the Pulpit tile."""
    from checks.availability.entry import reclassify

    SERVICE.of(ctx).refresh_year()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await login(session, site, "audytor")

        async def pages() -> tuple[str, str]:
            async with session.get(site + "/systemy/awarie") as response:
                listed = await response.text()
            async with session.get(site + "/") as response:
                home = await response.text()
            return listed, home

        listed, home = await pages()
        assert "przestoje 60 min" in home and "<td>30,0</td>" not in listed
        with session_scope(ctx.sessions) as db:  # Wednesday 11 March, 9:00-9:30 local
            db.add(
                Outage(
                    check_name="bip",
                    unit_id="office",
                    start=datetime(2026, 3, 11, 8, 0, tzinfo=UTC),
                    end=datetime(2026, 3, 11, 8, 30, tzinfo=UTC),
                    cause="failure",
                    note="router",
                    created_at=ctx.clock.now(),
                )
            )
        listed, home = await pages()
        assert "router" in listed and "<td>30,0</td>" in listed
        assert "przestoje 90 min" in home
        with session_scope(ctx.sessions) as db:
            [second] = db.query(Outage).filter(Outage.note == "router").all()
            reclassify(db, second.id, "false_alarm", "informatyk", "sonda", ctx.clock.now())
        listed, home = await pages()
        assert "przestoje 60 min" in home
        cached = SERVICE.of(ctx).year
        listed, home = await pages()  # nothing changed: the cached figures serve again
        assert SERVICE.of(ctx).year is cached
