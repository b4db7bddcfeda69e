"""``itops report annual`` on a hand-built year, read back through real ``pdftotext``.

WeasyPrint is slow, so the PDF is rendered once per engine (module-scoped fixture);
the English report and the re-run write HTML and JSON only.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from itops.cli import main
from itops.config import load
from itops.context import AppContext
from itops.daemon import sync_units
from tests.reports import year

POLISH = "ąćęłńóśźż"


def itops(cfg: Path, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main(["--config", str(cfg), *args])
        except SystemExit as exc:
            assert exc.code in (0, None), out.getvalue()
    return out.getvalue()


@dataclass
class Built:
    cfg: Path
    out: Path
    kpi: dict[str, Any]
    availability: dict[str, Any]
    data: dict[str, Any]
    html: str
    pdf_text: str

    @property
    def pdf_flat(self) -> str:
        """The PDF text without white space (table cells wrap long names)."""
        return "".join(self.pdf_text.split())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Built]:
    base = tmp_path_factory.mktemp(f"report-{request.param}")
    pg = None
    if request.param == "sqlite":
        target = base / "itops.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), target)
        url = f"sqlite:///{target}"
    else:
        pg = request.getfixturevalue("_pg_templates")
        url = pg.clone()
    cfg = year.config(base / "itops.toml", url)
    app = AppContext.create(load(cfg), cfg)
    try:
        sync_units(app)
        year.build(app)
    finally:
        app.engine.dispose()
    out = base / "out"
    printed = itops(cfg, "report", "annual", "--year", str(year.YEAR), "--out", str(out))
    stem = out / f"raport-jakosci-{year.YEAR}"
    assert str(stem.with_suffix(".pdf")) in printed
    pdf_text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(stem.with_suffix(".pdf")), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    yield Built(
        cfg=cfg,
        out=out,
        kpi=json.loads(itops(cfg, "kpi", "--year", str(year.YEAR), "--json")),
        availability=json.loads(itops(cfg, "availability", "--year", str(year.YEAR), "--json")),
        data=json.loads(stem.with_suffix(".json").read_text(encoding="utf-8")),
        html=stem.with_suffix(".html").read_text(encoding="utf-8"),
        pdf_text=pdf_text,
    )
    if pg is not None:
        name = make_url(url).database or ""
        pg.drop(name)
        pg.clones.remove(name)


def pct(value: float, digits: int = 2) -> str:
    return f"{value * 100:.{digits}f}".replace(".", ",") + "%"


def pct_down(value: float) -> str:
    return f"{math.floor(value * 1e6) / 1e4:.4f}".replace(".", ",") + "%"


def test_the_report_json_carries_exactly_the_itops_kpi_object(built: Built) -> None:
    assert built.data["kpi"] == built.kpi
    assert built.kpi["availability"] == built.availability["office"]


def test_each_kpi_value_in_the_pdf_equals_itops_kpi_and_itops_availability(
    built: Built,
) -> None:
    office, rep, pur = (built.availability["office"], built.kpi["repairs"], built.kpi["purchases"])
    text = built.pdf_flat
    assert pct_down(office["availability"]) in text
    assert f"{office['downtime_seconds'] / 60:.1f}min".replace(".", ",") in text
    assert pct(rep["ratio"]) in text and f"{rep['count']}/{rep['equipment']}" in text
    assert pct(pur["ratio"]) in text and f"{pur['count']}/{pur['computers']}" in text
    for check in built.availability["checks"]:
        assert pct_down(check["availability"]) in text


def test_missed_targets_produce_conclusion_sentences_with_the_facts(built: Built) -> None:
    text = " ".join(built.pdf_text.split())
    # Three failures of the mail server in working hours: 60 + 47 + 40 min (the one on
    # 11 November, a public holiday, is outside working time).
    assert (
        "Cel nie został osiągnięty: 3 awarie systemu poczta w godzinach pracy, łącznie 147,0 min"
    ) in text
    assert (
        "Cel nie został osiągnięty: 3 protokoły napraw (wymiana podzespołów: 2, "
        "reinstalacja oprogramowania: 1)" in text
    )
    assert "Cel nie został osiągnięty: do celu brakuje zakupu 1 komputera" in text
    assert [c["met"] for c in built.data["conclusions"]] == [False, False, False]


def test_the_pdf_text_layer_has_the_polish_letters(built: Built) -> None:
    for letter in POLISH:
        assert letter in built.pdf_text, letter
    assert "Zażółć Gęślą-Jaźń" in built.pdf_text


def test_a_system_named_like_a_script_is_escaped_in_html_and_text_in_the_pdf(
    built: Built,
) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in built.html
    assert "<script>alert(1)" not in built.html
    assert "&lt;b&gt;sieć&lt;/b&gt;" in built.html
    assert year.XSS in built.pdf_flat


def test_the_report_lists_counted_and_uncounted_protocols_with_their_kind(
    built: Built,
) -> None:
    listed = {p["number"]: (p["kind"], p["counted"]) for p in built.data["repairs"]["protocols"]}
    counted = {p["number"] for p in built.kpi["repairs"]["protocols"]}
    assert {n for n, (_, c) in listed.items() if c} == counted
    assert listed["PN/3/2025"] == ("maintenance", False)
    assert "konserwacja" in built.pdf_text and "inna naprawa" in built.pdf_text


def test_the_full_list_of_working_hour_outages_is_in_the_report(built: Built) -> None:
    entries = built.data["availability"]["outages"]
    assert [e["note"] for e in entries] == ["zasilacz", "aktualizacja", "dysk", "<b>sieć</b>"]
    assert "10.03.202508:00" in built.pdf_flat and "Brak luk w monitoringu" in built.pdf_text
    assert "2025-03-10" not in built.pdf_text  # dates in the PDF are Polish (issue 13)


def test_rerunning_the_report_gives_the_same_json(built: Built, tmp_path: Path) -> None:
    itops(
        built.cfg, "report", "annual", "--year", str(year.YEAR), "--out", str(tmp_path), "--no-pdf"
    )
    name = f"raport-jakosci-{year.YEAR}.json"
    assert (tmp_path / name).read_bytes() == (built.out / name).read_bytes()


def test_lang_en_renders_the_report_in_english(built: Built, tmp_path: Path) -> None:
    itops(
        built.cfg,
        "report",
        "annual",
        "--year",
        str(year.YEAR),
        "--out",
        str(tmp_path),
        "--lang",
        "en",
        "--no-pdf",
    )
    html = (tmp_path / f"raport-jakosci-{year.YEAR}.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "Quality report for the year" in html
    assert "The target was not met: 3 outages of poczta in working hours" in html
    assert "Cel nie został osiągnięty" not in html and "Wnioski" not in html


def test_the_conclusion_says_simultaneous_downtime_is_counted_once() -> None:
    """Two office systems down 60 min each, 30 min of it at once: the office lost 90 min,
    and the sentence reconciles 120 min of the systems with the office's 90 min."""
    from reports.data import CheckFigures, Kpi, KpiAvailability, KpiPurchases, KpiRepairs
    from reports.render import conclusions

    def system(name: str, unit: str = "office") -> CheckFigures:
        return CheckFigures(name, "tcp", unit, True, 0.99, 1.0, 1, 6000.0, 0.0, 3600.0, 0.0)

    kpi = Kpi(
        2026,
        None,
        KpiAvailability(6000.0, 5400.0, 0.1, 1.0, False, "watched"),
        KpiRepairs(0, 0, None, 0.1, None, "", (), ()),
        KpiPurchases(0, 0, None, 0.15, None, "", (), ()),
    )
    checks = (system("poczta"), system("www"), system("siec-szkoly", "szkola-1"))
    units = {"office": "Urząd Gminy", "szkola-1": "Szkoła Podstawowa nr 1"}
    text = conclusions(kpi, checks, "pl", units)[0].text  # the page's: the unit's name
    assert (
        "Suma przestojów systemów liczonych do wskaźnika urzędu: 120,0 min; niedostępność "
        "urzędu: 90,0 min (przestoje jednoczesne kilku systemów liczone raz: 30,0 min)"
    ) in text
    assert (
        "Nie liczą się do wskaźnika urzędu: siec-szkoly – jednostka Szkoła Podstawowa nr 1, "
        "60,0 min"
    ) in text
    english = conclusions(kpi, checks, "en", units)[0].text
    assert "siec-szkoly – unit Szkoła Podstawowa nr 1, 60.0 min" in english
    as_json = conclusions(kpi, checks, "pl")[0].text  # the JSON's, unchanged: the unit's id
    assert "urzędu: siec-szkoly (jednostka szkola-1), 60,0 min" in as_json
    assert "simultaneous downtime of several systems counted once: 30.0 min" in english


def test_the_report_reads_the_asset_ledger_once_and_the_numbers_stay(built: Built) -> None:
    """``collect`` asks for the assets' service lives in eight places (KPIs 2 and 3, the
    fleet, the OS-support annex ...): it reads the ledger's events once per report, and
    every figure is what eight separate reads give (issue 17)."""
    from datetime import UTC, datetime

    from sqlalchemy import event

    from itops.db.session import read_scope
    from reports.annual import _collect, collect
    from reports.data import to_json

    app = AppContext.create(load(built.cfg), built.cfg)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    now = datetime(year.YEAR + 1, 1, 10, tzinfo=UTC)
    try:
        with read_scope(app.sessions) as db:
            separate = to_json(_collect(db, app.settings, year.YEAR, now, "pl"))
        event.listen(app.engine, "before_cursor_execute", seen)
        with read_scope(app.sessions) as db:
            once = to_json(collect(db, app.settings, year.YEAR, now, "pl"))
    finally:
        app.engine.dispose()
    ledger_reads = [s for s in statements if "FROM inv_asset_event WHERE" in s]
    assert len(ledger_reads) == 1, ledger_reads
    assert once == separate
