"""The ``freshness`` kind against a real HTTP server on 127.0.0.1 serving BIP-like pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web

from checks.config import CheckConfig
from checks.kinds import CHECK_KINDS
from checks.kinds.freshness_dates import WARSAW, polish_dates, working_days_between
from itops.check import Check
from itops.config import validate
from itops.errors import ConfigError
from itops.messages import Summary, render
from itops.status import Measurement, Status
from tests.availability.test_check_kinds import run

NOW = datetime.now(UTC)


def pl(moment: datetime) -> str:
    return moment.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M")


def bip_page(*published: datetime) -> str:
    items = "".join(
        f'<li class="pub"><a href="/a/{i}">Zarządzenie nr {i}/2026 Burmistrza DEMO</a>'
        f'<span class="meta">opublikowano: {pl(p)}</span></li>'
        for i, p in enumerate(published)
    )
    return (
        f"<!doctype html><html lang=pl><head><meta charset=utf-8><title>BIP Urzędu DEMO"
        f"</title><script>var d='01.01.2099 10:00';</script></head><body><h1>Biuletyn "
        f"Informacji Publicznej</h1><p>Sesja Rady: 01.12.2099</p><ul>{items}</ul>"
        f"<footer>Redakcja BIP, tel. 00 000 00 00</footer></body></html>"
    )


def statement(prepared: str) -> str:
    return (
        "<html><body><h1>Deklaracja dostępności</h1><p>Urząd DEMO zobowiązuje się "
        f"zapewnić dostępność…</p><p>Data sporządzenia deklaracji: {prepared}</p>"
        "<p>Deklarację sporządzono na podstawie samooceny.</p></body></html>"
    )


def atom(*updated: datetime) -> str:
    entries = "".join(
        f"<entry><title>Ogłoszenie</title><updated>{u.isoformat()}</updated></entry>"
        for u in updated
    )
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'


@pytest.fixture
async def bip() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    pages: dict[str, Any] = {}

    async def handler(request: web.Request) -> web.Response:
        page = pages.get(request.path)
        if page is None:
            return web.Response(status=404, text="Nie znaleziono")
        body, headers = page if isinstance(page, tuple) else (page, {})
        return web.Response(text=body, content_type="text/html", charset="utf-8", headers=headers)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", pages
    await runner.cleanup()


def freshness(url: str, **keys: Any) -> Check[Any]:
    raw = {"name": "bip-aktualnosc", "kind": "freshness", "timeout": "10s", "url": url, **keys}
    settings = validate({"office": {"name": "Urząd Testowy"}, "checks": [raw]})
    cfg: CheckConfig = settings.checks[0]
    return CHECK_KINDS.cls("freshness")(cfg)


async def test_a_bip_updated_today_is_fresh(bip: tuple[str, dict[str, Any]]) -> None:
    url, pages = bip
    pages["/"] = bip_page(NOW - timedelta(days=30), NOW - timedelta(minutes=5))
    result = await run(freshness(url + "/"))
    assert result.status is Status.OK, result.summary
    assert pl(NOW - timedelta(minutes=5)) in render(result.summary, "pl")


async def test_a_bip_not_updated_for_three_weeks_is_a_warning(
    bip: tuple[str, dict[str, Any]],
) -> None:
    url, pages = bip
    pages["/"] = bip_page(NOW - timedelta(days=21), NOW - timedelta(days=40))
    result = await run(freshness(url + "/", max_working_days=5))
    assert result.status is Status.WARNING
    assert "brak nowych publikacji od " + pl(NOW - timedelta(days=21)) in render(
        result.summary, "pl"
    )
    assert result.value("newest_ts") == pytest.approx(
        (NOW - timedelta(days=21)).replace(second=0, microsecond=0).timestamp()
    )


async def test_beyond_the_critical_age_it_is_critical(bip: tuple[str, dict[str, Any]]) -> None:
    url, pages = bip
    pages["/"] = bip_page(NOW - timedelta(days=60))
    result = await run(freshness(url + "/", max_working_days=5, critical_working_days=20))
    assert result.status is Status.CRITICAL


async def test_dates_in_scripts_and_future_announcements_do_not_count(
    bip: tuple[str, dict[str, Any]],
) -> None:
    url, pages = bip
    pages["/"] = bip_page(NOW - timedelta(days=30))
    result = await run(freshness(url + "/", selector="body"))
    assert result.status is Status.WARNING  # 2099 dates (script, future session) ignored


async def test_a_css_selector_picks_the_publication_dates(bip: tuple[str, dict[str, Any]]) -> None:
    url, pages = bip
    pages["/"] = bip_page(NOW - timedelta(hours=2))
    result = await run(freshness(url + "/", selector="li.pub .meta"))
    assert result.status is Status.OK, result.summary


async def test_an_re2_pattern_captures_the_date(bip: tuple[str, dict[str, Any]]) -> None:
    url, pages = bip
    pages["/"] = bip_page(NOW - timedelta(hours=3))
    result = await run(freshness(url + "/", regex=r"opublikowano:\s*([0-9.]+ [0-9:]+)"))
    assert result.status is Status.OK, result.summary


def test_a_backtracking_pattern_is_refused_by_re2_at_config_time() -> None:
    with pytest.raises(ConfigError, match="RE2"):
        freshness("http://127.0.0.1:1/", regex=r"(a+)+\1")


async def test_an_atom_feed_and_last_modified_are_sources(bip: tuple[str, dict[str, Any]]) -> None:
    url, pages = bip
    pages["/feed"] = atom(NOW - timedelta(days=40), NOW - timedelta(hours=1))
    assert (await run(freshness(url + "/feed", source="feed"))).status is Status.OK
    old = format_datetime(NOW - timedelta(days=20), usegmt=True)
    pages["/lm"] = ("<p>brak dat</p>", {"Last-Modified": old})
    assert (await run(freshness(url + "/lm", source="last_modified"))).status is Status.WARNING


async def test_a_page_without_any_date_is_unknown_with_the_reason(
    bip: tuple[str, dict[str, Any]],
) -> None:
    url, pages = bip
    pages["/"] = "<html><body><p>Strona w przebudowie</p></body></html>"
    result = await run(freshness(url + "/"))
    assert result.status is Status.UNKNOWN
    assert "no publication date found" in str(result.summary)


async def test_an_unreachable_page_is_unknown_not_stale(bip: tuple[str, dict[str, Any]]) -> None:
    url, _pages = bip
    result = await run(freshness(url + "/nie-ma"))
    assert result.status is Status.UNKNOWN
    assert "HTTP 404" in str(result.summary)


async def test_the_accessibility_statement_must_exist_and_be_recent(
    bip: tuple[str, dict[str, Any]],
) -> None:
    url, pages = bip
    check = freshness(url + "/deklaracja", mode="accessibility_statement")
    missing = await run(check)
    assert missing.status is Status.CRITICAL
    assert "no accessibility statement (HTTP 404)" in str(missing.summary)
    pages["/deklaracja"] = statement((NOW - timedelta(days=400)).strftime("%Y-%m-%d"))
    old = await run(check)
    assert old.status is Status.WARNING
    assert "older than 365 days" in str(old.summary)
    pages["/deklaracja"] = statement(
        (NOW - timedelta(days=100)).astimezone(WARSAW).strftime("%d.%m.%Y")
    )
    assert (await run(check)).status is Status.OK
    pages["/deklaracja"] = "<html><body><h1>Deklaracja dostępności</h1></body></html>"
    assert (await run(check)).status is Status.WARNING


def test_polish_date_forms_are_read_in_office_time() -> None:
    found = polish_dates(
        "opublikowano: 12.11.2026 14:05; Data: 3 listopada 2026 r.; 2026-10-01 08:00; 31.02.2026"
    )
    assert [d.isoformat() for d in found] == [
        "2026-11-12T13:05:00+00:00",
        "2026-11-02T23:00:00+00:00",
        "2026-10-01T06:00:00+00:00",
    ]


def test_weekends_and_holidays_do_not_age_the_bip() -> None:
    friday = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
    assert working_days_between(friday, datetime(2026, 11, 9, 9, 0, tzinfo=UTC)) == 1
    # 10 and 11 November: Tuesday, then Independence Day (holiday)
    assert (
        working_days_between(
            datetime(2026, 11, 9, 9, 0, tzinfo=UTC), datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
        )
        == 2
    )


def test_evaluate_is_pure_over_the_measurements() -> None:
    check = freshness("http://127.0.0.1:1/", max_working_days=5)
    checked = datetime(2026, 11, 26, 10, 0, tzinfo=UTC).timestamp()
    published = datetime(2026, 11, 12, 13, 5, tzinfo=UTC).timestamp()
    status, text = check.evaluate(
        [
            Measurement("checked_at", checked),
            Measurement("http_status", 200),
            Measurement("newest_ts", published),
        ]
    )
    assert status is Status.WARNING
    # the date by the one formatter in the reader's language (issue 13), office time
    assert render(text, "en") == (
        "nothing published since 12/11/2026 14:05 (10 working days, limit 5)"
    )
    assert render(text, "pl") == (
        "brak nowych publikacji od 12.11.2026 14:05 (10 dni roboczych, limit 5)"
    )
    # a result stored before the date travelled as ISO still reads as it was written
    old = Summary(text.code, {**text.params, "date": "12.11.2026 14:05"})
    assert render(old, "en").startswith("nothing published since 12.11.2026 14:05 ")


def test_the_accessibility_statement_day_follows_the_language() -> None:
    check = freshness("http://127.0.0.1:1/", mode="accessibility_statement")
    checked = datetime(2026, 11, 26, 10, 0, tzinfo=UTC).timestamp()
    dated = datetime(2026, 10, 31, 23, 30, tzinfo=UTC).timestamp()  # 1 November in Warsaw
    status, text = check.evaluate(
        [
            Measurement("checked_at", checked),
            Measurement("http_status", 200),
            Measurement("newest_ts", dated),
        ]
    )
    assert status is Status.OK
    assert render(text, "pl") == "deklaracja dostępności z 01.11.2026"
    assert render(text, "en") == "accessibility statement dated 01/11/2026"
