"""Golden outputs of the DEMO office: the KPI, availability, annual-report JSON and /metrics.

Why: the architecture work of issue 18 moves code, not numbers. The DEMO year is seeded
through the real ``itops`` command at a fixed clock (2026-11-26 10:00 UTC, a year in
progress) into a fresh database of each engine; four outputs are compared byte for byte
with the files next to this module, so any change of a figure, a key, an order or a text
fails here. Both engines must produce the same files.

Regenerate after an intended change (and say in the commit what changed and why)::

    ITOPS_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/golden -p no:xdist

(SQLite writes the files, then the PostgreSQL half compares against them, so a
difference between the engines still fails.)

The variable is read by this test module only; itops itself never looks at it.
Only the ``process_*`` families (CPU, memory, file descriptors of the test process) are
left out of the /metrics file: they describe the machine, not the office.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url

from itops.cli import main
from itops.clock import FixedClock

if TYPE_CHECKING:
    from itops.context import AppContext

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXAMPLE = REPO / "config" / "itops.example.toml"
YEAR = 2026
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
REGENERATE = os.environ.get("ITOPS_REGENERATE_GOLDEN") == "1"

# What the daemon computes at start and then every few minutes into its in-memory
# snapshots, which /metrics reads (a scrape never queries the database): "feature:job".
SNAPSHOT_JOBS = ("checks:availability", "inventory:inventory-metrics")


@dataclass
class Office:
    engine: str
    config: Path
    out: Path
    _scrape: str | None = None

    def scraped(self) -> str:
        """The /metrics body at ``NOW``, scraped once per engine (two tests read it)."""
        if self._scrape is None:
            self._scrape = scrape(self.config)
        return self._scrape


def _config(tmp: Path, url: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    old = 'url = "sqlite:////var/lib/itops/itops.db"'
    assert old in text
    path = tmp / "itops.toml"
    path.write_text(text.replace(old, f'url = "{url}"'), encoding="utf-8")
    return path


def _itops(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> str:
    """Run the real entry point in-process at the fixed clock; its stdout (exit 0 asserted)."""
    capsys.readouterr()
    code = 0
    try:
        main(["--config", str(config), *args], clock=FixedClock(NOW))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    return captured.out


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def office(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    tmp = tmp_path_factory.mktemp("golden")
    pg = None
    if request.param == "sqlite":
        target = tmp / "itops.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), target)
        url = f"sqlite:///{target}"
    else:
        pg = request.getfixturevalue("_pg_templates")
        url = pg.clone()
    config = _config(tmp, url)
    code = 0
    try:
        main(["--config", str(config), "demo", "seed", "--year", str(YEAR)], clock=FixedClock(NOW))
    except SystemExit as exc:  # pragma: no cover - the message is printed above
        code = int(exc.code or 0)
    assert code == 0
    yield Office(request.param, config, tmp)
    if pg is not None:
        name = make_url(url).database or ""
        pg.drop(name)
        pg.clones.remove(name)


def _compare(office: Office, name: str, actual: str) -> None:
    """Byte-for-byte; regenerating writes from SQLite, and PostgreSQL must then match it."""
    path = HERE / name
    if REGENERATE and office.engine == "sqlite":
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} missing: run with ITOPS_REGENERATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        lines_a, lines_e = actual.splitlines(), expected.splitlines()
        first = next(
            (i for i, (a, e) in enumerate(zip(lines_a, lines_e, strict=False)) if a != e),
            min(len(lines_a), len(lines_e)),
        )
        pytest.fail(
            f"{name} differs from the golden file at line {first + 1}:\n"
            f"  golden: {lines_e[first] if first < len(lines_e) else '(end)'}\n"
            f"  actual: {lines_a[first] if first < len(lines_a) else '(end)'}\n"
            "regenerate with ITOPS_REGENERATE_GOLDEN=1 only if the change is intended"
        )


def test_kpi_json_is_unchanged(office: Office, capsys: pytest.CaptureFixture[str]) -> None:
    _compare(
        office, "kpi-2026.json", _itops(capsys, office.config, "kpi", "--year", str(YEAR), "--json")
    )


def test_availability_json_is_unchanged(office: Office, capsys: pytest.CaptureFixture[str]) -> None:
    out = _itops(
        capsys,
        office.config,
        "availability",
        "--from",
        f"{YEAR}-01-01",
        "--to",
        f"{YEAR + 1}-01-01",
        "--json",
    )
    _compare(office, "availability-2026.json", out)


def test_annual_report_json_is_unchanged(
    office: Office, capsys: pytest.CaptureFixture[str]
) -> None:
    target = office.out / "report"
    _itops(
        capsys,
        office.config,
        "report",
        "annual",
        "--year",
        str(YEAR),
        "--out",
        str(target),
        "--no-pdf",
    )
    [path] = target.glob("*.json")
    _compare(office, "report-annual-2026.json", path.read_text(encoding="utf-8"))


def test_metrics_scrape_is_unchanged(office: Office) -> None:
    _compare(office, "metrics.txt", office.scraped())


GRAFANA = REPO / "config" / "grafana" / "dashboards" / "itops.json"


def _series(name: str, labels: dict[str, str]) -> str:
    """A sample as a PromQL series selector (label values in double quotes, escaped)."""
    inner = ",".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in labels.items())
    return f"{name}{{{inner}}}"


def test_grafana_kpi1_panel_shows_the_office_figure_of_itops_kpi(
    office: Office, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The dashboard's "KPI 1" panel, evaluated by promtool over every itops_* sample of
    the scrape, gives one value: ``itops kpi --json``'s office availability, rounded down
    to 0.001 % as the report writes it (it had averaged every check: disk, TLS, school)."""
    import subprocess

    import yaml
    from prometheus_client.parser import text_string_to_metric_families

    kpi = json.loads(_itops(capsys, office.config, "kpi", "--year", str(YEAR), "--json"))
    body = office.scraped()
    samples = [
        s
        for family in text_string_to_metric_families(body)
        for s in family.samples
        if s.name.startswith("itops_") and math.isfinite(s.value)
    ]
    scraped = {(s.name, s.labels.get("unit")): s.value for s in samples if "unit" in s.labels}
    figure = kpi["availability"]
    assert scraped[("itops_office_availability_ratio", "office")] == figure["availability"]
    assert scraped[("itops_office_working_seconds", "office")] == figure["working_seconds"]
    assert scraped[("itops_office_downtime_seconds", "office")] == figure["downtime_seconds"]
    assert ("itops_office_availability_ratio", "szkola-1") in scraped  # a unit's own figure
    panels = json.loads(GRAFANA.read_text(encoding="utf-8"))["panels"]
    (panel,) = [p for p in panels if p["title"].startswith("KPI 1")]
    (target,) = panel["targets"]
    tests = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": _series(s.name, s.labels), "values": repr(s.value)} for s in samples
                ],
                "promql_expr_test": [
                    {
                        "expr": target["expr"],
                        "eval_time": "0m",
                        "exp_samples": [
                            {
                                "labels": '{period="year",unit="office"}',
                                "value": math.floor(figure["availability"] * 100_000) / 100_000,
                            }
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "panel.test.yml").write_text(
        yaml.safe_dump(tests, allow_unicode=True), encoding="utf-8"
    )
    result = subprocess.run(
        ["promtool", "test", "rules", "panel.test.yml"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def scrape(config: Path) -> str:
    """/metrics of a daemon that has filled its snapshots at ``NOW`` (process_* left out)."""
    from itops.config import load
    from itops.context import AppContext
    from itops.metrics import exposition, make_registry
    from itops.plugins import features

    ctx = AppContext.create(load(config), config, FixedClock(NOW))
    try:
        _probe_results(ctx)
        wanted = set(SNAPSHOT_JOBS)
        for feat in features():
            for job in feat.jobs(ctx, feat.service(ctx)) if feat.jobs else ():
                key = f"{feat.name}:{job.id}"
                if key in wanted:
                    job.func(ctx)
                    wanted.discard(key)
        assert not wanted, f"no such jobs: {sorted(wanted)}"
        body = exposition(ctx, make_registry(ctx)).decode()
    finally:
        ctx.engine.dispose()
    return _without_process(body)


def _probe_results(ctx: AppContext) -> None:
    """One invented latest result per configured check (statuses in turn), as the check
    runner would leave them, so the per-check families have samples too."""
    from itops.status import Measurement, ProbeResult, Status

    for n, check in enumerate(ctx.settings.checks):
        cert = (Measurement("cert_not_after", 1_800_000_000.0 + n, "ts"),)
        ctx.state.record(
            ProbeResult(
                check=check.name,
                kind=check.kind,
                status=list(Status)[n % len(Status)],
                summary="golden",
                started_at=NOW,
                duration=0.005 + n / 100,
                measurements=cert if check.kind == "tls" else (),
            )
        )


def _without_process(body: str) -> str:
    keep = []
    for line in body.splitlines(keepends=True):
        words = line.split(" ", 3)
        name = words[2] if line.startswith("# ") and len(words) > 2 else words[0]
        if not name.startswith("process_"):
            keep.append(line)
    return "".join(keep)


def test_golden_files_are_valid_json() -> None:
    """The three JSON files parse (a hand-edit or a half-written regeneration fails here)."""
    for name in ("kpi-2026.json", "availability-2026.json", "report-annual-2026.json"):
        json.loads((HERE / name).read_text(encoding="utf-8"))


def test_the_kpi1_conclusion_adds_up_to_the_office_figure(
    office: Office, capsys: pytest.CaptureFixture[str]
) -> None:
    """The DEMO report had listed the school's network (202 min, unit szkola-1) among the
    office's outages and then stated 595 min for the office: the conclusion now names only
    the office's counted systems, states their sum beside the office's downtime, and puts
    the school's system apart; the per-system table says which count and why."""
    target = office.out / "reconcile"
    _itops(capsys, office.config, "report", "annual", "--year", str(YEAR), "--out", str(target))
    data = json.loads(next(target.glob("*.json")).read_text(encoding="utf-8"))
    html = next(target.glob("*.html")).read_text(encoding="utf-8")
    checks = data["availability"]["checks"]
    counted = [c for c in checks if c["counts_for_kpi"] and c["unit"] == "office"]
    total = sum(c["downtime_seconds"] for c in counted)
    office_down = data["kpi"]["availability"]["downtime_seconds"]
    assert total >= office_down > 0
    text = data["conclusions"][0]["text"]

    def minutes(seconds: float) -> str:
        return f"{seconds / 60:.1f}".replace(".", ",") + " min"

    failed, _, rest = text.partition("Suma przestojów")
    assert "demo-szkola-siec" not in failed and "demo-poczta" in failed
    assert (
        f"Suma przestojów systemów liczonych do wskaźnika urzędu: {minutes(total)}; "
        f"niedostępność urzędu: {minutes(office_down)}" in text
    )
    school = next(c for c in checks if c["name"] == "demo-szkola-siec")
    assert (
        f"Nie liczą się do wskaźnika urzędu: demo-szkola-siec (jednostka szkola-1), "
        f"{minutes(school['downtime_seconds'])}" in rest
    )
    # one line per system: name · unit · counts for the office (why not) · figures
    rows = {
        row.split('"', 1)[0]: row.split(">", 1)[1].split("</p>")[0]
        for row in html.split(' data-check="')[1:]
    }
    # the units by their configured names (issue 13); the JSON above keeps the ids
    school_name = "Szkoła Podstawowa nr 1 (DEMO)"
    office_name = "Urząd Miejski w Przykładowie (DEMO)"
    assert f" · {school_name} · nie: jednostka {school_name} · " in rows["demo-szkola-siec"]
    assert (
        f" · {office_name} · nie: wyłączony w konfiguracji – counts_for_kpi = false · "
        in rows["dysk-itops"]
    )
    assert f" · {office_name} · tak · " in rows["demo-poczta"]
    import subprocess

    pdf = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(next(target.glob("*.pdf"))), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    flat = "".join(pdf.split())
    line = f"liczonychdowskaźnikaurzędu:{minutes(total)};niedostępnośćurzędu:{minutes(office_down)}"
    assert line.replace(" ", "") in flat
    assert "nie:jednostkaSzkołaPodstawowanr1(DEMO)" in flat and "szkola-1" not in flat
