"""A role sees links only to pages it may open (issue 13): logged in as each role, every
same-origin link of every page reached from the Pulpit is followed through the app's
HTTP test client, and none answers 403. The links are hidden by the routes' own
``requires`` roles (``itops.web.security.may_open``), so this fails when a page links
to a route its role may not open."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from starlette.applications import Starlette

from itops.auth import ROLES
from itops.context import AppContext

from .conftest import AsgiClient

HREF_RE = re.compile(r'<a\b[^>]*\bhref="([^"#]*)', re.I)
# leaving the session or switching the language is not a page of the role
NOT_FOLLOWED = ("/logout", "/lang")


def _links(base: str, html: str) -> set[str]:
    out = set()
    for href in HREF_RE.findall(html):
        url = urlsplit(urljoin(base, href.replace("&amp;", "&")))
        if url.netloc not in ("", "testserver") or not url.path.startswith("/"):
            continue
        if url.path.startswith(NOT_FOLLOWED):
            continue
        out.add(url.path)  # one visit a path: its filters and pages link to the same routes
    return out


@pytest.mark.engine("sqlite")
@pytest.mark.parametrize("role", ROLES)
async def test_no_link_a_role_sees_answers_403(
    ctx: AppContext, app: Starlette, users: dict[str, str], role: str
) -> None:
    from inventory.metrics import refresh

    refresh(ctx)  # the Pulpit's inventory tiles (KPI 2, 3, stock, loans ...) and their links
    client = AsgiClient(app)
    await client.login(users[role])
    seen: set[str] = set()
    todo, forbidden = ["/"], []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        reply = await client.get(path)
        if reply.status == 403:
            forbidden.append(path)
            continue
        if "text/html" in (reply.header("content-type") or ""):
            todo.extend(_links(path, reply.text) - seen)
    assert len(seen) > 3, seen  # the crawl reached pages beyond the Pulpit
    assert forbidden == [], f"{role}: links answering 403: {sorted(forbidden)}"
