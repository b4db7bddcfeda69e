"""Installed software from agent reports (through the real agent API), searchable on the
page and the CLI; the licences ledger warns on too many installations and near expiry."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from inventory import software
from inventory.api import create_token
from inventory.models import InstalledSoftware, Licence
from itops.clock import FixedClock
from itops.context import AppContext
from itops.db.session import session_scope
from itops.errors import ValidationError
from tests.conftest import write_config
from tests.inventory.conftest import RunningServer
from tests.inventory.test_agent import _post
from tests.inventory.test_web import Client, _user

NOW = datetime.now(UTC).replace(microsecond=0)
ITOPS = str(Path(sys.executable).parent / "itops")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def report(host: str, packages: list[tuple[str, str, str]] | None) -> bytes:
    body: dict[str, Any] = {"hostname": host, "collected_at": NOW.isoformat()}
    if packages is not None:
        body["software"] = [{"name": n, "version": v, "publisher": p} for n, v, p in packages]
    return json.dumps(body).encode()


def send(ctx: AppContext, server: RunningServer, host: str, packages: Any) -> None:
    with session_scope(ctx.sessions) as db:
        token = create_token(db, host, NOW)
    code, answer = _post(server.url, token, report(host, packages))
    assert code == 200, answer


SEVEN_19 = ("7-Zip 19.00 (x64)", "19.00", "Igor Pavlov")
SEVEN_23 = ("7-Zip 23.01 (x64)", "23.01", "Igor Pavlov")
OFFICE = ("Microsoft Office LTSC Standard 2021", "16.0.14332", "Microsoft Corporation")


def office(ctx: AppContext, server: RunningServer) -> None:
    send(ctx, server, "demo-pc-01", [SEVEN_19, OFFICE])
    send(ctx, server, "DEMO-PC-02", [SEVEN_23, OFFICE])
    send(ctx, server, "demo-pc-03", [OFFICE, ("Reader 100%_pro", "1", "DEMO")])


def test_reports_replace_a_hosts_list_and_a_report_without_one_keeps_it(
    ctx: AppContext, server: RunningServer
) -> None:
    office(ctx, server)
    send(ctx, server, "demo-pc-01", [SEVEN_23])  # 7-Zip updated, Office removed
    send(ctx, server, "DEMO-PC-02", None)  # an agent run with --no-software
    with session_scope(ctx.sessions) as db:
        assert software.software_of(db, "demo-pc-01") == [SEVEN_23]
        assert software.software_of(db, "demo-pc-02") == [SEVEN_23, OFFICE]  # lower case
        hits = software.search(db, "7-zip", "19")
        assert hits == []
        hits = software.search(db, "7-ZIP")
        assert [(h.host, h.version) for h in hits] == [
            ("demo-pc-01", "23.01"),
            ("demo-pc-02", "23.01"),
        ]
        assert [h.host for h in software.search(db, "100%")] == ["demo-pc-03"]  # % is literal
        assert software.search(db, "100__pro") == []  # _ is literal too (not "any one")
        with pytest.raises(ValidationError, match="fragment"):
            software.search(db, "  ")


def test_a_refused_report_writes_no_software(ctx: AppContext, server: RunningServer) -> None:
    with session_scope(ctx.sessions) as db:
        token = create_token(db, "demo-pc-09", NOW)
    body = json.loads(report("demo-pc-09", [SEVEN_19]))
    body["software"].append({"name": "", "version": "1"})
    code, _answer = _post(server.url, token, json.dumps(body).encode())
    assert code == 422
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(InstalledSoftware)) == 0


def test_licences_warn_on_more_installations_than_seats_and_near_expiry(
    ctx: AppContext, server: RunningServer
) -> None:
    office(ctx, server)
    today = NOW.date()
    with session_scope(ctx.sessions) as db:
        software.add_licence(db, "MS Office 2021", "Office LTSC Standard 2021", 2, "FV 1/2026")
        software.add_licence(db, "7-Zip", "", 0)  # no match given: the product name counts
        software.add_licence(db, "Antywirus", "Nic takiego", 5, "", today + timedelta(days=30))
        software.add_licence(db, "Stary", "Nic takiego", 5, "", today - timedelta(days=1))
        software.add_licence(db, "Długi", "Nic takiego", 5, "", today + timedelta(days=31))
        rows = {r.product: r for r in software.licence_rows(db, today)}
    assert (rows["MS Office 2021"].installed, rows["MS Office 2021"].problems) == (
        3,
        ("over_seats",),
    )
    assert rows["MS Office 2021"].hosts == ("demo-pc-01", "demo-pc-02", "demo-pc-03")
    assert rows["7-Zip"].problems == ("over_seats",)
    assert rows["Antywirus"].problems == ("expiring",)
    assert rows["Stary"].problems == ("expired",)
    assert rows["Długi"].problems == ()


def test_a_bad_licence_names_every_problem_and_writes_nothing(ctx: AppContext) -> None:
    with pytest.raises(ValidationError) as info, session_scope(ctx.sessions) as db:
        software.add_licence(db, " ", "", -1, "x" * 201)
    assert str(info.value) == (
        "product is empty; give the installed name to count; seats must not be negative; "
        "document: at most 200 characters"
    )
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Licence)) == 0


@pytest.fixture
async def web(server: RunningServer) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield Client(s, server.url)


async def test_the_page_finds_who_still_runs_7zip_19_and_adds_a_licence(
    ctx: AppContext, server: RunningServer, web: Client
) -> None:
    office(ctx, server)
    _user(ctx, "informatyk", "it_officer")
    await web.login("informatyk")
    status, page = await web.get("/inventory/software?q=7-zip&version=19")
    assert status == 200
    table = page[page.index('id="sw-count"') : page.index('id="licences"')]
    assert "Znaleziono: 1 instalacji na 1 komputerach" in table
    assert "demo-pc-01" in table and "demo-pc-02" not in table
    status, page = await web.post(
        "/inventory/licences",
        {"product": "MS Office 2021", "match": "Office LTSC", "seats": "2", "expires_on": ""},
    )
    assert status == 200  # followed the redirect
    licences = page[page.index('id="licences"') :]
    assert "więcej instalacji niż licencji" in licences
    status, page = await web.post("/inventory/licences", {"product": "X", "seats": "dwa"})
    assert status == 400 and "liczba licencji: podaj liczbę całkowitą" in page
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Licence)) == 1


def test_the_cli_answers_the_same_question(
    ctx: AppContext, server: RunningServer, tmp_path: Path
) -> None:
    office(ctx, server)
    config = write_config(tmp_path / "itops.toml", ctx.settings.storage.url)
    done = subprocess.run(
        [ITOPS, "--config", str(config), "inventory", "software", "7-Zip", "--version", "19"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["demo-pc-01\t-\t7-Zip 19.00 (x64)\t19.00\tIgor Pavlov"]
    assert "1 installations on 1 computers" in done.stderr
    with session_scope(ctx.sessions) as db:
        software.add_licence(db, "MS Office 2021", "Office LTSC", 2, "FV 1/2026", date(2099, 1, 1))
    done = subprocess.run(
        [ITOPS, "--config", str(config), "inventory", "licence", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == "MS Office 2021\t3/2\t2099-01-01\tFV 1/2026\tover_seats\n"
