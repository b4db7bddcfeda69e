"""The system page, the Pulpit and the public status page in Debian's chromium against the
real daemon (issue 15 'Done when'): each role and an anonymous resident, axe-core at
laptop (1366), tablet (768) and phone (320 px) widths, no sideways scrolling, the status
page without JavaScript, and the month bar's minutes equal to ``itops availability
--check NAME --json`` for that month. Screenshots: test-output/screenshots/.

One module daemon and one browser for all of it (browser tests are the slow part).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from itops.auth import ROLES
from itops.charts import fmt_number
from itops.db.session import make_engine

from .browser import Browser, Daemon
from .test_web_browser import Target

pytestmark = [pytest.mark.slow]

CHECK = "serwer-bip-wew"
PUBLIC = "Biuletyn Informacji Publicznej"
WIDTHS = {"laptop": 1366, "tablet": 768, "telefon": 320}
SVG = "{http://www.w3.org/2000/svg}"
TZ = ZoneInfo("Europe/Warsaw")


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    service = Target()
    yield service
    service.close()


@pytest.fixture(scope="module")
def daemon_config_extra(target: Target) -> str:
    ahead = (datetime.now(TZ) + timedelta(days=3)).replace(hour=18, minute=0, second=0)
    return f"""
[[checks]]
name = "{CHECK}"
kind = "tcp"
host = "127.0.0.1"
port = {target.port}
interval = "1s"
timeout = "1s"
confirm = 1

[[maintenance]]
name = "Wymiana dysku (wewnętrzne)"
checks = ["{CHECK}"]
start = {ahead.strftime("%Y-%m-%dT%H:%M:%S")}
end = {(ahead + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")}

[status_page]
enabled = true
title = "Stan e-usług urzędu"
services = [{{ check = "{CHECK}", name = "{PUBLIC}" }}]
"""


def _working_morning(before: date) -> datetime:
    """10:00 local on the last weekday before ``before`` that is not a public holiday
    (the test office works Monday to Friday)."""
    holidays = {(1, 1), (1, 6), (5, 1), (5, 3), (8, 15), (11, 1), (11, 11), (12, 25), (12, 26)}
    day = before - timedelta(days=1)
    while day.weekday() >= 5 or (day.month, day.day) in holidays or day == date(day.year, 8, 14):
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, tzinfo=TZ).astimezone(UTC)


@pytest.fixture(scope="module")
def seeded(daemon: Daemon) -> Daemon:
    """Two outages of the check in working hours, written straight into the daemon's
    database: one this month (or the last working day before it), one a month earlier.
    The check is recorded as watched since before both: time before a check's first
    configuration is not watched, and an outage there would not count."""
    from checks.availability.models import CheckHistory, Outage, ProbeResultRow

    today = datetime.now(TZ).date()
    first = _working_morning(today)
    second = _working_morning(first.astimezone(TZ).date() - timedelta(days=28))
    engine = make_engine(f"sqlite:///{daemon.workdir / 'itops.db'}")
    try:
        with Session(engine) as db, db.begin():
            # The daemon recorded the check as added when it started; it was there before.
            added = db.scalars(select(CheckHistory).where(CheckHistory.check_name == CHECK)).one()
            added.at = second - timedelta(days=3)
            for start, minutes in ((first, 37), (second, 95)):
                db.add(
                    Outage(
                        check_name=CHECK,
                        unit_id="office",
                        start=start,
                        end=start + timedelta(minutes=minutes),
                        cause="failure",
                        summary="ECONNREFUSED wewn",
                        note="wewnętrzna notatka",
                        created_at=datetime.now(UTC),
                    )
                )
            db.add(
                ProbeResultRow(
                    check_name=CHECK,
                    at=second - timedelta(days=2),
                    status=0,
                    duration=0.01,
                    reason="sample",
                )
            )
    finally:
        engine.dispose()
    return daemon


def _page(chromium: Any, daemon: Daemon, width: int, **kw: Any) -> tuple[Any, Browser]:
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="pl-PL", **kw)
    context.set_default_timeout(20_000)
    return context, Browser(context.new_page(), daemon)


def _no_sideways_scroll(web: Browser, what: str) -> None:
    overflow = web.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    wide = web.page.evaluate(
        "Array.from(document.querySelectorAll('body *')).filter(e => "
        "e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
    )
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px: {wide}"


def _month_notes(web: Browser) -> list[str]:
    svg = web.page.locator("svg#months").evaluate("e => e.outerHTML")
    root = ET.fromstring(svg)  # noqa: S314 - our own page
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == "bar-note"]


def test_each_role_opens_the_system_page_and_the_pulpit_at_every_width(
    chromium: Any, seeded: Daemon
) -> None:
    for role in ROLES:
        widths = WIDTHS if role == "it_officer" else {"laptop": WIDTHS["laptop"]}
        context, web = _page(chromium, seeded, WIDTHS["laptop"])
        try:
            web.login(role)
            for size, width in widths.items():
                web.page.set_viewport_size({"width": width, "height": 900})
                web.open(f"/systemy/{CHECK}")
                expect(web.page.get_by_role("heading", name=CHECK)).to_be_visible()
                _no_sideways_scroll(web, f"system page, {role}, {width}px")
                web.check_page(f"system-{role}-{size}")
                web.open("/")
                expect(web.page.get_by_role("heading", name="Pulpit")).to_be_visible()
                expect(web.page.locator("svg#office-days")).to_be_visible()
                _no_sideways_scroll(web, f"Pulpit, {role}, {width}px")
                web.check_page(f"pulpit-{role}-{size}")
        finally:
            context.close()


def test_month_bars_show_the_minutes_the_cli_gives(chromium: Any, seeded: Daemon) -> None:
    context, web = _page(chromium, seeded, WIDTHS["laptop"])
    try:
        web.login("auditor")
        web.open(f"/systemy/{CHECK}")
        notes = _month_notes(web)
        today = datetime.now(TZ).date()
        assert len(notes) == today.month
        earlier = _working_morning(
            _working_morning(today).astimezone(TZ).date() - timedelta(days=28)
        )
        # The months with an outage; in January the earlier one falls in last year, off the bars.
        local = [day.astimezone(TZ) for day in (_working_morning(today), earlier)]
        checked = {day.month for day in local if day.year == today.year}
        assert checked or today.month == 1  # only early January has both in last year
        for month in sorted(checked):
            lo = date(today.year, month, 1)
            hi = date(today.year + (month == 12), month % 12 + 1, 1)
            done = seeded.cli(
                "availability",
                "--check",
                CHECK,
                "--from",
                lo.isoformat(),
                "--to",
                hi.isoformat(),
                "--json",
            )
            assert done.returncode == 0, done.stderr
            [figure] = json.loads(done.stdout)["checks"]
            minutes = fmt_number(round(figure["downtime_seconds"] / 60, 1), ",") + " min"
            assert notes[month - 1] == minutes, month
            assert figure["downtime_seconds"] > 0, month
    finally:
        context.close()


def test_resident_reads_the_status_page_at_every_width_and_without_javascript(
    chromium: Any, seeded: Daemon
) -> None:
    context, web = _page(chromium, seeded, WIDTHS["laptop"])
    try:
        for size, width in WIDTHS.items():
            web.page.set_viewport_size({"width": width, "height": 900})
            web.open("/status")
            expect(web.page.get_by_role("heading", name=PUBLIC)).to_be_visible()
            expect(web.page.locator("li.service .badge")).to_have_text(re.compile("działa"))
            _no_sideways_scroll(web, f"status page, {width}px")
            web.check_page(f"status-{size}")
        text = web.page.locator("body").inner_text()
        for internal in (CHECK, "127.0.0.1", "wewn", "ECONNREFUSED", "Wymiana dysku"):
            assert internal not in text
        cells = web.page.locator("svg#status-days-0 rect.cell")
        expect(cells).to_have_count(90)
        planned = web.page.get_by_role("region", name="Planowane prace")
        expect(planned).to_contain_text(PUBLIC)
    finally:
        context.close()
    context, web = _page(chromium, seeded, 320, java_script_enabled=False)
    try:
        web.open("/status")
        expect(web.page.get_by_role("heading", name=PUBLIC)).to_be_visible()
        web.screenshot("status-bez-js")
    finally:
        context.close()
