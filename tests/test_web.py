"""The web skeleton over real HTTP: /healthz, /metrics, login and the Polish home page."""

from __future__ import annotations

import http.cookiejar
import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon import Daemon

pytestmark = pytest.mark.slow

PASSWORD = "test-password-123"  # noqa: S105


class Browser:
    """urllib with a cookie jar and no automatic redirects: we assert on every hop."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.daemon.url(path), data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(req, timeout=10) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), dict(exc.headers)

    def csrf(self, path: str = "/login") -> str:
        _, html, _ = self.request(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, html
        return match.group(1)

    def login(self, login: str = "informatyk", password: str = PASSWORD) -> int:
        token = self.csrf()
        status, _, _ = self.request(
            "/login", {"login": login, "password": password, "csrf_token": token, "next": "/"}
        )
        return status


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    tmp = tmp_path_factory.mktemp("web")
    token = tmp / "metrics.token"
    token.write_text("s3cret-metrics-token\n")
    d = Daemon(tmp, extra_config=f'metrics_token_file = "{token}"')
    password_file = tmp / "password"
    password_file.write_text(PASSWORD)
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "itops",
                "--config",
                str(d.config),
                "user",
                "add",
                "informatyk",
                "--role",
                "it_officer",
                "--name",
                "Jan Testowy",
                "--password-file",
                str(password_file),
            ],
            check=True,
            capture_output=True,
            env=d.env(),
        )
        d.start().wait_ready()
        yield d
    finally:
        d.stop()


def test_healthz_is_200_while_the_database_answers(daemon: Daemon) -> None:
    assert daemon.get("/healthz") == (200, "ok\n")


def test_metrics_need_the_bearer_token_when_one_is_configured(daemon: Daemon) -> None:
    assert daemon.get("/metrics")[0] == 401
    browser = Browser(daemon)
    status, body, headers = browser.request(
        "/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}
    )
    assert status == 200
    assert 'itops_build_info{version="0.1.0"} 1.0' in body
    assert "process_resident_memory_bytes" in body
    assert 'itops_office_info{name="Urząd Testowy w Przykładowie"} 1.0' in body
    assert headers["content-type"].startswith("text/plain; version=")


def test_pages_redirect_anonymous_users_to_the_login_form(daemon: Daemon) -> None:
    status, _, headers = Browser(daemon).request("/")
    assert status == 303
    assert headers["location"] == "/login?next=/"


def test_login_without_the_csrf_token_is_refused(daemon: Daemon) -> None:
    browser = Browser(daemon)
    browser.csrf()
    status, _, _ = browser.request("/login", {"login": "informatyk", "password": PASSWORD})
    assert status == 403


def test_a_wrong_password_is_refused_and_audited(daemon: Daemon) -> None:
    browser = Browser(daemon)
    assert browser.login(password="wrong-password-1") == 401
    database = daemon.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        actions = conn.execute(
            "SELECT action FROM audit_log WHERE actor = 'informatyk' ORDER BY id"
        ).fetchall()
    assert ("login_failed",) in actions
    assert PASSWORD not in daemon.log.read_text()


def test_the_home_page_shows_the_office_and_this_weeks_hours_in_polish(daemon: Daemon) -> None:
    browser = Browser(daemon)
    assert browser.login() == 303
    status, html, _ = browser.request("/")
    assert status == 200
    assert '<html lang="pl">' in html
    assert "Urząd Testowy w Przykładowie" in html
    assert "Godziny pracy w tym tygodniu" in html
    assert "poniedziałek" in html and "08:00–16:00" in html
    assert "wtorek" in html and "07:30–15:30" in html
    assert "sobota" in html and "nieczynne" in html


def test_the_home_page_speaks_english_on_request(daemon: Daemon) -> None:
    browser = Browser(daemon)
    browser.login()
    assert browser.request("/lang/en?next=/")[0] == 303
    _, html, _ = browser.request("/")
    assert '<html lang="en">' in html
    assert "Working hours this week" in html and "Monday" in html


def test_the_session_cookie_is_httponly_and_samesite_strict(daemon: Daemon) -> None:
    browser = Browser(daemon)
    token = browser.csrf()
    _, _, headers = browser.request(
        "/login", {"login": "informatyk", "password": PASSWORD, "csrf_token": token}
    )
    cookie = headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_login_never_redirects_to_another_site(daemon: Daemon) -> None:
    browser = Browser(daemon)
    token = browser.csrf()
    _, _, headers = browser.request(
        "/login",
        {
            "login": "informatyk",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert headers["location"] == "/"


def test_login_starts_a_new_session(daemon: Daemon) -> None:
    browser = Browser(daemon)
    before = browser.csrf()
    browser.login()
    after = browser.csrf("/")
    assert before != after


def test_healthz_is_503_with_the_reason_when_the_database_is_gone(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from sqlalchemy.engine import make_url

    templates = request.getfixturevalue("_pg_templates")
    url = templates.clone()
    d = Daemon(tmp_path, db_url=url, migrate=False)
    try:
        d.start().wait_ready()
        assert d.get("/healthz")[0] == 200
        templates.drop(make_url(url).database)
        status, body = d.get("/healthz")
        assert status == 503
        assert body.startswith("database unavailable: ")
    finally:
        d.stop()
        templates.clones.remove(make_url(url).database)
