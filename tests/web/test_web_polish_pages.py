"""No English on a Polish page (issue 13 'Words and formats'): every page of every role of
the DEMO office, crawled.

Why: words are data (issue 18). A result carries ``Summary(code, params)`` and renders
from a Polish table; what slips through (an English reason stored as text, a key shown
as it is stored, a template string nobody translated) reaches an official in English.
The DEMO year is seeded once by the real ``itops demo seed`` (SQLite: the words do not
depend on the engine); every GET route the app has is opened by every role that may open
it, with the links the pages themselves give to detail pages (one of each kind). Two
nets: every summary rendered for the page must be rendered in Polish, and the visible
text must not contain a common English word (the list below; names, codes and commands
written as the operator types them are not words of it).
"""

from __future__ import annotations

import asyncio
import html
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.routing import BaseRoute, Mount, Route

from checks.config import CHECKS
from itops import auth, messages
from itops.auth import ROLES
from itops.clock import FixedClock
from itops.config import load
from itops.context import AppContext
from itops.db.session import make_engine, make_sessionmaker, session_scope
from itops.web.app import create_app
from tests.demo.test_demo_seed import _config

from .conftest import PASSWORD, AsgiClient, role_login

NOW = datetime(2025, 12, 31, 13, 0, tzinfo=UTC)  # last working day of the DEMO year
# Common English words that are no name, code or command (lower case, whole tokens).
ENGLISH = frozenset(
    """
    the and with without from not no yet is are was has have been found failed error
    since ago old newest older missing exceeded unknown report reports running stopped
    matches does cannot answer answers answered days hours minutes verification
    repository snapshot snapshots archive backup backups file files signatures
    desktop printer mfd phone tablet other servers network
    connected connection refused reset timed timeout down up ok none never waiting
    sample wrong password fixed passed check checks checked newest published working
    limit over under per used free load memory swap disk service services pending
    security updates update reboot required hosts summary
    retired in_use repair repairs stock loan loaned employee employees
    """.split()
)
# A token: letters with inner hyphens, dots or underscores ("switch-parter" is one name).
TOKEN = re.compile(r"[^\W\d_]\w*(?:[-_./:]\w+)*")
# <pre lang="en">: raw machine data marked as such (the agent's JSON report on an asset
# page: its keys are the agent's schema, not words for a reader)
_TAGS = re.compile(r'<(script|style)\b.*?</\1>|<pre lang="en">.*?</pre>|<[^>]+>', re.S | re.I)
_HREF = re.compile(r'href="(/[^"#?]*)')
_PARAM = re.compile(r"{[^}]+}")
# A figure written by hand instead of the one formatter (itops.formats, Babel pl_PL) on a
# Polish page: "99.344%", a size "1.9 GiB", a space before "%" ("cel 100 %"), an ISO day
# ("stan na 2025-12-31"; forms' date inputs are tags, not text).
AD_HOC = re.compile(r"\b\d+\.\d+ ?(?:%|[KMGT]iB)|\d %|\b\d{4}-\d{2}-\d{2}\b")
# The same on an English page (en_GB): a Polish day "17.12.2025", a decimal comma before
# "%" or a size, a space before "%", an ISO day.
EN_AD_HOC = re.compile(
    r"\b\d{2}\.\d{2}\.\d{4}\b|\b\d+,\d+ ?(?:%|[KMGT]iB)|\d %|\b\d{4}-\d{2}-\d{2}\b"
)
# /demo/...: the DEMO office's own (simulated) BIP website the freshness checks read, a
# Polish office's site in Polish; no page of itops.
_NOT_ITOPS = ("/demo/",)
# Brackets inside brackets read badly in Polish ("(osoba upoważniona do monitoringu
# (§82))", issue 13 'Polish wording'): a page says it another way.
NESTED = re.compile(r"\([^()]*\([^()]*\)[^()]*\)")
# Polish-only words of the KPI 1 tables issue 13 turned into codes (the DEMO probe
# results, the gap reasons) and of the DEMO config's notes of its checks (per language
# since note.pl / note.en): none on an English page.
POLISH = frozenset(
    """
    odrzucone zasilania sonda ustaliła zatrzymany uruchomieniem
    celowo awaria ostrzeżenie czerwone raport agenta magazynie pasującego wkładu niedzielę
    """.split()
)
# The DEMO maintenance window's Polish name ("Kopie zapasowe w niedzielę"), none on an
# English system page; elsewhere the office's own records may use these words (a DEMO
# training "Kopie zapasowe i praca na dysku sieciowym" is a record, shown as written).
ON_SYSTEM_PAGES = frozenset("kopie zapasowe".split())


def visible_text(page: str) -> str:
    return html.unescape(_TAGS.sub(" ", page))


def english_words(text: str) -> list[str]:
    """Each English token with the words around it, once per token ("…dysk Office 365…")."""
    out: dict[str, str] = {}
    for match in TOKEN.finditer(text):
        token = match.group(0)
        if token.lower() in ENGLISH and token not in out:
            around = text[max(0, match.start() - 30) : match.end() + 30]
            out[token] = " ".join(around.split())
    return [f"{token!r} in “{around}”" for token, around in sorted(out.items())]


def _get_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[str]:
    for route in routes:
        if isinstance(route, Route) and "GET" in (route.methods or {"GET"}):
            yield prefix + route.path
        elif isinstance(route, Mount) and getattr(route, "routes", None):
            yield from _get_routes(list(route.routes), prefix + route.path)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    from itops.cli import main

    tmp = tmp_path_factory.mktemp("polish")
    # the module-scoped template fixture is not reachable here; a fresh file is seeded
    target = tmp / "itops.db"
    config = _config(tmp, f"sqlite:///{target}")
    for argv in (["db", "upgrade"], ["demo", "seed", "--year", "2025", "--if-empty"]):
        try:
            main(["--config", str(config), *argv])
        except SystemExit as exc:
            assert not exc.code, argv
    settings = load(config)
    engine = make_engine(settings.storage.url)
    ctx = AppContext(
        settings=settings,
        config_path=config,
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=FixedClock(NOW),
    )
    with session_scope(ctx.sessions) as db:
        for role in ROLES:
            auth.add_user(db, role_login(role), role, PASSWORD, NOW, "DEMO Jan Testowy")
    yield ctx
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


def polish_words(text: str, words: frozenset[str] = POLISH) -> list[str]:
    found = {t.group(0) for t in TOKEN.finditer(text) if t.group(0).lower() in words}
    return sorted(found)


def _crawl(
    ctx: AppContext, role: str, lang: str = "pl", also: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every page ``role`` may open (and the paths ``also``): path → the words (or figures)
    found that are wrong for ``lang``: English words and hand-made figures on a Polish
    page, the touched tables' Polish words on an English one."""
    app = create_app(ctx)
    client = AsgiClient(app)
    found: dict[str, Any] = {}

    async def go() -> None:
        await client.login(role_login(role))
        if lang == "en":
            await client.get("/lang/en")
        todo = sorted({p for p in _get_routes(list(app.routes)) if not _PARAM.search(p)})
        todo += also
        seen_shapes: set[str] = set()
        seen: set[str] = set()
        while todo:
            path = todo.pop(0)
            if path in seen or path.startswith(("/static", "/metrics", "/logout", "/lang")):
                continue
            seen.add(path)
            reply = await client.get(path)
            kind = reply.header("content-type") or ""
            if reply.status != 200 or "text/html" not in kind:
                continue
            text = reply.text
            shown = visible_text(text)
            ours = not path.startswith(_NOT_ITOPS)
            if lang == "en":
                words = POLISH | ON_SYSTEM_PAGES if path.startswith("/systemy/") else POLISH
                figures = EN_AD_HOC.findall(shown) if ours else []
                found[path] = polish_words(shown, words) + sorted(set(figures))
            else:
                found[path] = (
                    english_words(shown)
                    + sorted(set(AD_HOC.findall(shown) if ours else []))
                    + sorted({" ".join(n.split()) for n in NESTED.findall(shown)})
                )
            for link in _HREF.findall(text):
                link = urlsplit(link).path
                shape = re.sub(r"/[^/]*\d[^/]*$", "/#", link)  # one detail page per kind
                if link not in seen and shape not in seen_shapes:
                    seen_shapes.add(shape)
                    todo.append(link)

    asyncio.run(go())
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_page_of_the_demo_office_shows_english(
    office: AppContext, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[tuple[str, str]] = []
    real = messages.render

    def spy(summary: messages.Summary, lang: str) -> str:
        rendered.append((summary.code, lang))
        text = str(summary.params.get("text", "")) if summary.code == messages.RAW else ""
        assert not text.startswith("DEMO"), text  # a DEMO text is a code (issue 13)
        return real(summary, lang)

    monkeypatch.setattr(messages, "render", spy)
    pages = _crawl(office, role)
    assert len(pages) >= 3, pages  # the crawl reached the role's pages
    english = sorted({code for code, lang in rendered if lang == "en"})
    assert not english, english  # every summary of a Polish page renders from Polish texts
    leftovers = "\n".join(f"{path}: {words}" for path, words in pages.items() if words)
    assert not leftovers, "English on Polish pages:\n" + leftovers


def test_an_english_page_shows_no_polish_word_of_the_coded_tables(
    office: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reverse net, for the English option: the IT officer's pages in English render
    every summary from the English texts and show no Polish word of the tables above;
    every system's page of the DEMO office is opened (its note, its planned window)."""
    rendered: list[str] = []
    real = messages.render

    def spy(summary: messages.Summary, lang: str) -> str:
        rendered.append(lang)
        return real(summary, lang)

    monkeypatch.setattr(messages, "render", spy)
    systems = tuple(f"/systemy/{c.name}" for c in office.settings.section(CHECKS))
    pages = _crawl(office, "it_officer", "en", systems)
    assert len(pages) >= 3, pages
    assert set(systems) <= set(pages), sorted(set(systems) - set(pages))
    assert rendered and set(rendered) == {"en"}, sorted(set(rendered))
    leftovers = "\n".join(f"{path}: {words}" for path, words in pages.items() if words)
    assert not leftovers, "Polish on English pages:\n" + leftovers
