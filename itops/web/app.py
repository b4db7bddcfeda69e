"""The ASGI application: core routes plus every feature's routes and menu entries."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from itops import auth, i18n
from itops.auth import ROLES
from itops.context import AppContext
from itops.db.models import AppSetting
from itops.db.session import ping, session_scope
from itops.metrics import exposition, make_registry
from itops.plugins import NavItem, features
from itops.web.security import (
    csrf_ok,
    current_user,
    login_session,
    requires,
    session_cookie_options,
)
from itops.web.templating import make_environment, render

STATIC = Path(__file__).parent / "static"


async def healthz(request: Request) -> Response:
    """200 when the database answers, 503 with the reason otherwise (for load balancers)."""
    ctx: AppContext = request.app.state.ctx
    problem = ctx.storage_problem or ping(ctx.engine)
    if problem:
        return PlainTextResponse(f"database unavailable: {problem}\n", status_code=503)
    return PlainTextResponse("ok\n")


async def metrics(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    token_file = ctx.settings.web.metrics_token_file
    if token_file is not None:
        expected = request.app.state.metrics_token
        sent = request.headers.get("authorization", "")
        if not secrets.compare_digest(sent.encode(), f"Bearer {expected}".encode()):
            return PlainTextResponse("unauthorised\n", status_code=401)
    body = await asyncio.to_thread(exposition, ctx, request.app.state.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@requires(*ROLES)
async def home(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    cal = ctx.settings.calendar()
    today = ctx.clock.now().astimezone(cal.tz).date()
    monday = today - timedelta(days=today.weekday())
    sched = ctx.settings.schedule()
    week = cal.days(monday, monday + timedelta(days=7))
    return render(
        request,
        "home.html",
        {
            "week": week,
            "today": today,
            "days_off": sched.extra_days_off,
            "warnings": ctx.settings.warnings(),
        },
    )


async def login_page(request: Request) -> Response:
    return render(request, "login.html", {"next": _safe_next(request.query_params.get("next"))})


async def login_submit(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    form = await request.form()
    login, password = str(form.get("login", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    if not await csrf_ok(request):
        return render(request, "login.html", {"error": "csrf", "next": target}, 403)
    remote = request.client.host if request.client else None
    with session_scope(ctx.sessions) as db:
        user = auth.authenticate(db, login, password)
        action = "login" if user else "login_failed"
        auth.audit(db, ctx.clock.now(), login[:64], action, remote_addr=remote)
        if user is None:
            failed = True
        else:
            failed = False
            login_session(request, user)
    if failed:
        return render(request, "login.html", {"error": "credentials", "next": target}, 401)
    return RedirectResponse(target, status_code=303)


@requires(*ROLES)
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def set_language(request: Request) -> Response:
    lang = request.path_params["lang"]
    if lang in ("pl", "en"):
        request.session["lang"] = lang
    return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)


def _safe_next(value: str | None) -> str:
    """Only local paths: a login link must not redirect to another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _secret_key(ctx: AppContext) -> str:
    key_file = ctx.settings.web.secret_key_file
    if key_file is not None:
        return key_file.read_text().strip()
    with session_scope(ctx.sessions) as db:
        row = db.get(AppSetting, "session_key")
        if row is None:
            row = AppSetting(name="session_key", value=secrets.token_urlsafe(48))
            db.add(row)
        return row.value


def create_app(ctx: AppContext) -> Starlette:
    """Build the app for ``ctx``; feature routes are added after the core's."""
    feats = features()
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        Route("/", home),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang/{lang}", set_language),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    nav: list[NavItem] = [NavItem("Pulpit", "/", ROLES, order=0)]
    template_dirs: list[Path] = []
    for feat in feats:
        if feat.routes:
            routes.extend(feat.routes(ctx))
        nav.extend(feat.nav)
        if feat.templates:
            template_dirs.append(Path(feat.templates))
        i18n.register(feat.translations)
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=_secret_key(ctx),
            **session_cookie_options(ctx.settings.web.secure_cookies),
        )
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.ctx = ctx
    app.state.nav = sorted(nav, key=lambda n: n.order)
    app.state.jinja = make_environment(template_dirs)
    app.state.registry = make_registry(ctx)
    app.state.lang = lambda request: request.session.get("lang") or ctx.settings.web.language
    token_file = ctx.settings.web.metrics_token_file
    app.state.metrics_token = token_file.read_text().strip() if token_file else None
    return app


__all__ = ["create_app", "current_user"]
