"""The "Raporty" page: who may generate, who may download, and what comes back."""

from __future__ import annotations

from pathlib import Path

import pytest

from itops.config import Settings
from itops.context import AppContext
from tests.conftest import make_settings

from .conftest import AsgiClient, role_login


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, report={"output_dir": str(tmp_path / "reports")})


async def test_it_officer_generates_and_auditor_downloads_the_annual_report(
    client: AsgiClient, users: dict[str, str], settings: Settings
) -> None:
    await client.login(role_login("it_officer"))
    token = await client.csrf()
    reply = await client.post("/raporty", {"year": "2025", "lang": "pl", "csrf_token": token})
    assert reply.status == 303 and reply.location == "/raporty?done=1"
    folder = Path(settings.report.output_dir) / "pl"
    assert sorted(p.name for p in folder.iterdir()) == [
        "raport-jakosci-2025.html",
        "raport-jakosci-2025.json",
        "raport-jakosci-2025.pdf",
    ]
    await client.post("/logout", {"csrf_token": await client.csrf()})

    await client.login(role_login("auditor"))
    page = await client.get("/raporty")
    assert page.status == 200
    assert "/raporty/pl/raport-jakosci-2025.pdf" in page.text
    assert 'action="/raporty"' not in page.text  # no generate form for the auditor
    pdf = await client.get("/raporty/pl/raport-jakosci-2025.pdf")
    assert pdf.status == 200 and pdf.header("content-type") == "application/pdf"
    assert "attachment" in (pdf.header("content-disposition") or "")
    assert pdf.body.startswith(b"%PDF")


async def test_auditor_may_not_generate_a_report(
    client: AsgiClient, users: dict[str, str], settings: Settings
) -> None:
    await client.login(role_login("auditor"))
    token = await client.csrf()
    reply = await client.post("/raporty", {"year": "2025", "lang": "pl", "csrf_token": token})
    assert reply.status == 403
    assert not (Path(settings.report.output_dir) / "pl").exists()


async def test_generating_without_the_csrf_token_is_refused(
    client: AsgiClient, users: dict[str, str], settings: Settings
) -> None:
    await client.login(role_login("it_officer"))
    reply = await client.post("/raporty", {"year": "2025", "lang": "pl"})
    assert reply.status == 403
    assert not (Path(settings.report.output_dir) / "pl").exists()


async def test_a_bad_year_is_named_and_nothing_is_written(
    client: AsgiClient, users: dict[str, str], settings: Settings
) -> None:
    await client.login(role_login("it_officer"))
    token = await client.csrf()
    reply = await client.post("/raporty", {"year": "dwa", "lang": "pl", "csrf_token": token})
    assert reply.status == 400 and "Podaj rok" in reply.text
    assert not (Path(settings.report.output_dir) / "pl").exists()


async def test_a_file_outside_the_report_names_is_not_served(
    client: AsgiClient, users: dict[str, str]
) -> None:
    await client.login(role_login("auditor"))
    for path in (
        "/raporty/pl/..%2Fitops.db",
        "/raporty/xx/raport-jakosci-2025.pdf",
        "/raporty/pl/raport-jakosci-2025.pdf",
    ):
        assert (await client.get(path)).status == 404


async def test_monitoring_officer_does_not_see_the_reports_page(
    client: AsgiClient, users: dict[str, str]
) -> None:
    await client.login(role_login("monitoring_officer"))
    assert (await client.get("/raporty")).status == 403
    home = await client.get("/")
    assert 'href="/raporty"' not in home.text


async def test_the_report_form_offers_the_year_in_progress_once_itops_has_watched_it(
    client: AsgiClient, users: dict[str, str], ctx: AppContext, settings: Settings
) -> None:
    """Clock 26.11.2026: no check watched any of 2026 yet, so the form offers 2025; with a
    check counted this year it offers 2026 (whose report says "stan na … (rok niepełny)")."""
    from checks.availability.service import SERVICE

    await client.login(role_login("it_officer"))
    assert (
        'id="report-year" name="year" inputmode="numeric" size="5" required value="2025"'
        in (await client.get("/raporty")).text
    )
    ctx.settings = settings.model_copy(
        update={"checks": make_settings(settings.storage.url, checks=[CHECK]).checks}
    )
    SERVICE.of(ctx).refresh_year()  # the cache job, as the daemon runs it after a reload
    assert 'required value="2026"' in (await client.get("/raporty")).text


CHECK = {"name": "poczta", "kind": "tcp", "host": "127.0.0.1", "port": 1}
