"""In Debian's chromium against the real daemon: an it_officer generates and downloads
the annual report from the "Raporty" page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .browser import Browser

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def daemon_config_extra(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("reports")
    return f'\n[report]\noutput_dir = "{folder}"\nprepared_by = "Jan Przykładowy"\n'


def test_it_officer_generates_and_downloads_the_annual_report(web: Browser) -> None:
    web.login("it_officer")
    web.page.get_by_role("navigation", name="Nawigacja").get_by_role("link", name="Raporty").click()
    expect(web.page.get_by_role("heading", level=1)).to_have_text("Raporty")
    web.page.get_by_label("Rok").fill("2025")
    web.page.get_by_role("button", name="Wygeneruj raport").click()
    expect(web.page.get_by_role("status")).to_have_text("Raport wygenerowano.", timeout=60_000)
    web.check_page("raporty")
    with web.page.expect_download() as info:
        web.page.get_by_role("link", name="PDF 2025 pl").click()
    download = info.value
    assert download.suggested_filename == "raport-jakosci-2025.pdf"
    path = download.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    with web.page.expect_download() as info:
        web.page.get_by_role("link", name="HTML 2025 pl").click()
    assert info.value.suggested_filename == "raport-jakosci-2025.html"
