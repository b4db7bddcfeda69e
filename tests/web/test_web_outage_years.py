"""The "Awarie" list by year, searched and paged in SQL (issue 13 'The dashboard as people use it').

The page offered only this year and built the whole year's figures in memory to filter
and page a Python list. Now ``rok`` picks the year (this one by default; the picker offers
the years itops has data of), the database filters, counts and pages, and each row shows
what it showed before: the cause now and the original one, the minutes in working hours
as the year's figures count them. In process, both engines (the clock: 26 November 2026).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks.availability import outage_list
from checks.availability.entry import reclassify
from checks.availability.models import Outage
from checks.availability.service import SERVICE
from itops.config import Settings, load
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.web.app import create_app
from tests.conftest import write_config

from .conftest import AsgiClient

CHECKS = """
[[checks]]
name = "bip"
kind = "tcp"
host = "127.0.0.1"
port = 1

[[checks]]
name = "strona-www"
kind = "tcp"
host = "127.0.0.1"
port = 2
"""
ROW = re.compile(r'<tr data-outage="(\d+)">')
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "itops.toml", db_url, extra=CHECKS)


@pytest.fixture
def settings(config: Path) -> Settings:
    return load(config)


def _add(
    ctx: AppContext,
    count: int,
    first: datetime,
    check: str = "bip",
    note: str = "",
    minutes: int | None = 10,
) -> list[int]:
    """``count`` outages a day apart from ``first`` (``minutes`` None: still going)."""
    ids = []
    with session_scope(ctx.sessions) as db:
        for n in range(count):
            start = first + timedelta(days=n)
            row = Outage(
                check_name=check,
                unit_id="office",
                start=start,
                end=None if minutes is None else start + timedelta(minutes=minutes),
                cause="failure",
                note=note,
                created_at=start,
            )
            db.add(row)
            db.flush()
            ids.append(row.id)
    return ids


async def _client(ctx: AppContext, login: str) -> AsgiClient:
    client = AsgiClient(create_app(ctx))
    await client.login(login)
    return client


def _no_year_computed(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("the outage list computed the year's figures")

    monkeypatch.setattr(SERVICE.of(ctx), "refresh_year", refuse)


async def test_the_year_picker_shows_one_year_and_another_years_outage_does_not_show(
    ctx: AppContext, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    last_year = _add(ctx, 3, datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    this_year = _add(ctx, 2, datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    _no_year_computed(ctx, monkeypatch)
    client = await _client(ctx, users["auditor"])
    default = await client.get("/systemy/awarie")
    assert default.status == 200
    assert sorted(int(i) for i in ROW.findall(default.text)) == this_year
    options = re.findall(r'<option value="(\d{4})"( selected)?>', default.text)
    assert options == [("2026", " selected"), ("2025", "")]  # no year without data
    past = await client.get("/systemy/awarie?rok=2025")
    assert past.status == 200 and "Awarie 2025" in past.text
    assert sorted(int(i) for i in ROW.findall(past.text)) == last_year
    assert '<option value="2025" selected>' in past.text


async def test_the_year_picker_counts_years_in_office_time(
    ctx: AppContext, users: dict[str, str]
) -> None:
    """00:30 on 1 January 2026 in Warsaw is 31 December 2025 in UTC: no 2025 to pick (its
    list would be empty); 23:30 on 31 December 2024 in Warsaw is 2024's."""
    _add(ctx, 1, datetime(2025, 12, 31, 23, 30, tzinfo=UTC), minutes=20)
    _add(ctx, 1, datetime(2024, 12, 31, 22, 30, tzinfo=UTC), minutes=20)
    client = await _client(ctx, users["auditor"])
    reply = await client.get("/systemy/awarie")
    options = re.findall(r'<option value="(\d{4})"', reply.text)
    assert options == ["2026", "2024"]


async def test_an_outage_still_going_offers_every_year_since_it_began(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _add(ctx, 1, datetime(2024, 6, 3, 9, 0, tzinfo=UTC), minutes=None)
    client = await _client(ctx, users["auditor"])
    reply = await client.get("/systemy/awarie")
    assert re.findall(r'<option value="(\d{4})"', reply.text) == ["2026", "2025", "2024"]


async def test_outages_of_a_year_come_newest_first_and_the_pages_keep_the_year(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _add(ctx, 60, datetime(2025, 2, 1, 9, 0, tzinfo=UTC))
    _add(ctx, 5, datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    client = await _client(ctx, users["auditor"])
    reply = await client.get("/systemy/awarie?rok=2025")
    with read_scope(ctx.sessions) as db:
        starts = {o.id: o.start for o in db.query(Outage)}
    ids = [int(i) for i in ROW.findall(reply.text)]
    shown = [starts[i] for i in ids]
    assert len(ids) == 50 and shown == sorted(shown, reverse=True)
    assert shown[0] == datetime(2025, 2, 1, 9, 0, tzinfo=UTC) + timedelta(days=59)
    assert 'href="?rok=2025&amp;strona=2"' in reply.text and "1–50 z 60" in reply.text
    second = await client.get("/systemy/awarie?rok=2025&strona=2")
    assert len(ROW.findall(second.text)) == 10
    assert all(starts[int(i)].year == 2025 for i in ROW.findall(second.text))


async def test_a_search_counts_its_hits_over_pages_and_only_in_the_chosen_year(
    ctx: AppContext, users: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(ctx, 70, datetime(2026, 1, 2, 9, 0, tzinfo=UTC), note="Łącze operatora 50%")
    _add(ctx, 30, datetime(2026, 4, 1, 9, 0, tzinfo=UTC), note="zasilacz")
    _add(ctx, 4, datetime(2025, 5, 5, 9, 0, tzinfo=UTC), note="łącze")  # another year
    _add(ctx, 3, datetime(2026, 9, 1, 9, 0, tzinfo=UTC), check="strona-www", note="łącze")
    _no_year_computed(ctx, monkeypatch)
    client = await _client(ctx, users["auditor"])
    first = await client.get("/systemy/awarie?q=%C5%82%C4%85cze")  # "łącze", lower case
    assert first.status == 200
    assert "1–50 z 73" in first.text and "Strona 1 / 2" in first.text
    second = await client.get("/systemy/awarie?q=%C5%82%C4%85cze&strona=2")
    assert len(ROW.findall(second.text)) == 23
    only = await client.get("/systemy/awarie?q=%C5%81%C4%84CZE&system=strona-www")
    assert len(ROW.findall(only.text)) == 3  # "ŁĄCZE": case folded on both engines
    # "%" is a character searched for, not a wildcard
    percent = await client.get("/systemy/awarie?q=50%25")
    assert "z 70" in percent.text
    assert "z 4" in (await client.get("/systemy/awarie?q=%C5%82%C4%85cze&rok=2025")).text


async def test_each_row_shows_what_the_years_figures_say_of_it(
    ctx: AppContext, users: dict[str, str]
) -> None:
    """Minutes in working hours, the cause now and the original one, as the in-memory
    year had them: one outage on a Sunday (0 min), one reclassified, one still going."""
    ids = _add(ctx, 9, datetime(2026, 6, 1, 6, 30, tzinfo=UTC), minutes=95)  # 1 June: Monday
    going = _add(ctx, 1, NOW - timedelta(hours=1), check="strona-www", minutes=None)[0]
    with session_scope(ctx.sessions) as db:
        reclassify(db, ids[2], "planned", "anna", "przegląd", NOW)
        reclassify(db, ids[2], "external", "anna", "jednak operator", NOW)
    report = SERVICE.of(ctx).refresh_year()
    expected = {o.id: o.working_seconds for o in report.outages}
    with read_scope(ctx.sessions) as db:
        filters = outage_list.Filters(2026)
        listed = outage_list.page(db, ctx.settings, filters, 0, 50, NOW)
    assert {item.outage.id: item.working_seconds for item in listed} == {
        i: expected.get(i, 0.0) for i in [*ids, going]
    }
    assert expected[ids[0]] > 0 and ids[6] not in expected  # 7 June 2026: a Sunday
    by_id = {item.outage.id: item for item in listed}
    assert (by_id[ids[2]].cause, by_id[ids[2]].changes) == ("external", 2)
    client = await _client(ctx, users["auditor"])
    page = await client.get("/systemy/awarie")
    row = page.text.split(f'<tr data-outage="{ids[2]}">', 1)[1].split("</tr>", 1)[0]
    assert "<td>zewnętrzna <small>(Pierwotna przyczyna: awaria)</small></td>" in row
    minutes = f"{expected[ids[0]] / 60:.1f}".replace(".", ",")
    first = page.text.split(f'<tr data-outage="{ids[0]}">', 1)[1].split("</tr>", 1)[0]
    assert f"<td>{minutes}</td>" in first
    ongoing = page.text.split(f'<tr data-outage="{going}">', 1)[1].split("</tr>", 1)[0]
    assert "trwa" in ongoing


async def test_the_current_year_says_it_is_in_progress_and_a_past_one_does_not(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _add(ctx, 1, datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    client = await _client(ctx, users["auditor"])
    now = await client.get("/systemy/awarie")
    assert "stan na 26.11.2026 (rok niepełny)" in now.text
    assert "rok niepełny" not in (await client.get("/systemy/awarie?rok=2025")).text


@pytest.mark.parametrize(
    ("rok", "status", "says"),
    [
        ("abc", 400, "nie jest liczbą całkowitą"),
        ("%00", 400, "Pole „rok”"),
        ("99999", 400, "Pole „rok”"),
        ("²", 400, "Pole „rok”"),
        ("2019", 404, "itops nie ma danych z roku 2019: pokazano rok 2026"),
    ],
)
async def test_a_bad_year_gets_the_page_with_a_message_never_a_server_error(
    ctx: AppContext, users: dict[str, str], rok: str, status: int, says: str
) -> None:
    ids = _add(ctx, 2, datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    client = await _client(ctx, users["auditor"])
    reply = await client.get(f"/systemy/awarie?rok={rok}")
    assert reply.status == status and says in reply.text
    assert sorted(int(i) for i in ROW.findall(reply.text)) == ids  # this year's list
