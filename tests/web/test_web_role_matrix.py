"""Every route of the assembled app × every role (features' routes included, by design).

The routes are enumerated from ``app.routes`` (recursing into mounted routers), so a
route a feature adds later is covered without touching this file. Except for the
public allow-list, each endpoint must be wrapped by ``requires`` (the ``itops_roles``
attribute it sets), and the answers must follow from those roles:
anonymous page → redirect to /login, anonymous API or write → 401, wrong role → 403,
right role → neither 401 nor 403 (and no server error, whatever the empty input).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from itops.auth import ROLES

from .conftest import AsgiClient

# Public by design (issue 9): health, metrics (own token), static files, login, language
# switch, the agents' ping and API (own tokens); the residents' status page (issue 15).
PUBLIC_PREFIXES = (
    "/status",
    "/healthz",
    "/metrics",
    "/static",
    "/login",
    "/lang/",
    "/ping/",
    "/api/v1/agent/",
)

_PARAM_RE = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-z]+))?}")
_SAMPLE = {
    "int": "1",
    "id": "1",
    "float": "1",
    "uuid": "00000000-0000-4000-8000-000000000001",
    "path": "x",
    "str": "x",
}


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str
    roles: tuple[str, ...] | None

    @property
    def public(self) -> bool:
        return self.path.startswith(PUBLIC_PREFIXES) or self.path == "/lang"

    @property
    def safe(self) -> bool:
        return self.method in ("GET", "HEAD")

    def url(self) -> str:
        return _PARAM_RE.sub(lambda m: _SAMPLE[m.group(2) or "str"], self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[Endpoint]:
    for route in routes:
        if isinstance(route, Route):
            roles = getattr(route.endpoint, "itops_roles", None)
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                yield Endpoint(prefix + route.path, method, roles)
        elif isinstance(route, Mount):
            sub = getattr(route, "routes", None) or []
            if sub:
                yield from _walk(list(sub), prefix + route.path)
            else:
                yield Endpoint(prefix + route.path, "GET", None)
        else:
            yield Endpoint(prefix + getattr(route, "path", "?"), "GET", None)


# Ends the session (and voids the user's other sessions), so the matrix visits it last.
SESSION_ENDING = ("POST /logout",)


def endpoints(app: Starlette) -> list[Endpoint]:
    """Every endpoint, session-ending ones last so they cannot log the walk out."""
    return sorted(_walk(list(app.routes)), key=lambda e: str(e) in SESSION_ENDING)


def test_core_routes_are_in_the_matrix(app: Starlette) -> None:
    paths = {str(e) for e in endpoints(app)}
    assert {
        "GET /",
        "GET /calendar",
        "GET /admin/users",
        "POST /admin/users",
        "POST /logout",
    } <= paths


def test_every_non_public_endpoint_is_wrapped_by_requires(app: Starlette) -> None:
    unwrapped = [str(e) for e in endpoints(app) if not e.public and not e.roles]
    assert unwrapped == [], "endpoints without @requires(...): " + ", ".join(unwrapped)


def test_every_roles_list_names_known_roles(app: Starlette) -> None:
    bad = [str(e) for e in endpoints(app) if e.roles and not set(e.roles) <= set(ROLES)]
    assert bad == []


async def test_anonymous_is_sent_to_login_or_refused(app: Starlette) -> None:
    client = AsgiClient(app)
    token = await client.csrf()
    problems = []
    for e in endpoints(app):
        if e.public:
            continue
        if e.safe:
            reply = await client.request(e.method, e.url())
            if e.path.startswith("/api/"):
                ok = reply.status == 401
            else:
                ok = reply.status == 303 and (reply.location or "").startswith("/login?next=")
        else:
            reply = await client.request(e.method, e.url(), form={"csrf_token": token})
            ok = reply.status == 401
        if not ok:
            problems.append(f"{e}: {reply.status}")
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_gets_exactly_its_endpoints(
    app: Starlette, users: dict[str, str], role: str
) -> None:
    client = AsgiClient(app)
    assert (await client.login(users[role])).status == 303
    token = await client.csrf()
    problems = []
    for e in endpoints(app):
        if e.public or not e.roles:
            continue
        form = None if e.safe else {"csrf_token": token}
        try:
            reply = await client.request(e.method, e.url(), form=form)
        except Exception as exc:  # a crash on empty input is a bug: name the endpoint
            problems.append(f"{e}: role {role} raised {exc!r}")
            continue
        if role in e.roles:
            to_login = (reply.location or "").startswith("/login") and str(e) not in SESSION_ENDING
            if reply.status in (401, 403) or reply.status >= 500 or to_login:
                problems.append(f"{e}: allowed role {role} got {reply.status} {reply.location}")
        elif reply.status != 403:
            problems.append(f"{e}: role {role} not in {e.roles} got {reply.status}")
    assert problems == []


async def test_every_write_without_csrf_token_is_refused(
    app: Starlette, users: dict[str, str]
) -> None:
    client = AsgiClient(app)
    await client.login(users["admin"])
    problems = []
    for e in endpoints(app):
        if e.public or e.safe or not e.roles:
            continue
        for form in ({}, {"csrf_token": "forged-token"}):
            reply = await client.request(e.method, e.url(), form=form)
            if reply.status != 403:
                problems.append(f"{e} with {form}: {reply.status}")
    assert problems == []
