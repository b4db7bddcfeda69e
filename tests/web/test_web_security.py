"""Login throttling, audit log, sessions, cookies, headers and error pages."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from itops.clock import FixedClock
from itops.context import AppContext
from itops.db.models import AuditLog
from itops.db.session import session_scope
from itops.web.app import create_app

from .conftest import PASSWORD, AsgiClient


def audit_actions(ctx: AppContext) -> list[tuple[str | None, str, str]]:
    with session_scope(ctx.sessions) as db:
        rows = db.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        return [(r.actor, r.action, r.detail) for r in rows]


async def test_good_password_logs_in_and_is_audited(
    client: AsgiClient, users: dict[str, str], ctx: AppContext
) -> None:
    reply = await client.login(users["it_officer"])
    assert reply.status == 303 and reply.location == "/"
    assert (await client.get("/")).status == 200
    assert (users["it_officer"], "login", "") in audit_actions(ctx)


async def test_wrong_password_is_refused_in_polish_and_audited(
    client: AsgiClient, users: dict[str, str], ctx: AppContext
) -> None:
    reply = await client.login(users["it_officer"], "zle-haslo-000")
    assert reply.status == 401
    assert "Nieprawidłowy login lub hasło." in reply.text
    assert (users["it_officer"], "login_failed", "") in audit_actions(ctx)
    assert (await client.get("/")).status == 303


async def test_login_is_locked_after_repeated_failures_even_with_the_right_password(
    client: AsgiClient, users: dict[str, str], ctx: AppContext
) -> None:
    login = users["it_officer"]
    for _ in range(ctx.settings.web.login_max_failures):
        await client.login(login, "zle-haslo-000")
    reply = await client.login(login)
    assert reply.status == 429
    assert "Zbyt wiele nieudanych prób logowania" in reply.text
    actions = [a for _, a, _ in audit_actions(ctx)]
    assert actions.count("lockout") == 1 and actions[-1] == "login_refused_locked"


async def test_lockout_is_kept_in_the_database_across_app_instances(
    ctx: AppContext, users: dict[str, str]
) -> None:
    login = users["auditor"]
    first = AsgiClient(create_app(ctx))
    for _ in range(ctx.settings.web.login_max_failures):
        await first.login(login, "zle-haslo-000")
    second = AsgiClient(create_app(ctx))  # a restarted daemon or another worker
    assert (await second.login(login)).status == 429


async def test_lockout_ends_after_the_lockout_time(
    client: AsgiClient, users: dict[str, str], ctx: AppContext, clock: FixedClock
) -> None:
    login = users["auditor"]
    for _ in range(ctx.settings.web.login_max_failures):
        await client.login(login, "zle-haslo-000")
    clock.advance(ctx.settings.web.login_lockout + timedelta(seconds=1))
    assert (await client.login(login)).status == 303


async def test_one_address_guessing_many_logins_is_locked(
    ctx: AppContext, users: dict[str, str]
) -> None:
    web = ctx.settings.web.model_copy(update={"address_max_failures": 8})
    ctx.settings = ctx.settings.model_copy(update={"web": web})
    app = create_app(ctx)
    attacker = AsgiClient(app, address="127.0.0.9")
    for i in range(ctx.settings.web.address_max_failures):
        await attacker.login(f"nieznany{i}", "zle-haslo-000")
    assert (await attacker.login(users["admin"])).status == 429
    other = AsgiClient(app, address="127.0.0.10")
    assert (await other.login(users["admin"])).status == 303


async def test_admin_unlock_lifts_a_lockout(
    app: Starlette, users: dict[str, str], ctx: AppContext
) -> None:
    victim = AsgiClient(app, address="127.0.0.20")
    for _ in range(ctx.settings.web.login_max_failures):
        await victim.login(users["auditor"], "zle-haslo-000")
    admin = AsgiClient(app)
    await admin.login(users["admin"])
    token = await admin.csrf()
    reply = await admin.post(f"/admin/users/{users['auditor']}/unlock", {"csrf_token": token})
    assert reply.status == 303
    assert (await AsgiClient(app, address="127.0.0.21").login(users["auditor"])).status == 303
    assert (users["admin"], "user_unlock", users["auditor"]) in audit_actions(ctx)


async def test_password_is_never_logged_nor_audited(
    client: AsgiClient, users: dict[str, str], ctx: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    secret_wrong = "Nie-Loguj-Mnie-42"
    caplog.set_level(logging.DEBUG)
    for _ in range(ctx.settings.web.login_max_failures + 1):
        await client.login(users["it_officer"], secret_wrong)
    await client.login(users["admin"])
    assert caplog.records, "nothing captured: the test would prove nothing"
    assert secret_wrong not in caplog.text and PASSWORD not in caplog.text
    details = " ".join(f"{a} {b} {c}" for a, b, c in audit_actions(ctx))
    assert secret_wrong not in details and PASSWORD not in details


async def test_login_starts_a_fresh_session_so_a_planted_cookie_stays_anonymous(
    app: Starlette, users: dict[str, str]
) -> None:
    victim = AsgiClient(app)
    token_before = await victim.csrf()
    planted = dict(victim.cookies)  # what an attacker would have set in the victim's browser
    await victim.login(users["admin"])
    assert victim.cookies != planted
    assert await victim.csrf() != token_before
    attacker = AsgiClient(app, cookies=planted)
    assert (await attacker.get("/")).status == 303


async def test_login_form_without_csrf_token_is_refused(
    client: AsgiClient, users: dict[str, str]
) -> None:
    await client.csrf()
    reply = await client.post("/login", {"login": users["admin"], "password": PASSWORD})
    assert reply.status == 403
    assert (await client.get("/")).status == 303


async def test_idle_session_expires(
    client: AsgiClient, users: dict[str, str], ctx: AppContext, clock: FixedClock
) -> None:
    await client.login(users["admin"])
    clock.advance(ctx.settings.web.session_idle - timedelta(seconds=1))
    assert (await client.get("/")).status == 200  # activity renews the session
    clock.advance(ctx.settings.web.session_idle - timedelta(seconds=1))
    assert (await client.get("/")).status == 200
    clock.advance(ctx.settings.web.session_idle + timedelta(seconds=1))
    reply = await client.get("/")
    assert reply.status == 303 and reply.location == "/login?next=/"


async def test_logout_ends_the_session_and_is_audited(
    client: AsgiClient, users: dict[str, str], ctx: AppContext
) -> None:
    await client.login(users["auditor"])
    token = await client.csrf()
    assert (await client.post("/logout", {"csrf_token": token})).location == "/login"
    assert (await client.get("/")).status == 303
    assert (users["auditor"], "logout", "") in audit_actions(ctx)


async def test_disabled_user_loses_the_open_session(app: Starlette, users: dict[str, str]) -> None:
    officer = AsgiClient(app)
    await officer.login(users["it_officer"])
    admin = AsgiClient(app)
    await admin.login(users["admin"])
    token = await admin.csrf()
    await admin.post(f"/admin/users/{users['it_officer']}/disable", {"csrf_token": token})
    assert (await officer.get("/")).status == 303


async def test_session_cookie_is_httponly_and_samesite_strict(
    client: AsgiClient, users: dict[str, str]
) -> None:
    reply = await client.login(users["admin"])
    cookie = reply.header("set-cookie") or ""
    assert "itops_session=" in cookie
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "secure" not in cookie.lower()


async def test_secure_cookie_option_marks_the_cookie_secure(
    ctx: AppContext, users: dict[str, str]
) -> None:
    web = ctx.settings.web.model_copy(update={"secure_cookies": True})
    ctx.settings = ctx.settings.model_copy(update={"web": web})
    client = AsgiClient(create_app(ctx))
    reply = await client.login(users["admin"])
    assert "; secure" in (reply.header("set-cookie") or "").lower()


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/static/style.css", "/nie-ma"])
async def test_security_headers_on_every_response(client: AsgiClient, path: str) -> None:
    reply = await client.get(path)
    csp = reply.header("content-security-policy") or ""
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert reply.header("x-frame-options") == "DENY"
    assert reply.header("x-content-type-options") == "nosniff"
    assert reply.header("referrer-policy") == "same-origin"


async def test_pages_are_not_cached(client: AsgiClient, users: dict[str, str]) -> None:
    await client.login(users["admin"])
    assert (await client.get("/")).header("cache-control") == "no-store"


async def test_no_inline_script_or_style_in_core_pages(
    client: AsgiClient, users: dict[str, str]
) -> None:
    await client.login(users["admin"])
    for path in ["/", "/calendar", "/admin/users", "/login"]:
        html = (await client.get(path)).text
        assert "<script>" not in html and "<script " not in html.replace(
            '<script src="/static/itops.js" defer></script>', ""
        )
        assert " style=" not in html and "<style" not in html


async def test_wrong_role_gets_a_polish_403_page(client: AsgiClient, users: dict[str, str]) -> None:
    await client.login(users["it_officer"])
    reply = await client.get("/admin/users")
    assert reply.status == 403
    assert "Brak dostępu" in reply.text and "Brak uprawnień do tej strony." in reply.text
    assert '<html lang="pl">' in reply.text


async def test_anonymous_api_call_gets_401(client: AsgiClient, ctx: AppContext) -> None:
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from itops.auth import ROLES
    from itops.web.security import requires

    @requires(*ROLES)
    async def probe(request: object) -> JSONResponse:
        return JSONResponse({})

    client.app.router.routes.append(Route("/api/v1/probe", probe))
    reply = await client.get("/api/v1/probe")
    assert reply.status == 401 and "Wymagane logowanie" in reply.text


async def test_unknown_page_gets_a_polish_404(client: AsgiClient) -> None:
    reply = await client.get("/nie-ma-takiej-strony")
    assert reply.status == 404 and "Nie ma takiej strony." in reply.text


async def test_login_next_cannot_leave_the_site(client: AsgiClient, users: dict[str, str]) -> None:
    token = await client.csrf()
    form = {
        "login": users["admin"],
        "password": PASSWORD,
        "csrf_token": token,
        "next": "//evil.example/",
    }
    assert (await client.post("/login", form)).location == "/"


async def test_background_refresh_does_not_keep_an_idle_session_alive(
    client: AsgiClient, users: dict[str, str], ctx: AppContext, clock: FixedClock
) -> None:
    await client.login(users["admin"])
    step = ctx.settings.web.session_idle / 2 + timedelta(seconds=1)
    clock.advance(step)
    assert (await client.get("/", headers={"X-Requested-With": "fetch"})).status == 200
    clock.advance(step)
    assert (await client.get("/", headers={"X-Requested-With": "fetch"})).status == 303


async def test_server_error_gets_a_polish_page_without_details(
    client: AsgiClient, users: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    from starlette.requests import Request
    from starlette.routing import Route

    from itops.auth import ROLES
    from itops.web.security import requires

    @requires(*ROLES)
    async def broken(request: Request) -> None:
        raise RuntimeError("secret internal detail")

    client.app.router.routes.append(Route("/zepsute", broken))
    client.keep_server_errors = True
    await client.login(users["auditor"])
    reply = await client.get("/zepsute")
    assert reply.status == 500
    assert "Błąd serwera" in reply.text and "secret internal detail" not in reply.text
    assert reply.header("x-frame-options") == "DENY"
    assert "secret internal detail" in caplog.text  # but the log has it


async def test_logout_voids_a_copy_of_the_session_cookie(
    app: Starlette, users: dict[str, str], clock: FixedClock
) -> None:
    owner = AsgiClient(app)
    await owner.login(users["it_officer"])
    thief = AsgiClient(app, cookies=dict(owner.cookies))
    assert (await thief.get("/")).status == 200
    clock.advance(timedelta(seconds=5))
    token = await owner.csrf()
    await owner.post("/logout", {"csrf_token": token})
    assert (await thief.get("/")).status == 303
    clock.advance(timedelta(seconds=5))
    assert (await owner.login(users["it_officer"])).status == 303  # a new login works
    assert (await owner.get("/")).status == 200


def test_expired_login_throttle_rows_are_pruned_and_live_ones_kept(ctx: AppContext) -> None:
    from itops.daemon_parts import prune_login_throttle
    from itops.db.models import LoginThrottle
    from itops.db.session import read_scope

    now = ctx.clock.now()
    lockout = ctx.settings.web.login_lockout
    old = now - lockout - timedelta(minutes=1)
    rows = {
        "addr:window-over": (old, None),
        "addr:lock-over": (old, now - timedelta(seconds=1)),
        "addr:counting": (now - lockout / 2, None),
        "login:locked": (old, now + timedelta(minutes=5)),
    }
    with session_scope(ctx.sessions) as db:
        for key, (start, until) in rows.items():
            db.add(LoginThrottle(key=key, failures=3, window_start=start, locked_until=until))
    prune_login_throttle(ctx)
    with read_scope(ctx.sessions) as db:
        left = set(db.scalars(select(LoginThrottle.key)))
    assert left == {"addr:counting", "login:locked"}
