"""Every route of the assembled app, as each role, with hostile values (issue 14.4).

The routes come from ``app.routes`` (``endpoints``), so a route a feature adds later is
fuzzed without touching this file. What each route reads is learnt, not listed: the
pages' own ``<form>``s give the fields and valid values of each write (a crawl of every
page, on a database with a row of each kind the forms need), and recording which keys a
handler looks up in its form or query string (``ImmutableMultiDict``) gives the rest.
Hypothesis then sends, per route and per role, a few requests with a valid session and
CSRF token in which each field is its valid value, a hostile value or missing, path
parameters too. The test fails on any 5xx, on exception text in an answer, on a route
an allowed role could not reach (401/403/back to login: the walk would prove nothing),
and on any write committed by a refused (4xx) request: the engine's commit events are
watched, so an UPDATE counts as well as an INSERT. Both engines.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from starlette.applications import Starlette
from starlette.datastructures import ImmutableMultiDict

from itops import auth
from itops.auth import ROLES
from itops.config import Settings
from itops.context import AppContext
from itops.db.session import session_scope
from tests.conftest import make_settings
from tests.hostile.test_hostile_forms import _rows
from tests.hostile.test_hostile_http import AUDIT_TABLES, PUSH_TOKEN, _clean
from tests.web.conftest import PASSWORD, AsgiClient, Reply, role_login
from tests.web.test_web_role_matrix import SESSION_ENDING, Endpoint, endpoints

# Not fuzzed here: logging in and out changes the session the walk runs in (tests/web and
# test_hostile_auth drive them); static files are a mount with no handler of ours.
SKIPPED = {*SESSION_ENDING, "POST /login", "GET /static"}
VICTIM = "fuzz_victim"  # the one existing login a {login} path parameter names
_PARAM_RE = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-z]+))?}")
_DML = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
# Plausible values for empty inputs by their type, so a form gets past its first field.
_BY_TYPE = {
    "date": "2026-11-20",
    "datetime-local": "2026-11-20T10:00",
    "number": "1",
    "email": "fuzz@example.invalid",
    "password": "Haslo-Fuzz-123456",
}

HOSTILE = [
    "",
    " ",
    "abc",
    "²",
    "٣",
    "-1",
    "0",
    "1.5",
    "1,5",
    "1e400",
    "NaN",
    "Infinity",
    str(2**31),
    str(2**63),
    "9" * 40,
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01T25:61",
    "0001-01-01T00:00+14:00",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "x" * 5000,
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "'; DROP TABLE inv_asset; --",
    "../../etc/passwd",
    "=cmd|' /C calc'!A0",
    "{{7*7}}",
    "%s%s%n",
    "true",
    "null",
]
hostile_value = st.one_of(
    st.sampled_from(HOSTILE), st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
)
HOSTILE_INT_PARAM = ["0", "99999", str(2**31), str(2**63), "9" * 30]
hostile_str_param = st.one_of(
    st.sampled_from(["x", "..", "²", "a b", "ę" * 300, "\x00", "%00", "<b>"]),
    st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=20),
)
# A few requests per route and role: 65 routes x their roles x 2 engines stay well under a
# minute; hypothesis draws other values on every run.
EXAMPLES = {"POST": 3, "GET": 2}
SLOW = 0.3  # a route whose valid request took longer (a report, a PDF) gets one example
FUZZ = hsettings(
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: bounded on failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(
        db_url,
        backups=[{"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"}],
        checks=[{"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 9}],
    )


# --- what a request wrote -------------------------------------------------------------------


@dataclass
class WriteWatch:
    """Tables written by committed transactions (a rolled-back transaction wrote nothing)."""

    committed: set[str] = field(default_factory=set)

    @contextmanager
    def attached(self, engine: Engine) -> Iterator[None]:
        def on_execute(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
            match = _DML.match(statement)
            if match:
                conn.info.setdefault("fuzz_pending", set()).add(match.group(1).lower())

        def on_commit(conn: Connection) -> None:
            self.committed |= conn.info.pop("fuzz_pending", set())

        def on_rollback(conn: Connection) -> None:
            conn.info.pop("fuzz_pending", None)

        hooks: list[tuple[str, Callable[..., None]]] = [
            ("before_cursor_execute", on_execute),
            ("commit", on_commit),
            ("rollback", on_rollback),
        ]
        for name, hook in hooks:
            event.listen(engine, name, hook)
        try:
            yield
        finally:
            for name, hook in hooks:
                event.remove(engine, name, hook)

    def take(self) -> set[str]:
        """Tables written since the last call, audit trails aside (refusals are audited)."""
        written, self.committed = self.committed - AUDIT_TABLES, set()
        return written


# --- what a route reads ---------------------------------------------------------------------


_NUMERIC = re.compile(
    r"price|cost|quantity|qty|seats|level|hours|count|corrects|year|_id$|^id$|seq"
)


def _guess(name: str, kind: str) -> str:
    """A value an empty input would plausibly get, so the form passes its first checks."""
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    return "1" if _NUMERIC.search(name) else "DEMO_fuzz_1"


class _Forms(HTMLParser):
    """``(method, action, {field: valid value})`` of every form on a page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self._form: dict[str, str] | None = None
        self._head = ("get", page)
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {}
            self._head = (a.get("method", "get").lower() or "get", a.get("action") or self.page)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file") or a["name"] in self._form:
                return
            self._form[a["name"]] = a.get("value") or _guess(a["name"], kind)
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and self._select not in self._form:
            self._form[self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._form.setdefault(a["name"], "DEMO fuzz")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append((*self._head, self._form))
            self._form = None
        elif tag == "select":
            self._select = None


@dataclass
class Target:
    """One route: concrete paths seen on pages, their parameters, and the fields it reads."""

    endpoint: Endpoint
    pattern: re.Pattern[str]
    params: dict[str, set[str]] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    cost: float = 0.0  # seconds its valid request took: a slow route gets one example

    @classmethod
    def of(cls, endpoint: Endpoint) -> Target:
        regex = _PARAM_RE.sub(
            lambda m: (
                f"(?P<{m.group(1)}>[0-9]+)"
                if m.group(2) in ("int", "id")
                else f"(?P<{m.group(1)}>[^/]+)"
            ),
            re.escape(endpoint.path).replace(r"\{", "{").replace(r"\}", "}"),
        )
        names = _PARAM_RE.findall(endpoint.path)
        return cls(endpoint, re.compile(regex), {name: set() for name, _ in names})

    def saw(self, path: str, fields: dict[str, str]) -> bool:
        match = self.pattern.fullmatch(path)
        if not match:
            return False
        for name, value in match.groupdict().items():
            self.params[name].add(VICTIM if name == "login" else value)
        for name, value in fields.items():
            self.fields.setdefault(name, value)
        return True

    def valid_url(self) -> str:
        def one(m: re.Match[str]) -> str:
            seen = sorted(self.params.get(m.group(1)) or [])
            return seen[0] if seen else ("1" if m.group(2) in ("int", "id") else "x")

        return _PARAM_RE.sub(one, self.endpoint.path)

    def strategy(self) -> st.SearchStrategy[tuple[str, dict[str, str]]]:
        """A path (each parameter seen or hostile) and fields (each valid, hostile or absent)."""
        parts: dict[str, st.SearchStrategy[str]] = {}
        for name, kind in _PARAM_RE.findall(self.endpoint.path):
            hostile = (
                st.sampled_from(HOSTILE_INT_PARAM) if kind in ("int", "id") else hostile_str_param
            )
            seen = sorted(self.params[name])
            parts[name] = st.one_of(st.sampled_from(seen), hostile) if seen else hostile
        values = {
            name: st.one_of(st.just(valid), hostile_value, st.none())
            for name, valid in self.fields.items()
            if name != "csrf_token"
        }
        extra = st.dictionaries(
            st.sampled_from(["id", "year", "q", "x"]), hostile_value, max_size=2
        )

        def build(path: dict[str, str], form: dict[str, str | None], more: dict[str, str]) -> Any:
            url = _PARAM_RE.sub(lambda m: quote(path[m.group(1)], safe=""), self.endpoint.path)
            fields = {**more, **{k: v for k, v in form.items() if v is not None}}
            return url, fields

        return st.builds(build, st.fixed_dictionaries(parts), st.fixed_dictionaries(values), extra)


@contextmanager
def recording_keys() -> Iterator[set[str]]:
    """Every key a handler looks up in a form or query string while this is open."""
    keys: set[str] = set()
    original = (
        ImmutableMultiDict.__getitem__,
        ImmutableMultiDict.__contains__,
        ImmutableMultiDict.getlist,
    )

    def getitem(self: Any, key: Any) -> Any:
        keys.add(str(key))
        return original[0](self, key)

    def contains(self: Any, key: Any) -> bool:
        keys.add(str(key))
        return original[1](self, key)

    def getlist(self: Any, key: Any) -> Any:
        keys.add(str(key))
        return original[2](self, key)

    ImmutableMultiDict.__getitem__ = getitem  # type: ignore[method-assign]
    ImmutableMultiDict.__contains__ = contains  # type: ignore[method-assign]
    ImmutableMultiDict.getlist = getlist  # type: ignore[method-assign]
    try:
        yield keys
    finally:
        (
            ImmutableMultiDict.__getitem__,  # type: ignore[method-assign]
            ImmutableMultiDict.__contains__,  # type: ignore[method-assign]
            ImmutableMultiDict.getlist,  # type: ignore[method-assign]
        ) = original


# --- the walk -------------------------------------------------------------------------------


class Session:
    """One role's client with its CSRF token, on one event loop for the whole walk."""

    def __init__(self, app: Starlette, runner: asyncio.Runner, role: str) -> None:
        self.client = AsgiClient(app, keep_server_errors=True)
        self.runner = runner
        assert self.run(self.client.login(role_login(role))).status == 303
        self.token = self.run(self.client.csrf())

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    def send(self, method: str, url: str, fields: dict[str, str]) -> Reply:
        query = urlencode(fields)
        if method == "GET":
            reply: Reply = self.run(self.client.get(f"{url}?{query}" if query else url))
        else:
            reply = self.run(self.client.post(url, {**fields, "csrf_token": self.token}))
        return reply


def _learn(app: Starlette, runner: asyncio.Runner) -> list[Target]:
    """Crawl every page for its forms, then send each route its valid form once, recording
    what the handler looks up and how long it took."""
    targets = [Target.of(e) for e in endpoints(app) if str(e) not in SKIPPED]
    sessions = {role: Session(app, runner, role) for role in ROLES}

    def visit(target: Target) -> Reply:
        e = target.endpoint
        role = next((r for r in ROLES if e.roles and r in e.roles), "admin")
        started = time.monotonic()
        with recording_keys() as keys:
            reply = sessions[role].send(e.method, target.valid_url(), dict(target.fields))
        target.cost = time.monotonic() - started
        for key in keys - {"csrf_token"}:
            target.fields.setdefault(key, "1")
        return reply

    posts = []
    for target in targets:
        e = target.endpoint
        if e.method != "GET":
            posts.append(target)
            continue
        visit(target)
        for role in [r for r in ROLES if e.roles and r in e.roles] or ["admin"]:
            page = sessions[role].send("GET", target.valid_url(), {})
            if "html" not in (page.header("content-type") or ""):
                break
            parser = _Forms(target.valid_url())
            parser.feed(page.text)
            for method, action, fields in parser.forms:
                path = urlsplit(action).path
                for other in targets:
                    if other.endpoint.method == method.upper() and other.saw(path, fields):
                        break
    for target in posts:
        visit(target)
    return targets


@dataclass
class Walk:
    """What the walk saw: failures, (route, role) pairs driven, tables accepted requests wrote."""

    watch: WriteWatch
    failures: list[str] = field(default_factory=list)
    walked: set[tuple[str, str]] = field(default_factory=set)
    accepted_writes: set[str] = field(default_factory=set)

    def check(
        self, session: Session, role: str, target: Target, url: str, form: dict[str, str]
    ) -> None:
        """One request; AssertionError naming it when the answer or its writes are wrong."""
        e = target.endpoint
        allowed = e.public or (e.roles is not None and role in e.roles)
        self.watch.take()
        reply = session.send(e.method, url, form)
        written = self.watch.take()
        self.walked.add((str(e), role))
        where = f"{role} {e.method} {url[:120]} {str(form)[:300]}"
        assert reply.status < 500, f"{where}: {reply.status} {reply.text[:300]}"
        _clean(reply)
        if 400 <= reply.status < 500:
            assert not written, f"{where}: {reply.status} but wrote {sorted(written)}"
        else:
            self.accepted_writes |= written
        if e.public:
            return
        if allowed:
            to_login = (reply.location or "").startswith("/login")
            assert reply.status not in (401, 403) and not to_login, (
                f"{where}: allowed role got {reply.status} {reply.location}"
            )
        else:
            assert reply.status == 403, f"{where}: role not allowed got {reply.status}"

    def fuzz(self, session: Session, role: str, target: Target) -> None:
        """A few hypothesis examples of ``target`` as ``role`` (one when refused or slow)."""
        e = target.endpoint
        allowed = e.public or (e.roles is not None and role in e.roles)
        runs = EXAMPLES[e.method] if allowed and target.cost <= SLOW else 1

        def one(case: tuple[str, dict[str, str]]) -> None:
            self.check(session, role, target, *case)

        try:
            hsettings(FUZZ, max_examples=runs)(given(target.strategy())(one))()
        except AssertionError as exc:
            self.failures.append(str(exc).splitlines()[0][:600])


def test_every_route_as_every_role_with_hostile_values_never_5xx_nor_writes_when_refused(
    ctx: AppContext, app: Starlette, users: dict[str, str]
) -> None:
    _rows(ctx)
    with session_scope(ctx.sessions) as db:
        auth.add_user(db, VICTIM, "auditor", PASSWORD, ctx.clock.now(), "DEMO Ofiara Testowa")
    walk = Walk(WriteWatch())
    with asyncio.Runner() as runner, walk.watch.attached(ctx.engine):
        targets = _learn(app, runner)
        learnt_writes = walk.watch.take()
        assert len(targets) >= 60
        assert sum(len(t.fields) for t in targets if t.endpoint.method == "POST") > 100
        for role in ROLES:
            session = Session(app, runner, role)
            for target in targets:
                if not target.endpoint.public or role == "admin":  # public: once is enough
                    walk.fuzz(session, role, target)
    assert walk.failures == [], "\n".join(walk.failures)
    expected = {
        (str(t.endpoint), role)
        for t in targets
        for role in (["admin"] if t.endpoint.public else ROLES)
    }
    assert expected - walk.walked == set()
    # the watch sees commits: the forms' valid values were accepted and wrote these
    assert {"inv_asset", "employee", "app_user", "inv_permission", "inv_licence"} <= learnt_writes
