"""End-to-end flows in Debian's chromium against the real daemon (``itops run``).

Every page visited is screenshotted under test-output/screenshots/ and checked with
axe-core (no serious or critical WCAG 2.1 AA violation) and for CSP violations.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from .browser import LAPTOP, PASSWORD, TABLET, Browser, Daemon, Target, role_login

pytestmark = [pytest.mark.slow]

CHECK = "serwer-testowy"


@pytest.fixture(scope="module")
def daemon_config_extra(target: Target) -> str:
    return f"""
[[checks]]
name = "{CHECK}"
kind = "tcp"
host = "127.0.0.1"
port = {target.port}
interval = "1s"
timeout = "1s"
confirm = 1
"""


def audit_actions(daemon: Daemon) -> list[tuple[str, str]]:
    engine = create_engine(f"sqlite:///{daemon.workdir / 'itops.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT actor, action FROM audit_log ORDER BY id"))
            return [(str(a), str(b)) for a, b in rows]
    finally:
        engine.dispose()


def board_status(web: Browser) -> Any:
    return web.page.locator(f'tr[data-check="{CHECK}"] .badge')


def test_login_page_is_polish_and_accessible(web: Browser) -> None:
    web.open("/login")
    expect(web.page.locator("html")).to_have_attribute("lang", "pl")
    expect(web.page.get_by_role("heading", name="Logowanie")).to_be_visible()
    web.check_page("login")


def test_wrong_password_is_refused(web: Browser, daemon: Daemon) -> None:
    web.login("it_officer", password="Zle-Haslo-Przegladarki-9")
    expect(web.page.get_by_role("alert")).to_have_text("Nieprawidłowy login lub hasło.")
    web.check_page("login-blad")
    assert (role_login("it_officer"), "login_failed") in audit_actions(daemon)


def test_status_board_follows_a_target_going_down(
    web: Browser, target: Target, daemon: Daemon
) -> None:
    web.login("it_officer")
    expect(web.page.get_by_role("heading", name="Pulpit")).to_be_visible()
    expect(board_status(web)).to_have_text("działa", timeout=20_000)
    web.page.reload()
    web.check_page("pulpit")
    target.close()
    # no reload: the vendored script refreshes the board (web.refresh_interval = 1s)
    expect(board_status(web)).to_have_text("awaria", timeout=20_000)
    problems = web.page.get_by_role("region", name="Aktywne problemy")
    expect(problems).to_contain_text(CHECK)
    web.check_page("pulpit-awaria")
    assert (role_login("it_officer"), "login") in audit_actions(daemon)


def test_language_switch_to_english_and_back(web: Browser) -> None:
    web.login("auditor")
    web.page.get_by_role("link", name="EN", exact=True).click()
    expect(web.page.locator("html")).to_have_attribute("lang", "en")
    expect(web.page.get_by_role("heading", name="Dashboard")).to_be_visible()
    web.check_page("pulpit-en")
    web.open("/calendar")
    expect(web.page.locator("html")).to_have_attribute("lang", "en")  # kept in the session
    web.page.get_by_role("link", name="PL", exact=True).click()
    expect(web.page.locator("html")).to_have_attribute("lang", "pl")


def test_calendar_page(web: Browser) -> None:
    web.login("it_officer")
    web.page.get_by_role("navigation", name="Nawigacja").get_by_role(
        "link", name="Kalendarz pracy urzędu"
    ).click()
    expect(web.page.get_by_role("heading", level=1)).to_contain_text("Kalendarz pracy urzędu")
    expect(web.page.locator("main")).to_contain_text("Boże Narodzenie")
    web.check_page("kalendarz")
    web.page.get_by_role("link", name=re.compile(r"2027 →")).click()
    expect(web.page.locator("main")).to_contain_text("przypada w sobotę")
    web.check_page("kalendarz-2027")


def test_admin_adds_changes_and_disables_a_user(web: Browser, daemon: Daemon) -> None:
    web.login("admin")
    web.page.get_by_role("link", name="Użytkownicy").click()
    form = web.page.locator("form.stack")
    form.get_by_label("Login").fill("anna.przykladowa")
    form.get_by_label("Imię i nazwisko").fill("Anna Przykładowa")
    form.get_by_label("Rola").select_option("auditor")
    form.get_by_label("Hasło początkowe").fill("Haslo-Anny-12345")
    form.get_by_role("button", name="Dodaj użytkownika").click()
    expect(web.page.get_by_role("status")).to_have_text("Zapisano zmiany.")
    row = web.page.locator("tr", has=web.page.get_by_role("rowheader", name="anna.przykladowa"))
    expect(row).to_contain_text("audytor")
    row.get_by_label("Nowa rola dla anna.przykladowa").select_option("it_officer")
    row.get_by_role("button", name="Zmień rolę").click()
    expect(row).to_contain_text("informatyk")
    row.get_by_role("button", name="Wyłącz").click()
    expect(row).to_contain_text("wyłączony")
    web.check_page("uzytkownicy")
    actions = audit_actions(daemon)
    for action in ("user_added", "user_role", "user_disable"):
        assert (role_login("admin"), action) in actions


def test_admin_form_names_bad_input(web: Browser) -> None:
    web.login("admin")
    web.open("/admin/users")
    form = web.page.locator("form.stack")
    form.get_by_label("Login").fill("web_admin")  # exists already
    form.get_by_label("Hasło początkowe").fill("Haslo-Dlugie-12345")
    form.get_by_role("button", name="Dodaj użytkownika").click()
    expect(web.page.get_by_role("alert")).to_contain_text("już istnieje")
    web.check_page("uzytkownicy-blad")


def test_auditor_reads_the_audit_log(web: Browser) -> None:
    web.login("auditor")
    web.page.get_by_role("link", name="Dziennik zdarzeń").click()
    expect(web.page.locator("table.audit")).to_contain_text(role_login("auditor"))
    web.check_page("dziennik-zdarzen")


def test_it_officer_cannot_open_admin_pages(web: Browser) -> None:
    web.login("it_officer")
    nav = web.page.get_by_role("navigation", name="Nawigacja")
    expect(nav.get_by_role("link", name="Użytkownicy")).to_have_count(0)
    expect(nav.get_by_role("link", name="Dziennik zdarzeń")).to_have_count(0)
    assert (reply := web.open("/admin/audit")) is not None and reply.status == 403
    reply = web.open("/admin/users")
    assert reply is not None and reply.status == 403
    expect(web.page.get_by_role("heading", level=1)).to_contain_text("Brak dostępu")
    web.check_page("brak-dostepu")


def test_anonymous_visit_goes_to_login_and_back(web: Browser) -> None:
    web.open("/calendar")
    expect(web.page).to_have_url(re.compile(r"/login\?next=/calendar$"))
    web.page.get_by_label("Login").fill(role_login("auditor"))
    web.page.get_by_label("Hasło").fill(PASSWORD)
    web.page.get_by_role("button", name="Zaloguj").click()
    expect(web.page).to_have_url(re.compile(r"/calendar$"))


def test_logout(web: Browser, daemon: Daemon) -> None:
    web.login("monitoring_officer")
    web.logout()
    expect(web.page).to_have_url(re.compile(r"/login$"))
    web.open("/")
    expect(web.page).to_have_url(re.compile(r"/login\?next=/$"))
    assert (role_login("monitoring_officer"), "logout") in audit_actions(daemon)


def test_keyboard_user_can_skip_to_content(web: Browser) -> None:
    web.login("auditor")
    web.page.keyboard.press("Tab")
    focused = web.page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Przejdź do treści"
    web.page.keyboard.press("Enter")
    expect(web.page).to_have_url(re.compile(r"#main$"))


def test_dashboard_reads_without_javascript(chromium: Any, daemon: Daemon) -> None:
    context = chromium.new_context(viewport=LAPTOP, java_script_enabled=False)
    try:
        web = Browser(context.new_page(), daemon)
        web.login("auditor")
        expect(web.page.get_by_role("heading", name="Stan systemów")).to_be_visible()
        expect(web.page.locator(f'tr[data-check="{CHECK}"]')).to_be_visible()
        web.screenshot("pulpit-bez-js")
        web.open("/calendar")
        expect(web.page.locator("main")).to_contain_text("Boże Narodzenie")
    finally:
        context.close()


def test_tablet_width_has_no_horizontal_scroll(chromium: Any, daemon: Daemon) -> None:
    context = chromium.new_context(viewport=TABLET, locale="pl-PL")
    try:
        web = Browser(context.new_page(), daemon)
        web.login("admin")
        for path, name in [
            ("/", "pulpit-tablet"),
            ("/calendar", "kalendarz-tablet"),
            ("/admin/users", "uzytkownicy-tablet"),
        ]:
            web.open(path)
            overflow = web.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            wide = web.page.evaluate(
                "Array.from(document.querySelectorAll('body *')).filter(e => "
                "e.getBoundingClientRect().right > document.documentElement.clientWidth)"
                ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px: {wide}"
            web.check_page(name)
    finally:
        context.close()


def test_daemon_log_never_contains_a_password(web: Browser, daemon: Daemon) -> None:
    web.login("auditor", password="Inne-Zle-Haslo-777")
    log = daemon.log.read_text(encoding="utf-8", errors="replace")
    for secret in (PASSWORD, "Zle-Haslo-Przegladarki-9", "Haslo-Anny-12345", "Inne-Zle-Haslo-777"):
        assert secret not in log
