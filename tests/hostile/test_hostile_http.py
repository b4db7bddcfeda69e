"""Property-based hostile HTTP: the agent API and pings (dashboard routes: test_hostile_routes).

Hypothesis drives the assembled ASGI app in process (``tests.web.conftest.AsgiClient``):
whatever the input, no 5xx, no Python exception text in the answer, and a refused
request (4xx) writes nothing (every table's row count is compared, the audit log and
login throttle aside: refusals are audited on purpose). Oversized bodies get 413 fast.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.applications import Starlette

from inventory.api import create_token
from itops.config import Settings
from itops.context import AppContext
from itops.db.models import Base
from itops.db.session import session_scope
from tests.conftest import make_settings
from tests.web.conftest import AsgiClient, Reply, role_login

PUSH_TOKEN = "00000000-0000-4000-8000-0000000000aa"
HOST = "pc-hostile-01"
EXAMPLES = hsettings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Tables a refused request may still write: audit trails (refusals, register reads shown
# again with the error), throttle counters.
AUDIT_TABLES = {"audit_log", "login_throttle", "session_revocation", "register_read_log"}
EXCEPTION_TEXT = re.compile(
    r"Traceback \(most recent call last\)|File \"/|sqlalchemy\.|psycopg|pydantic_core|"
    r"\b(?:Key|Value|Type|Attribute|Index|Unicode\w*)Error\b|Exception:"
)

hostile_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "' OR '1'='1",
            "'; DROP TABLE asset; --",
            "\x00",
            "../../etc/passwd",
            "=cmd|' /C calc'!A0",
            "%00",
            "\ud7ff" * 10,
            "9" * 400,
            "-1",
            "1e309",
            "NaN",
            "2026-02-30",
            "25:00",
            "{{7*7}}",
            "${jndi:ldap://x}",
        ]
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(hostile_text, inner, max_size=5),
    max_leaves=20,
)


@pytest.fixture
def settings(db_url: str) -> Settings:
    """The conftest's settings plus a push backup (for /ping) and a check."""
    return make_settings(
        db_url,
        backups=[{"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"}],
        checks=[{"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 9}],
    )


class RawClient(AsgiClient):
    """``AsgiClient`` that can send any bytes as the body, with any headers."""

    async def request(  # type: ignore[override]
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        if body is None:
            return await super().request(method, path, form=form, headers=headers)
        all_headers = {"content-length": str(len(body)), **(headers or {})}
        real_app = self.app

        async def with_body(scope: dict[str, Any], receive: Any, send: Any) -> None:
            done = False

            async def body_receive() -> dict[str, Any]:
                nonlocal done
                if not done:
                    done = True
                    return {"type": "http.request", "body": body, "more_body": False}
                await asyncio.Event().wait()
                return {"type": "http.disconnect"}

            await real_app(scope, body_receive, send)

        self.app = with_body  # type: ignore[assignment]
        try:
            return await super().request(method, path, headers=all_headers)
        finally:
            self.app = real_app


@pytest.fixture
def raw_client(app: Starlette) -> RawClient:
    return RawClient(app)


def _counts(ctx: AppContext) -> dict[str, int]:
    with session_scope(ctx.sessions) as db:
        return {
            name: int(db.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
            if name not in AUDIT_TABLES
        }


def _clean(reply: Reply) -> None:
    assert reply.status < 500, (reply.status, reply.text[:500])
    assert not EXCEPTION_TEXT.search(reply.text), reply.text[:1000]


def _valid_report() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "hostname": HOST,
        "collected_at": datetime(2026, 11, 26, 9, 0, tzinfo=UTC).isoformat(),
        "hardware": {"serial": "SN-HOSTILE-1"},
        "memory_bytes": 8 * 1024**3,
    }


@pytest.fixture
def agent_token(ctx: AppContext) -> str:
    with session_scope(ctx.sessions) as db:
        return create_token(db, HOST, ctx.clock.now())


async def _agent(client: RawClient, token: str, body: bytes, **headers: str) -> Reply:
    return await client.request(
        "POST",
        "/api/v1/agent/report",
        body=body,
        headers={"authorization": f"Bearer {token}", "content-type": "application/json", **headers},
    )


@EXAMPLES
@given(document=json_values)
async def test_hostile_json_to_the_agent_api_is_refused_cleanly_and_writes_nothing(
    ctx: AppContext, raw_client: RawClient, agent_token: str, document: Any
) -> None:
    before = _counts(ctx)
    try:
        body = json.dumps(document).encode()
    except ValueError:
        body = b"{"
    reply = await _agent(raw_client, agent_token, body)
    _clean(reply)
    assert reply.status in (400, 403, 413, 422), reply.text
    assert _counts(ctx) == before


@EXAMPLES
@given(key=st.sampled_from(sorted(_valid_report())), value=json_values)
async def test_a_valid_report_with_one_hostile_field_is_refused_or_stored_never_a_crash(
    ctx: AppContext, raw_client: RawClient, agent_token: str, key: str, value: Any
) -> None:
    report = _valid_report()
    report[key] = value
    before = _counts(ctx)
    reply = await _agent(raw_client, agent_token, json.dumps(report).encode())
    _clean(reply)
    if reply.status != 200:
        assert reply.status in (400, 403, 413, 422), reply.text
        assert _counts(ctx) == before


@EXAMPLES
@given(body=st.binary(max_size=2000))
async def test_random_bytes_to_the_agent_api_never_crash(
    ctx: AppContext, raw_client: RawClient, agent_token: str, body: bytes
) -> None:
    before = _counts(ctx)
    reply = await _agent(raw_client, agent_token, body)
    _clean(reply)
    assert reply.status in (400, 422), reply.text
    assert _counts(ctx) == before


@EXAMPLES
@given(token=hostile_text, body=json_values)
async def test_the_agent_api_refuses_hostile_tokens_without_writing(
    ctx: AppContext, raw_client: RawClient, token: str, body: Any
) -> None:
    before = _counts(ctx)
    reply = await raw_client.request(
        "POST",
        "/api/v1/agent/report",
        body=json.dumps(body).encode(),
        headers={
            "authorization": "Bearer "
            + token.encode("utf-8", "replace").decode("latin-1", "replace")
        },
    )
    _clean(reply)
    assert reply.status == 401
    assert _counts(ctx) == before


path_segment = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"),
    min_size=1,
    max_size=60,
)


@EXAMPLES
@given(
    method=st.sampled_from(["GET", "POST"]),
    token=st.one_of(st.just(PUSH_TOKEN), st.uuids().map(str), path_segment),
    action=st.one_of(
        st.none(),
        st.sampled_from(["start", "fail", "0", "1", "255", "256", "-1", "99999999999999999999"]),
        path_segment,
    ),
    body=st.binary(max_size=3000),
    length=st.one_of(st.none(), st.sampled_from(["abc", "-5", "1e3", " 12", "99999999999999"])),
)
async def test_hostile_pings_never_crash_and_unknown_tokens_write_nothing(
    ctx: AppContext,
    raw_client: RawClient,
    method: str,
    token: str,
    action: str | None,
    body: bytes,
    length: str | None,
) -> None:
    from urllib.parse import quote

    path = f"/ping/{quote(token, safe='')}" + (f"/{quote(action, safe='')}" if action else "")
    headers = {"content-length": length} if length is not None else {}
    before = _counts(ctx)
    reply = await raw_client.request(
        method, path, body=body if method == "POST" else b"", headers=headers
    )
    _clean(reply)
    if reply.status >= 400:
        assert _counts(ctx) == before


# Every dashboard form and route, as every role: tests/hostile/test_hostile_routes.py.


# --- size limits -------------------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


async def _chunked(
    app: Starlette,
    path: str,
    size: int,
    headers: dict[str, str],
    cookies: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """POST ``size`` bytes in 64 KiB chunks without a Content-Length (chunked upload)."""
    raw = [(b"host", b"testserver")] + [(k.encode(), v.encode()) for k, v in headers.items()]
    if cookies:
        raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    chunk = b"a=" + b"x" * (64 * 1024 - 2)
    sent = 0
    status, body = 0, b""

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent >= size:
            await asyncio.Event().wait()
        sent += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": sent < size}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    await app(scope, receive, send)
    return status, body


async def test_a_10_mb_agent_report_gets_413_quickly(
    ctx: AppContext, raw_client: RawClient, agent_token: str
) -> None:
    before = _counts(ctx)
    started = time.monotonic()
    reply = await _agent(raw_client, agent_token, b"[" + b"1," * (TEN_MB // 2) + b"1]")
    assert reply.status == 413
    assert time.monotonic() - started < 2.0
    assert _counts(ctx) == before


@pytest.mark.parametrize(
    "path", ["/login", "/inventory/new", "/admin/users", "/ping/" + PUSH_TOKEN]
)
async def test_a_10_mb_form_gets_413_quickly(
    ctx: AppContext, app: Starlette, users: dict[str, str], path: str
) -> None:
    client = AsgiClient(app)
    await client.login(role_login("admin"))
    token = await client.csrf()
    before = _counts(ctx)
    started = time.monotonic()
    reply = await client.post(path, {"csrf_token": token, "name": "x" * TEN_MB})
    assert reply.status == 413, reply.text[:300]
    assert time.monotonic() - started < 2.0
    assert _counts(ctx) == before


@pytest.mark.parametrize(
    "path", ["/login", "/inventory/new", "/ping/" + PUSH_TOKEN, "/api/v1/agent/report"]
)
async def test_a_10_mb_chunked_body_without_length_gets_413(
    ctx: AppContext, app: Starlette, users: dict[str, str], agent_token: str, path: str
) -> None:
    client = AsgiClient(app)
    await client.login(role_login("admin"))
    before = _counts(ctx)
    started = time.monotonic()
    status, body = await _chunked(
        app,
        path,
        TEN_MB,
        {
            "content-type": "application/x-www-form-urlencoded",
            "authorization": f"Bearer {agent_token}",
        },
        client.cookies,
    )
    assert status == 413, body[:300]
    assert time.monotonic() - started < 3.0
    assert _counts(ctx) == before


async def test_a_non_numeric_content_length_is_a_400_not_a_crash(
    raw_client: RawClient,
) -> None:
    reply = await raw_client.request(
        "POST", f"/ping/{PUSH_TOKEN}", body=b"ok", headers={"content-length": "dwa"}
    )
    _clean(reply)
    assert reply.status == 400
