"""Push endpoints and dashboard pages over real HTTP (uvicorn on a free port, aiohttp client)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import uvicorn
from sqlalchemy import func, select

from checks.backups.models import BackupPing, RestoreTest
from checks.backups.service import service
from itops import auth
from itops.context import AppContext
from itops.db.session import session_scope
from itops.status import Status
from itops.web.app import create_app
from tests.backups.backup_support import PUSH_TOKEN, settings_with

PASSWORD = "haslo-testowe-123"


class Server:
    def __init__(self, ctx: AppContext, port: int) -> None:
        self.ctx = ctx
        self.base = f"http://127.0.0.1:{port}"


@pytest.fixture
async def server(ctx: AppContext) -> AsyncIterator[Server]:
    from tests.conftest import free_port

    ctx.settings = settings_with(
        ctx.settings.storage.url,
        backups=[
            {
                "name": "nas-kopia",
                "kind": "push",
                "token": PUSH_TOKEN,
                "period": "1d",
                "grace": "1h",
                "min_runtime": "5m",
            }
        ],
    )
    port = free_port()
    config = uvicorn.Config(
        create_app(ctx), host="127.0.0.1", port=port, log_config=None, lifespan="off"
    )
    srv = uvicorn.Server(config)
    srv.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(srv.serve())
    while not srv.started:
        await asyncio.sleep(0.02)
    yield Server(ctx, port)
    srv.should_exit = True
    await task


async def get(url: str, method: str = "GET") -> int:
    async with aiohttp.ClientSession() as http, http.request(method, url) as resp:
        return resp.status


def pings(ctx: AppContext) -> int:
    with session_scope(ctx.sessions) as db:
        return int(db.scalar(select(func.count()).select_from(BackupPing)) or 0)


async def test_unknown_or_malformed_token_is_404_and_writes_nothing(server: Server) -> None:
    other = "00000000-0000-4000-8000-000000000099"
    assert await get(f"{server.base}/ping/{other}") == 404
    assert await get(f"{server.base}/ping/{other}/start", "POST") == 404
    assert await get(f"{server.base}/ping/nie-uuid") == 404
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}/bogus") == 404
    assert pings(server.ctx) == 0


async def test_success_ping_makes_the_backup_ok(server: Server) -> None:
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}", "POST") == 200
    snap = service(server.ctx).snapshot.backups["nas-kopia"]
    assert snap.status is Status.OK
    assert snap.last_success_at == server.ctx.clock.now()


async def test_fail_ping_is_critical_until_the_next_success(server: Server) -> None:
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}/fail") == 200
    assert service(server.ctx).snapshot.backups["nas-kopia"].status is Status.CRITICAL
    server.ctx.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}") == 200
    assert service(server.ctx).snapshot.backups["nas-kopia"].status is Status.OK


async def test_nonzero_exit_code_ping_is_critical_and_names_the_code(server: Server) -> None:
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}/3") == 200
    snap = service(server.ctx).snapshot.backups["nas-kopia"]
    assert snap.status is Status.CRITICAL and "exit code 3" in str(snap.summary)


async def test_zero_exit_code_ping_is_a_success(server: Server) -> None:
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}/0") == 200
    assert service(server.ctx).snapshot.backups["nas-kopia"].status is Status.OK


async def test_run_shorter_than_min_runtime_is_a_warning(server: Server) -> None:
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}/start") == 200
    server.ctx.clock.advance(timedelta(seconds=20))  # type: ignore[attr-defined]
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}") == 200
    snap = service(server.ctx).snapshot.backups["nas-kopia"]
    assert snap.status is Status.WARNING
    assert "min_runtime" in str(snap.summary)


async def test_missing_ping_after_period_and_grace_is_critical(server: Server) -> None:
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}") == 200
    server.ctx.clock.advance(timedelta(hours=24, minutes=59))  # type: ignore[attr-defined]
    assert (await service(server.ctx).look("nas-kopia")).status is Status.OK  # type: ignore[union-attr]
    server.ctx.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    late = await service(server.ctx).look("nas-kopia")
    assert late is not None and late.status is Status.CRITICAL
    # The late ping finally arrives: compliant again.
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}") == 200
    assert service(server.ctx).snapshot.backups["nas-kopia"].status is Status.OK


async def login(http: aiohttp.ClientSession, server: Server, user: str) -> str:
    """Create ``user`` (it_officer "jan" or auditor "audytor") and log in; the CSRF token."""
    role = auth.IT_OFFICER if user == "jan" else auth.AUDITOR
    with session_scope(server.ctx.sessions) as db:
        auth.add_user(db, user, role, PASSWORD, server.ctx.clock.now(), "Jan Testowy")
    base = server.base
    async with http.get(f"{base}/login") as resp:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text())
    assert token is not None
    form = {"login": user, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    async with http.post(f"{base}/login", data=form, allow_redirects=False) as resp:
        assert resp.status == 303
    async with http.get(f"{base}/backups") as resp:
        page = await resp.text()
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def restore_form(csrf: str, **changes: str) -> dict[str, Any]:
    form = {
        "csrf_token": csrf,
        "performed_at": "2026-11-25T09:30",
        "performed_by": "Jan Testowy",
        "restored": "baza ewidencji do serwera testowego",
        "result": "ok",
        "notes": "",
    }
    form.update(changes)
    return form


async def test_it_officer_records_a_restore_test_through_the_form(server: Server) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        csrf = await login(http, server, "jan")
        url = f"{server.base}/backups/nas-kopia/restore-tests"
        async with http.post(url, data=restore_form(csrf), allow_redirects=False) as resp:
            assert resp.status == 303
        async with http.get(f"{server.base}/backups/nas-kopia") as resp:
            page = await resp.text()
    assert "baza ewidencji do serwera testowego" in page
    # the form's default moment is a datetime-local value (ISO, office time), not the
    # page's "26.11.2026 10:00" with a "T" in it, which a browser drops (issue 13)
    now = server.ctx.clock.now().astimezone(ZoneInfo("Europe/Warsaw"))
    assert f'type="datetime-local" required value="{now:%Y-%m-%dT%H:%M}"' in page
    with session_scope(server.ctx.sessions) as db:
        row = db.scalars(select(RestoreTest)).one()
    assert row.recorded_by == "jan" and row.success
    assert row.performed_at.hour == 8  # 09:30 Warsaw is 08:30 UTC


async def test_restore_test_without_what_was_restored_is_refused(server: Server) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        csrf = await login(http, server, "jan")
        url = f"{server.base}/backups/nas-kopia/restore-tests"
        async with http.post(url, data=restore_form(csrf, restored="")) as resp:
            assert resp.status == 400
            assert "what was restored is required" in await resp.text()
    with session_scope(server.ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(RestoreTest)) == 0


async def test_auditor_reads_the_pages_but_cannot_record(server: Server) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        csrf = await login(http, server, "audytor")
        for path in ("/backups", "/backups/nas-kopia", "/antivirus"):
            async with http.get(server.base + path) as resp:
                assert resp.status == 200, path
                text = await resp.text()
                assert "Kopie zapasowe" in text and "Ochrona antywirusowa" in text
                assert PUSH_TOKEN not in text  # the push credential is not shown to auditors
        url = f"{server.base}/backups/nas-kopia/restore-tests"
        async with http.post(url, data=restore_form(csrf)) as resp:
            assert resp.status == 403


async def test_pages_need_a_login(server: Server) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.base}/backups", allow_redirects=False) as resp:
            assert resp.status == 303
            assert resp.headers["location"].startswith("/login")


async def test_metrics_endpoint_lists_backup_metrics(server: Server) -> None:
    assert await get(f"{server.base}/ping/{PUSH_TOKEN}") == 200
    async with aiohttp.ClientSession() as http, http.get(f"{server.base}/metrics") as resp:
        text = await resp.text()
    assert 'itops_backup_status{backup="nas-kopia"} 0.0' in text
    assert 'itops_backup_last_success_timestamp_seconds{backup="nas-kopia"}' in text


async def test_antivirus_page_header_counts_a_failing_clamav_server(server: Server) -> None:
    """The page listed clamav-serwer as "błąd" and still said 1/1 (issue 13)."""
    from checks.backups import store
    from tests.backups.backup_support import agent_report, store_antivirus
    from tests.inventory.helpers import asset

    ctx = server.ctx
    ctx.settings = settings_with(
        ctx.settings.storage.url,
        antivirus={"clamav": [{"name": "clamav-serwer", "socket": "/nonexistent/clamd.ctl"}]},
    )
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", hostname="pc-test-01")
        store.record_av(
            db,
            host="clamav-serwer",
            product="clamav",
            status=Status.CRITICAL,
            summary="clamd not answering",
            at=now,
            signature_updated=None,
            signature_version=None,
            realtime=False,
            fields={},
        )
    store_antivirus(service(ctx), agent_report("PC-TEST-01", now))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await login(http, server, "audytor")
        async with http.get(f"{server.base}/antivirus") as resp:
            text = await resp.text()
    assert resp.status == 200
    assert "Zgodnych komputerów i serwerów: <strong>1/2</strong> (50%)" in text


def _av_hosts(ctx: AppContext, n: int) -> None:
    from checks.backups import store

    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        for i in range(1, n + 1):
            store.record_av(
                db,
                host=f"pc-test-{i:03d}",
                product="defender",
                status=Status.OK,
                summary="ok",
                at=now,
                signature_updated=now,
                signature_version="1.0.0.0",
                realtime=True,
                fields={},
            )


async def _av_pages(server: Server, *queries: str) -> list[tuple[int, str]]:
    """The auditor opens /antivirus with each query string in turn."""
    out = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await login(http, server, "audytor")
        for query in queries:
            async with http.get(f"{server.base}/antivirus{query}") as resp:
                out.append((resp.status, await resp.text()))
    return out


def _listed(text: str) -> list[str]:
    hosts = text.split('id="hosts-h"', 1)[1].split('id="avinc-h"', 1)[0]
    return re.findall(r'<th scope="row">(pc-test-\d+)</th>', hosts)


async def test_antivirus_list_shows_fifty_computers_a_page_by_name(server: Server) -> None:
    """121 computers made the page 12,468 px long (issue 13): 50 a page, in name order."""
    _av_hosts(server.ctx, 120)
    (status, first), (_, last) = await _av_pages(server, "", "?strona=3")
    assert status == 200
    assert _listed(first) == [f"pc-test-{i:03d}" for i in range(1, 51)]
    assert "1–50 z 120" in first
    assert _listed(last) == [f"pc-test-{i:03d}" for i in range(101, 121)]


async def test_antivirus_search_finds_computers_in_any_case_and_pages_keep_it(
    server: Server,
) -> None:
    _av_hosts(server.ctx, 120)
    (status, text), (_, both), (_, wild) = await _av_pages(
        server, "?q=PC-TEST-1", "?q=test", "?q=%25"
    )
    assert status == 200
    assert _listed(text) == [f"pc-test-{i:03d}" for i in range(100, 121)]
    pager = both.split('aria-label="Strony"', 1)[1]
    assert "strona=2" in pager and "q=test" in pager
    text = wild  # a LIKE wildcard is a plain character
    assert _listed(text) == [] and "Żaden komputer nie pasuje do wyszukiwania." in text


async def test_antivirus_search_with_a_nul_is_refused_and_the_list_shown(server: Server) -> None:
    _av_hosts(server.ctx, 3)
    [(status, text)] = await _av_pages(server, "?q=a%00b")
    assert status == 400
    assert 'role="alert"' in text
    assert _listed(text) == ["pc-test-001", "pc-test-002", "pc-test-003"]
