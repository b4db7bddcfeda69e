"""The ASGI application: core routes plus every feature's routes and menu entries."""

from __future__ import annotations

import asyncio
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from itops import auth, i18n
from itops.auth import ROLES
from itops.context import AppContext
from itops.db.models import AppSetting
from itops.db.session import make_engine, ping, session_scope
from itops.metrics import Registry, exposition_chunks, exposition_is_quick, make_registry
from itops.plugins import NavItem, features
from itops.web import offloop, pages, throttle
from itops.web.security import (
    SECURITY_HEADERS,
    BodySizeLimitMiddleware,
    SecurityHeadersMiddleware,
    csrf_ok,
    current_user,
    load_user,
    login_session,
    requires,
    session_cookie_options,
)
from itops.web.templating import error_page, make_environment, render

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"


class HealthProbe:
    """``/healthz``'s own database connection and thread.

    A ping of its own (no pool to wait for behind writers, a deferred read that never
    waits for the write lock) in a thread of its own (not behind busy worker threads).
    """

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url, poolclass=NullPool)
        self.thread = ThreadPoolExecutor(2, thread_name_prefix="itops-healthz")

    async def problem(self) -> str | None:
        return await asyncio.get_running_loop().run_in_executor(self.thread, ping, self.engine)

    def close(self) -> None:
        self.thread.shutdown(wait=False)
        self.engine.dispose()


async def healthz(request: Request) -> Response:
    """200 when the database answers, 503 with the reason otherwise (for load balancers)."""
    ctx: AppContext = request.app.state.ctx
    problem = ctx.storage_problem or await request.app.state.health.problem()
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
    registry = request.app.state.registry
    if exposition_is_quick(ctx, registry):  # a few ms of CPU, no database: on the loop
        return Response(_metrics_body(ctx, registry), media_type=CONTENT_TYPE_LATEST)
    # the request threadpool, not the daemon's job workers (which may wait on the lock)
    body = await run_in_threadpool(_metrics_body, ctx, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _metrics_body(ctx: AppContext, registry: Registry) -> bytes:
    """The whole body as one ``bytes``, sent in one write: joining the 2.2 MB of 10,000
    checks costs ~0.16 ms, while sending it as 34 parts of 64 KiB took 34 trips through
    the middlewares and the event loop (flow-control waits for the scraper included)."""
    return b"".join(exposition_chunks(ctx, registry))


async def login_page(request: Request) -> Response:
    await load_user(request)
    return render(request, "login.html", {"next": _safe_next(request.query_params.get("next"))})


async def login_submit(request: Request) -> Response:
    """Check CSRF, then the lockouts, then the password; audit every outcome.

    A locked login or address is refused before the password is checked, so guessing
    goes on at no more than the configured rate. The password is never logged.
    """
    form = await request.form()
    if not await csrf_ok(request):
        await load_user(request)
        target = _safe_next(str(form.get("next", "/")))
        return render(request, "login.html", {"error": "csrf", "next": target}, 403)
    return await run_in_threadpool(_login, request, form)


def _login(request: Request, form: FormData) -> Response:
    """The database part of a login (password hashing included): in a worker thread."""
    ctx: AppContext = request.app.state.ctx
    web = ctx.settings.web
    login, password = str(form.get("login", "")).strip(), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    remote = request.client.host if request.client else None
    keys = (throttle.login_key(login), throttle.address_key(remote))
    now = ctx.clock.now()
    lock: throttle.Lock | None
    with session_scope(ctx.sessions) as db:
        lock = throttle.locked(db, list(keys), now)
        if lock is not None:
            auth.audit(db, now, login[:64], "login_refused_locked", lock.key, remote)
            user = None
        else:
            user = auth.authenticate(db, login, password)
            if user is not None:
                throttle.clear(db, keys[0])
                login_session(request, user)
                auth.audit(db, now, user.login, "login", remote_addr=remote)
            else:
                auth.audit(db, now, login[:64], "login_failed", remote_addr=remote)
                for key, limit in zip(
                    keys, (web.login_max_failures, web.address_max_failures), strict=True
                ):
                    new_lock = throttle.record_failure(db, key, limit, web, now)
                    if new_lock is not None:
                        lock = new_lock
                        until = new_lock.until.isoformat()
                        auth.audit(db, now, login[:64], "lockout", f"{key} until {until}", remote)
                        logger.warning("login locked out: %s until %s", key, until)
    if lock is not None:
        context = {"error": "locked", "next": target, "until": lock.until, "login": login}
        return render(request, "login.html", context, 429)
    if user is None:
        context = {"error": "credentials", "next": target, "login": login}
        return render(request, "login.html", context, 401)
    return RedirectResponse(target, status_code=303)


@requires(*ROLES)
def logout(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    user = current_user(request)
    remote = request.client.host if request.client else None
    with session_scope(ctx.sessions) as db:
        now = ctx.clock.now()
        if user is not None:
            auth.revoke_sessions(db, user.id, now)
        auth.audit(db, now, user.login if user else None, "logout", remote_addr=remote)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/login", status_code=303)


async def set_language(request: Request) -> Response:
    """PL/EN for this browser session (kept across login and logout)."""
    lang = request.path_params["lang"]
    if lang in ("pl", "en"):
        request.session["lang"] = lang
    return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)


async def http_error(request: Request, exc: Exception) -> Response:
    """Polish error pages for 404, 405 … instead of Starlette's plain text."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = ERROR_MESSAGES.get(status, "Wystąpił błąd.")
    await load_user(request)
    return render(request, "error.html", {"message": message, "status": status}, status)


async def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    response = render(request, "error.html", {"message": ERROR_MESSAGES[500], "status": 500}, 500)
    # this handler runs outside every middleware, the security headers' one included
    response.headers.update({**SECURITY_HEADERS, "cache-control": "no-store"})
    return response


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """503 + Retry-After while the database is down (restart, full disk): the client
    retries later and nothing was written, which a 500 would not tell it. No template:
    rendering the page could need the database too."""
    logger.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.url.path,
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
    )
    headers = {"retry-after": "30", "cache-control": "no-store"}
    if request.url.path.startswith("/api/") or "json" in request.headers.get("content-type", ""):
        return JSONResponse(
            {"error": "database unavailable, try again later"}, 503, headers=headers
        )
    page = (
        '<!doctype html><html lang="pl"><meta charset="utf-8"><title>itops: 503</title>'
        "<h1>503</h1><p>Baza danych itops jest chwilowo niedostępna. Nic nie zapisano; "
        'spróbuj ponownie za chwilę.</p><p><a href="/">Pulpit</a></p></html>\n'
    )
    return HTMLResponse(page, 503, headers=headers)


ERROR_MESSAGES = {
    400: "Nieprawidłowe żądanie.",
    404: "Nie ma takiej strony.",
    405: "Ta operacja nie jest tu dozwolona.",
    500: "Wystąpił błąd serwera. Szczegóły zapisano w dzienniku itops.",
}


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


def _api_first(routes: list[BaseRoute]) -> None:
    """Machine clients' routes (/api/...) first: 500 agents at once each scanned the 30
    routes before theirs (~15 % of the agent API's request CPU). No other route can match
    an /api/ path (none starts with a parameter: tests/web/test_web_route_order.py) and
    the sort keeps each group's order, so every request reaches the route it did before.
    """
    routes.sort(key=lambda route: not str(getattr(route, "path", "")).startswith("/api/"))


def create_app(ctx: AppContext) -> Starlette:
    """Build the app for ``ctx``; feature routes are added after the core's."""
    feats = features()
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        Route("/", pages.home),
        Route("/calendar", pages.calendar_page),
        Route("/admin/audit", pages.audit_page),
        Route("/admin/users", pages.users_page, methods=["GET"]),
        Route("/admin/users", pages.user_add, methods=["POST"]),
        Route("/admin/users/{login}/role", pages.user_role, methods=["POST"]),
        Route("/admin/users/{login}/disable", pages.user_disable, methods=["POST"]),
        Route("/admin/users/{login}/enable", pages.user_enable, methods=["POST"]),
        Route("/admin/users/{login}/unlock", pages.user_unlock, methods=["POST"]),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang/{lang}", set_language),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    nav: list[NavItem] = [
        NavItem("Pulpit", "/", ROLES, order=0),
        NavItem("Kalendarz pracy urzędu", "/calendar", ROLES, order=900),
        NavItem("Dziennik zdarzeń", "/admin/audit", (auth.ADMIN, auth.AUDITOR), order=980),
        NavItem("Użytkownicy", "/admin/users", (auth.ADMIN,), order=990),
    ]
    template_dirs: list[Path] = []
    for feat in feats:
        if feat.build:
            feat.build(ctx)
        if feat.routes:
            routes.extend(feat.routes(ctx))
        nav.extend(feat.nav)
        if feat.templates:
            template_dirs.append(Path(feat.templates))
        i18n.register(feat.translations)
        i18n.register_labels(feat.labels)
        i18n.register_summaries(feat.summaries)
    _api_first(routes)
    # One place judges body sizes; features name the few paths with caps of their own.
    body_limits: dict[str, int] = {}
    for feat in feats:
        if feat.body_limits:
            body_limits.update(feat.body_limits(ctx))
    middleware = [
        Middleware(offloop.RequestScopeMiddleware),
        Middleware(SecurityHeadersMiddleware),
        Middleware(
            BodySizeLimitMiddleware,
            max_bytes=ctx.settings.web.max_request_bytes,
            path_limits=body_limits,
        ),
        Middleware(
            SessionMiddleware,
            secret_key=_secret_key(ctx),
            **session_cookie_options(ctx.settings.web.secure_cookies),
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: http_error,
            OperationalError: database_unavailable,
            500: server_error,
        },
    )
    app.state.ctx = ctx
    app.state.health = HealthProbe(ctx.engine.url.render_as_string(hide_password=False))
    offloop.watch(ctx.engine)
    app.state.nav = sorted(nav, key=lambda n: n.order)
    app.state.jinja = make_environment(template_dirs)
    app.state.error_page = error_page
    app.state.registry = make_registry(ctx)
    app.state.lang = lambda request: request.session.get("lang") or ctx.settings.web.language
    token_file = ctx.settings.web.metrics_token_file
    app.state.metrics_token = token_file.read_text().strip() if token_file else None
    return app


__all__ = ["create_app", "current_user"]
