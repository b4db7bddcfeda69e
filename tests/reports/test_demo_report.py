"""The DEMO office's annual report of this year, as a new IT officer makes it (issue 13).

Why a module of its own: the hand-built year of ``test_annual`` has four computers; what
a newcomer sees is the DEMO office after ``make run``: the real ``itops demo seed``, the
daemon's own host reporting itself (``collect_self``, as it does daily), then the real
``itops report annual`` as a subprocess, read back through ``pdftotext``. SQLite only:
the words and pages do not depend on the engine (the numbers are compared on both
engines by tests/golden and test_annual).

- No English word in the HTML's visible text or the PDF's text (the crawl's word list
  of tests/web/test_web_polish_pages.py), no ISO date in the PDF.
- The OS-support annex does not fill pages with "brak danych": the computers without
  support data are one line there, listed in an appendix; the annex fits two pages.
- The machine itops runs on is no DEMO computer: its host name and system never appear.
"""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from inventory.updates import fleet
from itops.config import load
from itops.context import AppContext
from itops.daemon import sync_units
from tests.demo.test_demo_seed import _config
from tests.web.test_web_polish_pages import english_words, visible_text

YEAR = datetime.now(ZoneInfo("Europe/Warsaw")).year  # this year in office time
ITOPS = str(Path(sys.executable).parent / "itops")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@dataclass
class Demo:
    html: str
    pdf_text: str  # pdftotext -layout; pages end with a form feed
    real_host: str
    real_os: str
    report_json: dict[str, Any]
    reporting_hosts: list[str]  # every computer the inventory's update view counts

    @property
    def pages(self) -> list[str]:
        return self.pdf_text.split("\f")


def _run(cfg: Path, *args: str) -> str:
    done = subprocess.run(
        [ITOPS, "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "ITOPS_DATABASE_URL"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from inventory.jobs import collect_self

    tmp = tmp_path_factory.mktemp("demo-report")
    cfg = _config(tmp, f"sqlite:///{tmp / 'itops.db'}")
    _run(cfg, "db", "upgrade")
    _run(cfg, "demo", "seed", "--year", str(YEAR), "--if-empty")
    app = AppContext.create(load(cfg), cfg)
    try:
        sync_units(app)
        collect_self(app)  # the daemon's daily report of its own host
        with app.sessions() as db:
            reporting = [s.hostname or "" for s in fleet(db, app.settings, app.clock.now())]
    finally:
        app.engine.dispose()
    out = tmp / "out"
    _run(cfg, "report", "annual", "--year", str(YEAR), "--out", str(out))
    stem = out / f"raport-jakosci-{YEAR}"
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", str(stem.with_suffix(".pdf")), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    yield Demo(
        html=stem.with_suffix(".html").read_text(encoding="utf-8"),
        pdf_text=pdf_text,
        real_host=socket.gethostname().split(".")[0],
        real_os=platform.system(),
        report_json=json.loads(stem.with_suffix(".json").read_text(encoding="utf-8")),
        reporting_hosts=reporting,
    )


def test_the_demo_report_has_no_english_word_in_html_or_pdf(demo: Demo) -> None:
    assert not english_words(visible_text(demo.html)), "HTML"
    assert not english_words(demo.pdf_text), "PDF"


def test_the_demo_report_pdf_writes_days_the_polish_way(demo: Demo) -> None:
    assert not ISO_DAY.findall(demo.pdf_text)
    assert "komputer stacjonarny" in demo.pdf_text  # the asset category, not "desktop"


def test_unknown_os_support_is_one_line_in_an_annex_of_at_most_two_pages(demo: Demo) -> None:
    pages = demo.pages
    first = next(i for i, p in enumerate(pages) if "Załącznik: techniczne środki" in p)
    last = next(i for i, p in enumerate(pages) if "Sporządził" in p)
    assert last - first + 1 <= 2, pages[first : last + 1]
    annex = "\n".join(pages[first : last + 1])
    line = re.search(r"Brak danych o systemie dla (\d+) komputerów", annex)
    assert line, annex
    assert "brak danych" not in annex.split("Wsparcie producenta")[1].split("Aktualizacje")[0]
    appendix = "\n".join(pages[last:]).split("Dodatek: komputery bez danych", 1)[1]
    listed = re.findall(r"^\s*(demo-\S+)\s+DEMO/", appendix, re.M)
    assert len(listed) == int(line.group(1)), listed


def test_the_machine_itops_runs_on_never_appears_in_the_demo_report(demo: Demo) -> None:
    host = re.compile(rf"(?<![\w-]){re.escape(demo.real_host)}(?![\w-])", re.I)
    assert not host.search(demo.pdf_text)
    assert not host.search(visible_text(demo.html))
    assert demo.real_os not in demo.pdf_text


def test_the_machine_itops_runs_on_is_not_counted_among_the_demo_computers(demo: Demo) -> None:
    real = [h for h in demo.reporting_hosts if h.split(".")[0] == demo.real_host]
    assert real, demo.reporting_hosts  # it did report itself, so leaving it out is tested
    demo_computers = [h for h in demo.reporting_hosts if h.lower().startswith("demo-")]
    assert demo.report_json["annex"]["updates"]["computers"] == len(demo_computers)


def test_the_per_system_list_names_each_unit_by_its_configured_name(
    demo: Demo, tmp_path: Path
) -> None:
    """The unit of each system is the name of ``[office]`` / ``[[units]]`` on the page and
    in the PDF, never its id ("office", "szkola-1"); the JSON keeps the ids."""
    settings = load(_config(tmp_path, "sqlite://"))
    office, school = settings.office.name, settings.unit_names()["szkola-1"]
    text = " ".join(visible_text(demo.html).split())
    assert f"demo-poczta · {office} · tak ·" in text
    assert f"demo-szkola-siec · {school} · nie: jednostka {school} ·" in text
    assert " · office · " not in text and "szkola-1" not in text
    pdf = " ".join(demo.pdf_text.split())
    assert school in pdf and "szkola-1" not in pdf
    units = {c["name"]: c["unit"] for c in demo.report_json["availability"]["checks"]}
    assert units["demo-poczta"] == "office" and units["demo-szkola-siec"] == "szkola-1"
