"""The IT officer's daily flows in Debian's chromium against the real daemon, and a tour
of every page: each menu entry, for every role that sees it, at laptop and tablet width.

Screenshots go to test-output/screenshots/ (ignored by git); every page is checked
with axe-core (no serious or critical WCAG 2.1 AA violation), for sideways scrolling at
tablet width, for raw snake_case keys in the visible text (Polish and English), and
for reading with JavaScript disabled.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from itops.auth import ROLES

from .browser import LAPTOP, Browser, Daemon, Target

pytestmark = [pytest.mark.slow]

UP, DOWN = "serwer-dziedzinowy", "poczta-testowa"
TABLET_768 = {"width": 768, "height": 1024}

GOOD_CSV = (
    "inventory_no;category;manufacturer;model;serial;purchase_date;purchase_document;price;"
    "location;holder;status;retired_date\n"
    "INV-TEST-0001;desktop;Dell;OptiPlex 7010;SN-TEST-0001;2026-02-10;FV/TEST/1/2026;3200,00;"
    "pokój 12;Jan Testowy;in_use;\n"
    "INV-TEST-0002;laptop;Lenovo;ThinkPad T14;SN-TEST-0002;2025-05-05;FV/TEST/2/2025;4100,00;"
    "pokój 14;;in_repair;\n"
    "INV-TEST-0003;printer;HP;LaserJet 400;SN-TEST-0003;2019-01-10;FV/TEST/3/2019;900;"
    "sekretariat;;retired;2026-03-01\n"
)
BAD_CSV = (
    "inventory_no;category;manufacturer;model;serial;purchase_date;purchase_document;price;"
    "location;holder;status;retired_date\n"
    "INV-TEST-0101;desktop;Dell;OptiPlex 3000;SN-TEST-0101;2026-03-01;FV/TEST/9/2026;2900;"
    "pokój 3;;in_use;\n"
    "INV-TEST-0102;toster;Dell;OptiPlex 3000;SN-TEST-0102;2026-03-01;FV/TEST/9/2026;2900;"
    "pokój 3;;in_use;\n"
)

# Raw internal keys ("in_use", "component_replacement") must never reach the reader.
SNAKE_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")

# Pages reached from the menu or one click away, per role (the tour adds every menu entry).
SUB_PAGES: dict[str, tuple[str, ...]] = {
    "admin": (
        "/inventory/new",
        "/inventory/asset/1",
        "/inventory/kpi",
        "/inventory/stock",
        "/inventory/employees/1",
        "/backups/kopia-plikow",
    ),
    "it_officer": ("/inventory/asset/1", "/inventory/kpi", "/backups/kopia-plikow"),
    "auditor": ("/register/notices", "/inventory/asset/1"),
    "monitoring_officer": ("/register/notices",),
}


@pytest.fixture(scope="module")
def up_target(target: Target) -> Target:
    return target


@pytest.fixture(scope="module")
def down_target() -> Iterator[Target]:
    with Target() as service:
        yield service


@pytest.fixture(scope="module")
def daemon_config_extra(
    up_target: Target, down_target: Target, tmp_path_factory: pytest.TempPathFactory
) -> str:
    backups = tmp_path_factory.mktemp("kopie")
    (backups / "kopia-2026.tar.gz").write_bytes(b"x" * 4096)
    checks = "".join(
        f"""
[[checks]]
name = "{name}"
kind = "tcp"
host = "127.0.0.1"
port = {target.port}
interval = "1s"
timeout = "1s"
confirm = 1
"""
        for name, target in ((UP, up_target), (DOWN, down_target))
    )
    return (
        checks
        + f"""
[availability]
flush_interval = "1s"

[[backups]]
name = "kopia-plikow"
kind = "file"
path = "{backups}/*.tar.gz"
max_age = "26h"

[[backups]]
name = "nas-testowy"
kind = "push"
token = "00000000-0000-4000-8000-00000000a001"
period = "1d"
grace = "1h"
"""
    )


@pytest.fixture(scope="module")
def seeded(daemon: Daemon) -> Daemon:
    """An inventory, an employee and §82 entries, entered the way an office would."""
    csv_file = daemon.workdir / "ewidencja.csv"
    csv_file.write_text(GOOD_CSV, encoding="utf-8")
    steps = [
        ("inventory", "import", str(csv_file)),
        (
            "inventory",
            "employee",
            "add",
            "P-TEST-001",
            "Jan Testowy",
            "--position",
            "referent",
            "--hired",
            "2020-01-02",
        ),  # the notice: `register notice` below, the one source (employee add --notice
        # would record the same entry and needs --as)
        (
            "register",
            "authorize",
            "--as",
            "web_admin",
            "--user",
            "web_monitoring_officer",
            "--scope",
            "computer_content,activity_logs",
            "--from",
            "2026-01-01",
        ),
        (
            "register",
            "notice",
            "--as",
            "web_admin",
            "--employee",
            "P-TEST-001",
            "--date",
            "2026-01-15",
            "--policy-version",
            "Regulamin Pracy 2026, §82",
        ),
    ]
    for step in steps:
        done = daemon.cli(*step)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    # an act must start after its authorisation was recorded and end before it is entered
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    end = start + timedelta(seconds=1)
    time.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()) + 0.2)
    done = daemon.cli(
        "register",
        "act",
        "--as",
        "web_monitoring_officer",
        "--employee",
        "P-TEST-001",
        "--resource",
        "INV-TEST-0001",
        "--scope",
        "activity_logs",
        "--purpose",
        "proper_use",
        "--justification",
        "Kontrola okresowa (dane testowe)",
        "--start",
        start.isoformat(),
        "--end",
        end.isoformat(),
        "--outcome",
        "Bez uwag",
    )
    assert done.returncode == 0, done.stderr
    return daemon


def asset_numbers(daemon: Daemon) -> set[str]:
    engine = create_engine(f"sqlite:///{daemon.workdir / 'itops.db'}")
    try:
        with engine.connect() as conn:
            return {str(n) for (n,) in conn.execute(text("SELECT inventory_no FROM inv_asset"))}
    finally:
        engine.dispose()


# --- flows -----------------------------------------------------------------------------


def test_it_officer_reclassifies_an_outage_of_a_target_that_went_down(
    web: Browser, seeded: Daemon, down_target: Target
) -> None:
    web.login("it_officer")
    down_target.close()
    row = web.page.locator("tbody tr", has_text=DOWN)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        web.open("/systemy/awarie")
        if row.count():
            break
        time.sleep(0.5)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("awaria")
    # the list has no form on its rows: "Zmień przyczynę" opens the one outage's form
    expect(row.locator("select")).to_have_count(0)
    outage_id = row.get_attribute("data-outage")
    row = web.page.locator(f'tr[data-outage="{outage_id}"]')  # the target may fail again
    row.get_by_role("link", name="Zmień przyczynę").click()
    web.page.get_by_label("Nowa przyczyna").select_option(label="zewnętrzna")
    web.page.get_by_label("Uzasadnienie").fill("Awaria łącza operatora (zgłoszenie TEST-1)")
    web.page.get_by_role("button", name="Zapisz").click()
    expect(web.page).to_have_url(re.compile(r"/systemy/awarie$"))
    expect(row).to_contain_text("Pierwotna przyczyna: awaria")
    expect(row.locator("td").nth(4)).to_contain_text("zewnętrzna")
    web.check_page("awarie-po-zmianie")


def test_it_officer_adds_an_asset_through_the_form(web: Browser, seeded: Daemon) -> None:
    web.login("it_officer")
    web.page.get_by_role("navigation", name="Nawigacja").get_by_role(
        "link", name="Ewidencja sprzętu"
    ).click()
    web.page.get_by_role("link", name="Dodaj sprzęt").click()
    web.page.get_by_label("Nr inwentarzowy").fill("INV-TEST-0200")
    web.page.get_by_label("Kategoria").select_option(label="laptop")
    web.page.get_by_label("Producent").fill("Dell")
    web.page.get_by_label("Model", exact=True).fill("Latitude 5440")
    web.page.get_by_label("Nr seryjny").fill("SN-TEST-0200")
    web.page.get_by_label("Data zakupu").fill("2026-04-15")
    web.page.get_by_label("Stan").select_option(label="w użyciu")
    web.page.get_by_role("button", name="Zapisz").click()
    expect(web.page).to_have_url(re.compile(r"/inventory/asset/\d+$"))
    expect(web.page.get_by_role("heading", level=1)).to_contain_text("INV-TEST-0200")
    expect(web.page.locator("main")).to_contain_text("zakup")
    web.check_page("sprzet-dodany")
    web.open("/inventory?q=Latitude")
    expect(web.page.locator("table").first).to_contain_text("INV-TEST-0200")


def test_it_officer_adds_a_repair_protocol_through_the_form(web: Browser, seeded: Daemon) -> None:
    web.login("it_officer")
    web.page.get_by_role("navigation", name="Nawigacja").get_by_role(
        "link", name="Protokoły napraw"
    ).click()
    form = web.page.locator("form[action='/inventory/repairs/new']")
    form.get_by_label("Numer").fill("PN/TEST/1/2026")
    form.get_by_label("Data").fill("2026-05-06")
    form.get_by_label("Nr inwentarzowy").fill("INV-TEST-0002")
    form.get_by_label("Rodzaj").select_option(label="wymiana podzespołu")
    form.get_by_label("Opis").fill("Wymiana dysku SSD")
    form.get_by_label("Technik").fill("Jan Testowy")
    form.get_by_role("button", name="Zapisz").click()
    expect(web.page).to_have_url(re.compile(r"/inventory/repairs$"))
    row = web.page.locator("tr", has=web.page.get_by_role("rowheader", name="PN/TEST/1/2026"))
    expect(row).to_contain_text("wymiana podzespołu")
    expect(row).to_contain_text("INV-TEST-0002")
    web.check_page("protokol-dodany")


def test_csv_with_a_bad_row_is_refused_naming_the_row_and_imports_nothing(
    web: Browser, seeded: Daemon
) -> None:
    upload = seeded.workdir / "zly-wiersz.csv"
    upload.write_text(BAD_CSV, encoding="utf-8")
    web.login("it_officer")
    web.open("/inventory")
    form = web.page.locator("form[action='/inventory/import']")
    form.get_by_label("Plik CSV").set_input_files(str(upload))
    form.get_by_role("button", name="Importuj").click()
    alert = web.page.get_by_role("alert")
    expect(alert).to_contain_text("nic nie zaimportowano")
    expect(alert).to_contain_text("Wiersz 3")
    expect(alert).to_contain_text("INV-TEST-0102")
    expect(alert).not_to_contain_text("Wiersz 2")
    web.check_page("import-odrzucony")
    assert not {"INV-TEST-0101", "INV-TEST-0102"} & asset_numbers(seeded)


def test_csv_import_from_the_dashboard_adds_every_row(web: Browser, seeded: Daemon) -> None:
    upload = seeded.workdir / "dobry.csv"
    upload.write_text(
        BAD_CSV.replace("toster", "monitor").replace("INV-TEST-01", "INV-TEST-05"), encoding="utf-8"
    )
    web.login("it_officer")
    web.open("/inventory")
    form = web.page.locator("form[action='/inventory/import']")
    form.get_by_label("Plik CSV").set_input_files(str(upload))
    form.get_by_role("button", name="Importuj").click()
    expect(web.page.get_by_role("status")).to_contain_text("Zaimportowano pozycji: 2")
    assert {"INV-TEST-0501", "INV-TEST-0502"} <= asset_numbers(seeded)


def test_auditor_sees_no_import_form(web: Browser, seeded: Daemon) -> None:
    web.login("auditor")
    web.open("/inventory")
    expect(web.page.locator("form[action='/inventory/import']")).to_have_count(0)


def test_it_officer_cannot_open_the_monitoring_register(web: Browser, seeded: Daemon) -> None:
    web.login("it_officer")
    nav = web.page.get_by_role("navigation", name="Nawigacja")
    expect(nav.get_by_role("link", name=re.compile("Rejestr monitoringu"))).to_have_count(0)
    reply = web.open("/register")
    assert reply is not None and reply.status == 403
    expect(web.page.get_by_role("heading", level=1)).to_contain_text("Brak dostępu")
    expect(web.page.locator("main")).not_to_contain_text("Kontrola okresowa")


def test_monitoring_officer_opens_the_monitoring_register(web: Browser, seeded: Daemon) -> None:
    web.login("monitoring_officer")
    web.page.get_by_role("navigation", name="Nawigacja").get_by_role(
        "link", name=re.compile("Rejestr monitoringu")
    ).click()
    expect(web.page).to_have_url(re.compile(r"/register$"))
    expect(web.page.locator("main")).to_contain_text("Kontrola okresowa (dane testowe)")
    web.check_page("rejestr-monitoringu")


# --- every page ------------------------------------------------------------------------


def menu_paths(web: Browser) -> list[str]:
    links = web.page.get_by_role("navigation", name="Nawigacja").get_by_role("link")
    return [str(href) for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")]


def page_name(role: str, path: str, suffix: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "pulpit"
    return f"strona-{role}-{slug}-{suffix}"


def visible_text(web: Browser) -> str:
    """The page's words, without code samples (CSV column names are meant verbatim)."""
    return str(
        web.page.evaluate(
            "() => { const out = []; const walk = document.createTreeWalker(document.body, "
            "NodeFilter.SHOW_TEXT); while (walk.nextNode()) { const el = walk.currentNode"
            ".parentElement; if (!el.closest('code, pre, script, style')) "
            "out.push(walk.currentNode.nodeValue); } return out.join(' '); }"
        )
    )


# The test users' logins (web_admin …) are data the reader typed, not keys.
LOGINS = {f"web_{role}" for role in ROLES}


def snake_keys(text_: str) -> list[str]:
    return sorted({m for m in SNAKE_KEY.findall(text_)} - LOGINS)


def overflow(web: Browser) -> tuple[int, list[str]]:
    wide = web.page.evaluate(
        "Array.from(document.querySelectorAll('body *')).filter(e => "
        "e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 "
        "&& !e.closest('.scroll'))"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
    )
    width = web.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return int(width), list(wide)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_is_accessible_polish_and_fits_laptop_and_tablet(
    chromium: Any, seeded: Daemon, role: str
) -> None:
    problems: list[str] = []
    for viewport, suffix in ((LAPTOP, "laptop"), (TABLET_768, "tablet")):
        context = chromium.new_context(viewport=viewport, locale="pl-PL")
        context.set_default_timeout(15_000)
        try:
            web = Browser(context.new_page(), seeded)
            web.login(role)
            paths = menu_paths(web)
            assert paths, f"{role} has no menu"
            for path in [*paths, *SUB_PAGES[role]]:
                reply = web.open(path)
                status = reply.status if reply is not None else 0
                if status != 200:
                    problems.append(f"{path}: HTTP {status}")
                    continue
                web.screenshot(page_name(role, path, suffix))
                if keys := snake_keys(visible_text(web)):
                    problems.append(f"{path}: raw keys {keys}")
                if suffix == "tablet":
                    width, wide = overflow(web)
                    if width > 0:
                        problems.append(f"{path}: scrolls sideways by {width}px at 768: {wide}")
                else:
                    if violations := web.axe_violations():
                        problems.append(f"{path}: axe {json.dumps(violations)}")
            if web.csp_violations:
                problems.append(f"CSP: {web.csp_violations}")
        finally:
            context.close()
    assert problems == [], "\n".join(problems)


def test_every_page_in_english_shows_no_raw_keys(chromium: Any, seeded: Daemon) -> None:
    problems: list[str] = []
    for role in ("admin", "auditor"):
        context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
        try:
            web = Browser(context.new_page(), seeded)
            web.login(role)
            web.open("/lang/en?next=/")
            expect(web.page.locator("html")).to_have_attribute("lang", "en")
            for path in [*menu_paths(web), *SUB_PAGES[role]]:
                web.open(path)
                if keys := snake_keys(visible_text(web)):
                    problems.append(f"{role} {path}: raw keys {keys}")
                web.screenshot(page_name(role, path, "en"))
        finally:
            context.close()
    assert problems == [], "\n".join(problems)


def test_every_page_reads_without_javascript(chromium: Any, seeded: Daemon) -> None:
    problems: list[str] = []
    for role in ROLES:
        context = chromium.new_context(viewport=LAPTOP, java_script_enabled=False)
        try:
            web = Browser(context.new_page(), seeded)
            web.login(role)
            for path in [*menu_paths(web), *SUB_PAGES[role]]:
                reply = web.open(path)
                status = reply.status if reply is not None else 0
                heading = web.page.locator("main h1")
                if status != 200 or heading.count() == 0 or not heading.first.inner_text():
                    problems.append(f"{role} {path}: HTTP {status}, no heading without JS")
        finally:
            context.close()
    assert problems == [], "\n".join(problems)
