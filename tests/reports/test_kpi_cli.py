"""``itops kpi``: one object with all three KPIs, the same numbers their features compute."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from itops.cli import main
from itops.context import AppContext
from itops.db.session import session_scope
from tests.conftest import write_config
from tests.inventory.helpers import asset, protocol

ITOPS = str(Path(sys.executable).parent / "itops")  # the installed console script

CHECKS = """
[[checks]]
name = "poczta"
kind = "tcp"
host = "127.0.0.1"
port = 1
"""


def run_json(cfg: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    try:
        main(["--config", str(cfg), *args])
    except SystemExit as exc:
        assert exc.code in (0, None)
    out: dict = json.loads(capsys.readouterr().out)  # type: ignore[type-arg]
    return out


def test_kpi_json_has_the_three_kpis_and_the_lists(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(ctx.sessions) as db:
        for i in range(1, 5):
            asset(db, f"INV-TEST-{i:04d}", bought=date(2026, 2, i))
        protocol(db, "PN/1/2026", date(2026, 5, 5), "INV-TEST-0001")
    cfg = write_config(tmp_path / "itops.toml", ctx.settings.storage.url)
    data = run_json(cfg, capsys, "kpi", "--year", "2026", "--json")
    rep, pur = data["repairs"], data["purchases"]
    assert data["year"] == 2026
    assert {k: rep[k] for k in ("count", "equipment", "ratio", "target", "met")} == {
        "count": 1,
        "equipment": 4,
        "ratio": 0.25,
        "target": 0.1,
        "met": False,
    }
    assert {k: pur[k] for k in ("count", "computers", "ratio", "target", "met")} == {
        "count": 4,
        "computers": 4,
        "ratio": 1.0,
        "target": 0.15,
        "met": True,
    }
    assert [p["number"] for p in rep["protocols"]] == ["PN/1/2026"]
    assert len(pur["purchased_list"]) == 4
    # no check is configured: nothing was watched, so KPI 1 cannot be told (it said 100 %)
    assert data["availability"]["availability"] is None
    assert data["availability"]["met"] is None


def test_kpi_availability_is_the_office_figure_of_itops_availability(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path / "itops.toml", db_url, extra=CHECKS)
    main_ok = ["--config", str(cfg)]
    try:
        main(
            [
                *main_ok,
                "outages",
                "add",
                "--check",
                "poczta",
                "--start",
                "2025-03-10T08:00:00+01:00",
                "--end",
                "2025-03-10T09:27:00+01:00",
                "--by",
                "anna",
            ]
        )
    except SystemExit as exc:
        assert exc.code in (0, None)
    kpi = run_json(cfg, capsys, "kpi", "--year", "2025", "--json")
    avail = run_json(cfg, capsys, "availability", "--year", "2025", "--json")
    assert kpi["availability"] == avail["office"]
    assert kpi["availability"]["downtime_seconds"] == 87 * 60
    assert kpi["availability"]["met"] is False


def itops(cfg: Path, *args: str) -> str:
    """The installed ``itops`` as an officer runs it (stdout; exit 0 asserted)."""
    done = subprocess.run(
        [ITOPS, "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _office(ctx: AppContext, tmp_path: Path, extra: str = "") -> Path:
    """Four computers bought in February 2026, one counted repair protocol."""
    with session_scope(ctx.sessions) as db:
        for i in range(1, 5):
            asset(db, f"INV-TEST-{i:04d}", bought=date(2026, 2, i))
        protocol(db, "PN/1/2026", date(2026, 5, 5), "INV-TEST-0001")
    return write_config(tmp_path / "itops.toml", ctx.settings.storage.url, extra=extra)


def test_kpi_text_is_three_kpis_in_a_few_polish_lines(ctx: AppContext, tmp_path: Path) -> None:
    lines = itops(_office(ctx, tmp_path), "kpi", "--year", "2025").splitlines()
    assert len(lines) <= 6
    assert lines[0] == "Wskaźniki procesu „Obsługa informatyczna” za rok 2025"
    assert lines[1] == (
        "1. Dostępność systemów w godzinach pracy urzędu: brak danych (cel: 100%) "
        "– nie do ustalenia"
    )
    # 2025: nothing bought yet, so neither ratio has a denominator.
    assert lines[3] == (
        "2. Naprawy z wymianą podzespołów lub reinstalacją: brak danych = "
        "0 / 0 urządzeń (cel: poniżej 10%) – nie do ustalenia"
    )
    assert "PN/1/2026" not in "\n".join(lines)


def test_kpi_text_gives_value_target_and_verdict_with_polish_numbers(
    ctx: AppContext, tmp_path: Path
) -> None:
    text = itops(_office(ctx, tmp_path), "kpi", "--year", "2026")
    assert (
        "2. Naprawy z wymianą podzespołów lub reinstalacją: 25,00% = 1 / 4 urządzeń "
        "(cel: poniżej 10%) – cel nieosiągnięty"
    ) in text
    assert (
        "3. Zakupione komputery: 100,00% = 4 / 4 komputerów (cel: co najmniej 15%) – cel osiągnięty"
    ) in text
    assert "itops kpi --year 2026 --details" in text
    assert "INV-TEST-0001" not in text


def test_kpi_text_of_the_running_year_says_it_is_not_a_whole_year(
    ctx: AppContext, tmp_path: Path
) -> None:
    tz = ZoneInfo("Europe/Warsaw")
    cfg = _office(ctx, tmp_path)
    before = datetime.now(tz).date()
    head = itops(cfg, "kpi", "--year", str(before.year)).splitlines()[0]
    after = datetime.now(tz).date()
    assert any(head.endswith(f"– stan na {d:%d.%m.%Y} (rok niepełny)") for d in (before, after)), (
        head
    )
    past = itops(cfg, "kpi", "--year", str(before.year - 1))
    assert "rok niepełny" not in past


def test_kpi_details_lists_protocols_and_equipment_in_polish(
    ctx: AppContext, tmp_path: Path
) -> None:
    text = itops(_office(ctx, tmp_path), "kpi", "--year", "2026", "--details")
    assert "Protokoły napraw liczone do wskaźnika 2 (1):" in text
    assert "  05.05.2026  PN/1/2026  INV-TEST-0001  wymiana podzespołu" in text
    assert "Sprzęt w użyciu na 31.12.2026 – mianownik wskaźnika 2 (4):" in text
    assert "  INV-TEST-0004  komputer stacjonarny  zakup 04.02.2026" in text
    assert "desktop" not in text


def test_kpi_text_in_english_on_request_and_by_the_configs_language(
    ctx: AppContext, tmp_path: Path
) -> None:
    cfg = _office(ctx, tmp_path)
    text = itops(cfg, "kpi", "--year", "2026", "--lang", "en", "--details")
    assert (
        "2. Repairs with component replacement or reinstallation: 25.00% = 1 / 4 devices "
        "(target: below 10%) – target not met"
    ) in text
    assert "  5 May 2026  PN/1/2026  INV-TEST-0001  component replacement" in text
    assert "cel" not in text and "komputer" not in text
    english = write_config(tmp_path / "en.toml", ctx.settings.storage.url, extra='language = "en"')
    assert itops(english, "kpi", "--year", "2026").startswith("KPIs of the process")


def test_there_is_exactly_one_kpi_command() -> None:
    import click

    from itops.plugins import features

    owners = []
    for feat in features():
        if feat.cli:
            group = click.Group("probe")
            feat.cli(group)
            if "kpi" in group.commands:
                owners.append(feat.name)
    assert owners == ["reports"]


@pytest.mark.engine("sqlite")
def test_a_year_in_progress_says_as_of_in_json_and_in_the_pdf(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through the installed ``itops`` (wall clock): this year's JSON outputs carry
    ``as_of`` (office time, now) and the PDF says "stan na <today> (rok niepełny)"; last
    year's do not (those in process, to keep the test short)."""
    cfg = write_config(tmp_path / "itops.toml", db_url, extra=CHECKS)
    tz = ZoneInfo("Europe/Warsaw")
    this_year = datetime.now(tz).year

    def itops(*args: str) -> str:
        done = subprocess.run(
            [ITOPS, "--config", str(cfg), *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    before = datetime.now(tz).replace(microsecond=0)
    kpi = json.loads(itops("kpi", "--year", str(this_year), "--json"))
    avail = run_json(cfg, capsys, "availability", "--year", str(this_year), "--json")
    after = datetime.now(tz)
    for as_of in (kpi["as_of"], avail["period"]["as_of"]):
        assert before <= datetime.fromisoformat(as_of) <= after
    assert run_json(cfg, capsys, "kpi", "--year", str(this_year - 1), "--json")["as_of"] is None
    last = run_json(cfg, capsys, "availability", "--year", str(this_year - 1), "--json")
    assert last["period"]["as_of"] is None  # the key is always there, as in kpi --json
    itops("report", "annual", "--year", str(this_year), "--out", str(tmp_path / "out"))
    stem = tmp_path / "out" / f"raport-jakosci-{this_year}"
    report = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    assert report["meta"]["period"]["as_of"] == report["kpi"]["as_of"]
    pdf = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(stem.with_suffix(".pdf")), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    day = datetime.fromisoformat(report["kpi"]["as_of"]).strftime("%d.%m.%Y")
    period = f"Okres 01.01.{this_year} – 31.12.{this_year}, stan na {day} (rok niepełny)"
    assert period in " ".join(pdf.split())
