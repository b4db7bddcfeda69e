"""KPI 1 over time as it really was (issue 13): watched since, years never watched, and a
config edit that must not rewrite history.

Each test drives the real ``itops`` entry point in-process at a fixed clock (the commands
an IT officer types) and starts itops the way the daemon does at a first start and on a
reload: the heartbeat's first start (``itops.heartbeat.start``) and the checks feature's
``reloaded`` hook, which records the configured checks in the check history.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.availability.models import CheckHistory, Outage
from checks.availability.plugin import feature
from checks.availability.service import SERVICE
from checks.config import CHECKS
from itops import heartbeat
from itops.cli import main
from itops.clock import FixedClock
from itops.config import load
from itops.context import AppContext
from itops.db.session import session_scope
from itops.messages import Summary
from itops.status import ProbeResult, Status
from tests.conftest import write_config

WARSAW = ZoneInfo("Europe/Warsaw")
FIRST_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Warsaw
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

BIP = """
[[checks]]
name = "bip"
kind = "tcp"
host = "127.0.0.1"
port = 1
"""
POCZTA = """
[[checks]]
name = "poczta"
kind = "tcp"
host = "127.0.0.1"
port = 2
"""


def _local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW).astimezone(UTC)


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "itops.toml", db_url, extra=BIP + POCZTA)


def itops(capsys: pytest.CaptureFixture[str], config: Path, at: datetime, *args: str) -> str:
    """One command at a fixed clock; its stdout (exit 0 asserted)."""
    capsys.readouterr()
    code = 0
    try:
        main(["--config", str(config), *args], clock=FixedClock(at))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    return out.out


def start_itops(config: Path, at: datetime, *, reload: bool = False, probed: bool = True) -> None:
    """What the daemon does about history when it starts at ``at`` (or, running since,
    reloads its config then: the heartbeat beats on), and, ``probed``, each configured
    check's first result at once (``probe_results`` gives one later)."""
    ctx = AppContext.create(load(config), config, FixedClock(at))
    try:
        if reload:
            with session_scope(ctx.sessions) as db:
                heartbeat.beat(db, at)
        else:
            year = at.astimezone(WARSAW).year
            heartbeat.start(ctx.sessions, at, datetime(year, 1, 1, tzinfo=WARSAW).astimezone(UTC))
        assert feature.reloaded is not None
        feature.reloaded(ctx)
        if probed:
            _results(ctx, at)
    finally:
        ctx.engine.dispose()


def probe_results(config: Path, at: datetime) -> None:
    """Each configured check's result at ``at``, OK, through the outage tracker after a
    start (which takes up the open gaps, as the daemon does)."""
    ctx = AppContext.create(load(config), config, FixedClock(at))
    try:
        SERVICE.of(ctx).tracker.load()
        _results(ctx, at)
    finally:
        ctx.engine.dispose()


def _results(ctx: AppContext, at: datetime) -> None:
    tracker = SERVICE.of(ctx).tracker
    for cfg in ctx.settings.section(CHECKS):
        tracker.submit(ProbeResult(cfg.name, cfg.kind, Status.OK, Summary("demo.ok"), at, 0.01))
    tracker.flush(at, everything=True)


def probe_outage(config: Path, check: str, start: datetime, end: datetime) -> None:
    """An outage as the outage tracker stores it from probe results."""
    ctx = AppContext.create(load(config), config, FixedClock(end))
    try:
        with session_scope(ctx.sessions) as db:
            db.add(
                Outage(
                    check_name=check,
                    unit_id="office",
                    start=start,
                    end=end,
                    cause="failure",
                    source="probe",
                    created_at=end,
                )
            )
    finally:
        ctx.engine.dispose()


def kpi(capsys: pytest.CaptureFixture[str], config: Path, year: int) -> dict[str, object]:
    data = json.loads(itops(capsys, config, NOW, "kpi", "--year", str(year), "--json"))
    availability: dict[str, object] = data["availability"]
    return availability


def checks_of(capsys: pytest.CaptureFixture[str], config: Path, year: int) -> dict[str, dict]:  # type: ignore[type-arg]
    data = json.loads(
        itops(
            capsys,
            config,
            NOW,
            "availability",
            "--from",
            f"{year}-01-01",
            "--to",
            f"{year + 1}-01-01",
            "--json",
        )
    )
    return {c["name"]: c for c in data["checks"]}


def working_since_june(capsys: pytest.CaptureFixture[str], config: Path) -> float:
    """The working seconds from 1 June 2026 to the year's end (as of NOW)."""
    out = itops(
        capsys, config, NOW, "availability", "--from", "2026-06-01", "--to", "2027-01-01", "--json"
    )
    seconds: float = json.loads(out)["checks"][0]["working_seconds"]
    return seconds


def test_a_year_before_the_first_start_is_unknown(
    config: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """First started in March 2026: 2025 was watched by nobody. The KPI cannot be told, and
    the report says so instead of "cel został osiągnięty"."""
    start_itops(config, FIRST_START)
    assert kpi(capsys, config, 2025) == {
        "working_seconds": 0.0,
        "downtime_seconds": 0.0,
        "availability": None,
        "target": 1.0,
        "met": None,
        "basis": "none",
    }
    figures = checks_of(capsys, config, 2025)
    assert {n: (c["coverage"], c["availability"]) for n, c in figures.items()} == {
        "bip": (0.0, None),
        "poczta": (0.0, None),
    }
    text = itops(capsys, config, NOW, "kpi", "--year", "2025")
    [line] = [x for x in text.splitlines() if x.startswith("1. ")]
    assert "brak danych" in line and line.endswith("– nie do ustalenia"), line
    out = tmp_path / "report"
    itops(capsys, config, NOW, "report", "annual", "--year", "2025", "--out", str(out), "--no-pdf")
    [path] = out.glob("*.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    [kpi1] = [c for c in report["conclusions"] if c["kpi"] == "availability"]
    assert kpi1["met"] is None
    assert "cel został osiągnięty" not in kpi1["text"]
    assert "nie da się ustalić" in kpi1["text"]
    # 2026 is known from the first start on, the months before it are not
    year = kpi(capsys, config, 2026)
    assert year["basis"] == "watched" and year["met"] is True
    assert [m["availability"] for m in report_months(capsys, config, tmp_path)][:3] == [
        None,
        None,
        1.0,
    ]


def report_months(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> list[dict[str, object]]:
    out = tmp_path / "report-2026"
    itops(capsys, config, NOW, "report", "annual", "--year", "2026", "--out", str(out), "--no-pdf")
    [path] = out.glob("*.json")
    months: list[dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))["availability"][
        "months"
    ]
    return months


def test_outages_entered_by_hand_before_the_first_start_count_alone(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An outage of 2025 from the paper log: the KPI says it rests on hand-entered outages
    only, counts that outage, and shows a miss; its coverage is the outage's own time."""
    start_itops(config, FIRST_START)
    itops(
        capsys,
        config,
        NOW,
        "outages",
        "add",
        "--check",
        "bip",
        "--start",
        "2025-06-10T09:00:00+02:00",
        "--end",
        "2025-06-10T10:30:00+02:00",
        "--note",
        "z zeszytu awarii",
    )
    year = kpi(capsys, config, 2025)
    assert year["basis"] == "manual"
    assert year["downtime_seconds"] == 5400.0
    assert year["met"] is False
    assert isinstance(year["availability"], float) and year["availability"] < 1.0
    bip = checks_of(capsys, config, 2025)["bip"]
    assert bip["coverage"] == pytest.approx(5400.0 / bip["working_seconds"])
    text = itops(capsys, config, NOW, "kpi", "--year", "2025")
    assert "wyłącznie na podstawie awarii wpisanych ręcznie" in text


def test_a_check_is_watched_only_since_it_was_configured(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    """poczta joins the config on 1 June: its coverage is the working time since then over
    the year's; a check in the config that itops never ran has no coverage at all."""
    only_bip = write_config(tmp_path / "bip.toml", db_url, extra=BIP)
    start_itops(only_bip, FIRST_START)
    june = _local(2026, 6, 1, 8, 0)
    start_itops(config, june, reload=True)
    figures = checks_of(capsys, config, 2026)
    assert figures["bip"]["coverage"] > 0.8  # from 2 March
    since_june = working_since_june(capsys, config)
    poczta = figures["poczta"]
    assert poczta["coverage"] == pytest.approx(since_june / poczta["working_seconds"])
    assert poczta["unknown_seconds"] == poczta["working_seconds"] - since_june
    with_www = write_config(
        tmp_path / "www.toml",
        db_url,
        extra=BIP
        + POCZTA
        + '[[checks]]\nname = "www"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 3\n',
    )
    www = checks_of(capsys, with_www, 2026)["www"]
    assert (www["coverage"], www["availability"]) == (0.0, None)


def test_a_check_added_is_unknown_until_its_first_result(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A check that has not produced a result is not known to be up (seen on a fresh
    make run: bip-certyfikat, never probed, showed 100,000 % for its first hours). From
    its adding to its first result it is in a monitoring gap; then it is watched."""
    start_itops(config, FIRST_START, probed=False)
    never = checks_of(capsys, config, 2026)
    assert {n: (c["coverage"], c["availability"]) for n, c in never.items()} == {
        "bip": (0.0, None),
        "poczta": (0.0, None),
    }
    june = _local(2026, 6, 1, 8, 0)
    probe_results(config, june)
    since_june = working_since_june(capsys, config)
    bip = checks_of(capsys, config, 2026)["bip"]
    assert bip["availability"] == 1.0
    assert bip["coverage"] == pytest.approx(since_june / bip["working_seconds"])


def test_removing_a_check_keeps_its_outages_in_past_years(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    """poczta was down 60 working minutes in April, then left the config in June: the
    2026 figure keeps that outage, with the config edited and after the daemon reloaded."""
    start_itops(config, FIRST_START)
    probe_outage(config, "poczta", _local(2026, 4, 14, 9, 0), _local(2026, 4, 14, 10, 0))
    before = kpi(capsys, config, 2026)
    assert before["downtime_seconds"] == 3600.0
    only_bip = write_config(tmp_path / "bip.toml", db_url, extra=BIP)
    assert kpi(capsys, only_bip, 2026) == before  # edited, not yet reloaded
    start_itops(only_bip, _local(2026, 6, 1, 8, 0), reload=True)  # records the removal
    assert kpi(capsys, only_bip, 2026) == before
    assert checks_of(capsys, only_bip, 2026)["poczta"]["outages"] == 1
    assert "poczta" not in checks_of(capsys, only_bip, 2027)
    with session_scope_of(config) as db:
        events = [(r.check_name, r.event) for r in db.scalars(select(CheckHistory))]
    assert sorted(events) == [("bip", "added"), ("poczta", "added"), ("poczta", "removed")]


def test_a_check_taken_out_of_the_kpi_counts_only_while_it_counted(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    """counts_for_kpi = false from June: April's outage still counts, July's does not."""
    start_itops(config, FIRST_START)
    probe_outage(config, "poczta", _local(2026, 4, 14, 9, 0), _local(2026, 4, 14, 10, 0))
    out_of_kpi = write_config(
        tmp_path / "out.toml",
        db_url,
        extra=BIP + POCZTA.replace('kind = "tcp"', 'kind = "tcp"\ncounts_for_kpi = false'),
    )
    start_itops(out_of_kpi, _local(2026, 6, 1, 8, 0), reload=True)
    probe_outage(config, "poczta", _local(2026, 7, 14, 9, 0), _local(2026, 7, 14, 9, 30))
    assert kpi(capsys, out_of_kpi, 2026)["downtime_seconds"] == 3600.0
    assert kpi(capsys, config, 2026)["downtime_seconds"] == 3600.0  # the file does not decide


@contextmanager
def session_scope_of(config: Path) -> Iterator[Session]:
    ctx = AppContext.create(load(config), config, FixedClock(NOW))
    try:
        with session_scope(ctx.sessions) as db:
            yield db
    finally:
        ctx.engine.dispose()


def test_the_migration_sets_watched_since_from_the_first_result(
    empty_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing database: each check is watched from its first stored result (raw,
    rolled up, or a probe outage); an outage entered by hand is no result; a check with no
    result gets no row (the next daemon start adds it)."""
    from sqlalchemy import text

    from itops.db.session import make_engine, upgrade

    upgrade(empty_db_url, "0820_outage_public_note")
    engine = make_engine(empty_db_url)
    april, may = _local(2026, 4, 1, 8, 0), _local(2026, 5, 4, 8, 0)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO probe_rollup (check_name, start, seconds, count, failures, "
                "unknowns, latency_min, latency_sum, latency_max, latency_p95) "
                "VALUES ('bip', :at, 3600, 60, 0, 0, 0.01, 0.6, 0.01, 0.01)"
            ),
            {"at": april.replace(tzinfo=None) if "sqlite" in empty_db_url else april},
        )
        conn.execute(
            text(
                'INSERT INTO outage (check_name, unit_id, start, "end", cause, source, '
                "summary, note, created_at) VALUES ('poczta', 'office', :a, :b, 'failure', "
                "'manual', '', '', :b)"
            ),
            {
                k: (v.replace(tzinfo=None) if "sqlite" in empty_db_url else v)
                for k, v in {"a": _local(2026, 2, 2, 9, 0), "b": _local(2026, 2, 2, 10, 0)}.items()
            },
        )
        conn.execute(
            text(
                "INSERT INTO probe_result (check_name, at, status, duration, summary, reason) "
                "VALUES ('poczta', :at, 0, 0.01, '', 'sample')"
            ),
            {"at": may.replace(tzinfo=None) if "sqlite" in empty_db_url else may},
        )
    engine.dispose()
    upgrade(empty_db_url)
    config = write_config(tmp_path / "itops.toml", empty_db_url, extra=BIP + POCZTA)
    with session_scope_of(config) as db:
        rows = {r.check_name: (r.at, r.event, r.kind) for r in db.scalars(select(CheckHistory))}
    assert rows == {"bip": (april, "added", None), "poczta": (may, "added", None)}
    figures = checks_of(capsys, config, 2026)
    assert figures["poczta"]["coverage"] < figures["bip"]["coverage"] < 1.0
    assert figures["poczta"]["outages"] == 1  # February, recorded by hand: counted
    start_itops(config, NOW, reload=True)  # the daemon completes the rows it found
    with session_scope_of(config) as db:
        kinds = {(r.check_name, r.kind, r.target) for r in db.scalars(select(CheckHistory))}
    assert kinds == {("bip", "tcp", "127.0.0.1:1"), ("poczta", "tcp", "127.0.0.1:2")}
