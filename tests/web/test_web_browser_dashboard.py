"""The system page, the Pulpit, the public status page and a backup's detail page in
Debian's chromium against the real daemon (issue 15 'Done when'): each role and an
anonymous resident, axe-core at laptop (1366), tablet (768) and phone (320 px) widths, no
sideways scrolling, the same pages in English (no Polish text of theirs, charts labelled
in English), the status page without JavaScript, and the month bar's minutes equal to
``itops availability --check NAME --json`` for that month. Screenshots (make screenshots):
test-output/screenshots/.

One module daemon and one browser for all of it (browser tests are the slow part): each
page is loaded once per role and then looked at in every width by resizing the viewport.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
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

from .browser import ROOT, Browser, Daemon, Target

pytestmark = [pytest.mark.slow]

CHECK = "serwer-bip-wew"
PUBLIC = "Biuletyn Informacji Publicznej"
BACKUP = "kopia-serwera-bip"
# a backup's earlier looks: days ago, MiB, the job's minutes (as a push job's pings tell)
BACKUP_RUNS = ((3, 120, 14), (2, 130, 16), (1, 150, 21))
WIDTHS = {"laptop": 1366, "tablet": 768, "telefon": 320}
SVG = "{http://www.w3.org/2000/svg}"
TZ = ZoneInfo("Europe/Warsaw")


@pytest.fixture(scope="module")
def daemon_config_extra(target: Target, tmp_path_factory: pytest.TempPathFactory) -> str:
    files = tmp_path_factory.mktemp("kopie")
    (files / "kopia-2026.tar.gz").write_bytes(b"x" * 4096)
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

[[backups]]
name = "{BACKUP}"
kind = "file"
path = "{files}/*.tar.gz"
max_age = "26h"

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
    from checks.backups.models import BackupRun

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
            for n, (days, mib, minutes) in enumerate(BACKUP_RUNS):
                db.add(
                    BackupRun(
                        backup=BACKUP,
                        at=datetime.now(UTC) - timedelta(days=days, hours=n),
                        mode="look",
                        status=0,
                        summary="",
                        size=mib * 2**20,
                        duration=0.01,
                        job_duration=minutes * 60.0,
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


# The new pages of issue 15 a signed-in role opens: (name, path, who may open it).
PAGES = (
    ("system", f"/systemy/{CHECK}", ROLES),
    ("pulpit", "/", ROLES),
    ("status", "/status", ROLES),
    ("backup", f"/backups/{BACKUP}", ("admin", "it_officer", "auditor")),
)
# Their texts, where the English page must not show the Polish.
SOURCES = (
    "checks/availability/templates/system.html",
    "checks/availability/templates/status.html",
    "checks/availability/system_web.py",
    "checks/availability/status_page.py",
    "checks/availability/pulpit.py",
    "checks/backups/templates/backup_detail.html",
    "checks/backups/web.py",
    "checks/backups/charts.py",
    "itops/web/templates/home.html",
    "itops/web/templates/base.html",
)
POLISH_LETTERS = re.compile(r"\w*[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]\w*")
# What the configuration and the seed write, shown as written in either language.
DATA = (
    "Urząd Testowy w Przykładowie",
    "Stan e-usług urzędu",
    "Wymiana dysku (wewnętrzne)",
    "wewnętrzna notatka",
)


def _look_at_every_width(web: Browser, name: str) -> None:
    """The loaded page at each width (resized, not reloaded): no sideways scrolling, axe."""
    for size, width in WIDTHS.items():
        web.page.set_viewport_size({"width": width, "height": 900})
        _no_sideways_scroll(web, f"{name}, {width}px")
        web.check_page(f"{name}-{size}")


def _open_page(web: Browser, name: str, path: str, lang: str = "pl") -> None:
    reply = web.open(path)
    assert reply.status == 200, (name, path, reply.status)
    heading = {
        "system": CHECK,
        "pulpit": "Pulpit" if lang == "pl" else "Dashboard",
        "status": PUBLIC,
        "backup": BACKUP,
    }[name]
    expect(web.page.get_by_role("heading", name=heading).first).to_be_visible()
    if name == "system":
        expect(web.page.locator("svg#months")).to_be_visible()
    if name == "pulpit":
        expect(web.page.locator("svg#office-days")).to_be_visible()
    if name == "backup":
        expect(web.page.locator("svg#backup-size")).to_be_attached()
        expect(web.page.locator("svg#backup-duration")).to_be_attached()


def test_each_role_opens_every_new_page_at_every_width(chromium: Any, seeded: Daemon) -> None:
    context, web = _page(chromium, seeded, WIDTHS["laptop"])
    try:
        for role in ROLES:
            web.login(role)
            for name, path, allowed in PAGES:
                if role not in allowed:
                    assert web.open(path).status == 403, (role, path)
                    continue
                _open_page(web, name, path)
                _look_at_every_width(web, f"{name}-{role}")
                web.page.set_viewport_size({"width": WIDTHS["laptop"], "height": 900})
            web.logout()
        # An anonymous resident: the status page (below), and a sign-in for the rest.
        for name, path, _ in PAGES:
            if name != "status":
                web.open(path)
                assert web.page.url.startswith(seeded.url + "/login"), (name, web.page.url)
    finally:
        context.close()


def _polish_texts() -> list[str]:
    """The Polish texts of these pages whose English differs (from their templates and
    modules), longest first: a shorter one inside a longer one is looked for after it."""
    from itops import i18n
    from itops.plugins import features

    for feat in features():  # as the app does: each feature's English rows
        i18n.register(feat.translations)
    en = i18n.translator("en")
    found: set[str] = set()
    for source in SOURCES:
        text = (ROOT / source).read_text(encoding="utf-8")
        for match in re.finditer(r"""_\(\s*(["'])((?:(?!\1).)+)\1\s*\)""", text):
            words = match.group(2)
            if len(words) >= 4 and en(words) != words:
                found.add(words)
    return sorted(found, key=len, reverse=True)


def _english_text(web: Browser) -> str:
    """Everything the page says, charts' <title>/<text> and folded tables included,
    without the parts marked as Polish (the PL link, an officer's note) and the data."""
    text = str(
        web.page.evaluate(
            "() => { const b = document.body.cloneNode(true);"
            " b.querySelectorAll('[lang=pl], script, style').forEach(e => e.remove());"
            " b.querySelectorAll('*').forEach(e => e.append(' '));"
            " return b.textContent; }"
        )
    )
    for data in DATA:
        text = text.replace(data, " ")
    return re.sub(r"\s+", " ", text)


def _polish_on(web: Browser, polish: list[str]) -> list[str]:
    """The Polish texts (with some context) and the words with Polish letters on the page."""
    assert web.page.locator("html").get_attribute("lang") == "en"
    text = _english_text(web)
    shown = [
        text[max(0, m.start() - 40) : m.end() + 20]
        for p in polish
        if (m := re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text))
    ]
    return shown + sorted(set(POLISH_LETTERS.findall(text)))


def test_the_new_pages_in_english_have_no_polish_and_english_charts(
    chromium: Any, seeded: Daemon
) -> None:
    polish = _polish_texts()
    assert "Czas odpowiedzi usługi" in polish and "Rozmiar kopii w czasie" in polish
    context, web = _page(chromium, seeded, WIDTHS["laptop"])
    try:
        web.login("it_officer")
        web.open("/lang/en?next=/")
        found: dict[str, list[str]] = {}
        for name, path, _ in PAGES:
            _open_page(web, name, path, "en")
            found[name] = _polish_on(web, polish)
            _look_at_every_width(web, f"{name}-en")
            web.page.set_viewport_size({"width": WIDTHS["laptop"], "height": 900})
        assert {k: v for k, v in found.items() if v} == {}, "Polish on English pages"
        web.open(f"/systemy/{CHECK}")
        titles = web.page.locator("svg.chart > title").all_text_contents()
        assert "TCP connect time, 24 h" in titles, titles  # what a tcp probe measures
        months = web.page.locator("svg#months text.bar-label").all_text_contents()
        assert months[0] == "Jan", months
        web.open(f"/backups/{BACKUP}")
        size = web.page.locator("svg#backup-size > title").text_content()
        assert size == "Backup size over time", size
        took = web.page.locator("svg#backup-duration > title").text_content()
        assert took == "Backup duration over time", took
        table = web.page.locator("svg#backup-duration").locator("xpath=../..").locator("td")
        assert "21 min" in table.all_text_contents()
    finally:
        context.close()
    context, web = _page(chromium, seeded, WIDTHS["telefon"])
    try:  # the resident, who picks English on the status page itself
        web.open("/status")
        web.page.get_by_role("link", name="EN", exact=True).click()
        expect(web.page.locator("html")).to_have_attribute("lang", "en")
        assert _polish_on(web, polish) == [], "Polish on the English status page"
        _look_at_every_width(web, "status-anonim-en")
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
