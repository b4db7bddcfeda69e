"""Sessions, roles and CSRF for the dashboard.

The session lives in a signed cookie (HttpOnly, SameSite=Strict, Secure over HTTPS)
holding only the user id, a CSRF token, the issue time and the last-activity time (idle
timeout). A logout voids every session of the user issued before it (``session_revocation``),
so a copied cookie dies with the logout.
Every state-changing request must carry the session's CSRF token, as a form field
``csrf_token`` or an ``X-CSRF-Token`` header; ``requires()`` checks both role and token.
Loading the user reads the database, so it runs in a worker thread (``load_user``), and
``requires()`` runs a sync endpoint in the threadpool with its body and form already
read (``submitted_form``, ``submitted_body``): no database call on the event loop.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import inspect
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from itops import auth
from itops.db.models import User
from itops.db.session import read_scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Endpoint = Callable[[Request], Awaitable[Response]]
SyncEndpoint = Callable[[Request], Response]
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True)
class SessionUser:
    """The logged-in user as pages see it: no ORM object leaves the request."""

    id: int
    login: str
    full_name: str
    role: str


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def csrf_ok(request: Request) -> bool:
    expected = request.session.get("csrf")
    if not expected:
        return False
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(FORM_TYPES):
            with contextlib.suppress(RuntimeError):  # the caller already parsed the form
                await request.body()  # cached, so a handler may still read the raw body
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(str(expected), sent)


async def load_user(request: Request) -> SessionUser | None:
    """``current_user`` from async code: the database read runs in a worker thread."""
    if "user" in request.scope.get("itops", {}):
        return current_user(request)
    if "session" not in request.scope:
        return None
    return await run_in_threadpool(current_user, request)


def submitted_form(request: Request) -> FormData:
    """The form a sync endpoint was sent (parsed by ``requires`` before it ran)."""
    form = request.scope.get("itops", {}).get("form")
    return form if isinstance(form, FormData) else FormData()


def submitted_body(request: Request) -> bytes:
    """The raw body a sync endpoint was sent (read by ``requires`` before it ran)."""
    body = request.scope.get("itops", {}).get("body")
    return body if isinstance(body, bytes) else b""


async def _read_submission(request: Request) -> None:
    """Read the body (and parse a form) on the loop, for a sync endpoint in a thread."""
    if request.method in SAFE_METHODS:
        return
    store = request.scope.setdefault("itops", {})
    store["body"] = await request.body()
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        store["form"] = await request.form()


def current_user(request: Request) -> SessionUser | None:
    """The session's user if it is still enabled and the session is not idle too long.

    Reads the database the first time in a request: call it from a worker thread or a
    sync endpoint, or use ``load_user`` from async code."""
    if "user" in request.scope.get("itops", {}):
        cached: SessionUser | None = request.scope["itops"]["user"]
        return cached
    user = _load_user(request)
    request.scope.setdefault("itops", {})["user"] = user
    return user


def _load_user(request: Request) -> SessionUser | None:
    user_id = request.session.get("uid")
    if not isinstance(user_id, int):
        return None
    ctx = request.app.state.ctx
    now = ctx.clock.now().timestamp()
    last = request.session.get("seen", 0)
    if now - float(last) > ctx.settings.web.session_idle.total_seconds():
        request.session.clear()
        return None
    with read_scope(ctx.sessions) as db:
        row = db.get(User, user_id)
        revoked = auth.sessions_valid_after(db, user_id) if row is not None else None
        issued = float(request.session.get("iat", 0))
        if row is None or row.disabled or (revoked and issued < revoked.timestamp()):
            request.session.clear()
            return None
        user = SessionUser(row.id, row.login, row.full_name, row.role)
    if request.headers.get("x-requested-with") != "fetch":
        # the status board's own background refresh is not activity: an open but
        # unattended dashboard still logs out after the idle time
        request.session["seen"] = int(now)
    return user


def login_session(request: Request, user: User) -> None:
    """Start a fresh session (new CSRF token): no session fixation across a login.

    Only the chosen language survives the login.
    """
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    now = request.app.state.ctx.clock.now().timestamp()
    request.session["uid"] = user.id
    request.session["iat"] = now  # sessions issued before a logout elsewhere are void
    request.session["seen"] = int(now)
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.scope.setdefault("itops", {}).pop("user", None)


def requires(*roles: str) -> Callable[[Endpoint | SyncEndpoint], Endpoint]:
    """Endpoint decorator: a logged-in user with one of ``roles``, and CSRF on writes.

    Anonymous page views are redirected to the login page; anonymous API calls, wrong
    roles and bad CSRF tokens get 401/403 with nothing done. A sync endpoint (``def``)
    runs in the threadpool, its body and form read beforehand; an async one must keep
    its database calls off the loop itself.
    """

    def decorate(endpoint: Endpoint | SyncEndpoint) -> Endpoint:
        is_async = inspect.iscoroutinefunction(endpoint)

        async def call(request: Request) -> Response:
            if is_async:
                return await cast(Endpoint, endpoint)(request)
            await _read_submission(request)
            return await run_in_threadpool(cast(SyncEndpoint, endpoint), request)

        @functools.wraps(endpoint)
        async def wrapper(request: Request) -> Response:
            user = await load_user(request)
            if user is None:
                if request.method in SAFE_METHODS and not request.url.path.startswith("/api/"):
                    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
                return _error(request, 401, "Zaloguj się, aby otworzyć tę stronę.")
            if user.role not in roles:
                return _error(request, 403, "Brak uprawnień do tej strony.")
            try:
                if request.method not in SAFE_METHODS and not await csrf_ok(request):
                    return _error(
                        request, 403, "Sesja wygasła lub formularz jest nieważny. Spróbuj ponownie."
                    )
                return await call(request)
            finally:
                await request.close()  # uploaded files are spooled to temporary files

        wrapper.itops_roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _error(request: Request, status: int, message: str) -> Response:
    """The app's error page (``templating.error_page``, set by ``create_app``: templating
    builds on this module for the user and the CSRF token, so it is not imported here)."""
    page: Callable[[Request, int, str], Response] = request.app.state.error_page
    return page(request, status, message)


def session_cookie_options(https: bool) -> dict[str, Any]:
    return {"session_cookie": "itops_session", "same_site": "strict", "https_only": https}


# Everything is served from this origin: no CDN, no inline script or style, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Adds ``SECURITY_HEADERS`` to every HTTP response; pages are never cached.

    Pure ASGI (not BaseHTTPMiddleware) so streaming downloads pass through untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if not static and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once a body grows past the limit (no Content-Length given)."""


class BodySizeLimitMiddleware:
    """Refuses a request body over its cap with 413, before it is read into memory.

    Starlette reads a whole urlencoded form into memory, so without this a 10 MB POST
    to any form would be parsed in full (and the CSRF check reads every form). The cap is
    ``max_bytes`` except for the few paths in ``path_limits`` (the dashboard CSV import,
    the agent API). A declared Content-Length over the cap is answered at once; a chunked
    body is counted as it arrives and refused when it passes the cap. A browser is told
    in Polish, as an HTML page; a JSON client gets ``{"error": …}``; others one line.
    """

    # A refused body up to this many times the cap is read and dropped before the answer,
    # so a browser uploading a slightly too large file sees the page, not a reset.
    DRAIN_FACTOR = 4

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.max_bytes)
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await self._refuse(send, headers, 400, limit)
                return
            if int(declared) > limit:
                if int(declared) <= limit * self.DRAIN_FACTOR:
                    await self._drain(receive)
                await self._refuse(send, headers, 413, limit)
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(send, headers, 413, limit)

    @staticmethod
    async def _drain(receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                return

    @staticmethod
    async def _refuse(send: Send, headers: Headers, status: int, limit: int) -> None:
        if "text/html" in headers.get("accept", ""):
            if status == 413:
                text = (
                    f"Przesłany plik lub formularz jest za duży "
                    f"(najwyżej {limit / (1024 * 1024):.0f} MiB)."
                )
            else:
                text = "Nieprawidłowe żądanie (Content-Length)."
            body = (
                f'<!doctype html><html lang="pl"><meta charset="utf-8">'
                f"<title>itops: {status}</title><h1>{status}</h1><p>{text}</p>"
                f'<p><a href="/">Pulpit</a></p></html>\n'
            ).encode()
            content_type = b"text/html; charset=utf-8"
        else:
            reason = (
                f"request body larger than {limit} bytes"
                if status == 413
                else "invalid Content-Length"
            )
            if "json" in headers.get("content-type", ""):  # the agent API's error shape
                body = json.dumps({"error": reason}).encode()
                content_type = b"application/json"
            else:
                body = f"{reason}\n".encode()
                content_type = b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def may_open(app: Any, path: str, role: str | None) -> bool:
    """Whether ``role`` may GET ``path`` by the same ``requires`` roles the route enforces
    (one source of truth for links and routes). A path no route matches, or a route
    without ``requires`` (public), is not hidden; a role-guarded one needs the role."""
    from starlette.routing import Match

    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": path.split("?")[0].split("#")[0],
        "root_path": "",
    }
    routes = list(app.routes)
    while routes:
        route = routes.pop(0)
        match, child = route.matches(scope)
        if match is not Match.FULL:
            continue
        inner = getattr(route, "routes", None)
        if inner is not None:  # a mounted router: match its own routes next
            scope, routes = {**scope, **child}, list(inner)
            continue
        roles = getattr(getattr(route, "endpoint", None), "itops_roles", None)
        return roles is None or (role is not None and role in roles)
    return True
