"""``itops availability`` and ``itops outages …`` end to end through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from checks.availability.models import Outage, OutageReclassification
from itops.cli import main
from itops.db.session import make_engine, make_sessionmaker, session_scope
from tests.conftest import write_config

CHECKS = """
[[checks]]
name = "bip"
kind = "tcp"
host = "127.0.0.1"
port = 1

[[checks]]
name = "poczta"
kind = "tcp"
host = "127.0.0.1"
port = 2
"""


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    path = write_config(tmp_path / "itops.toml", db_url, extra=CHECKS)
    return path


def run(config: Path, *args: str) -> int:
    try:
        main(["--config", str(config), *args])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def count_outages(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            return int(db.scalar(select(func.count()).select_from(Outage)) or 0)
    finally:
        engine.dispose()


def test_added_outage_shows_in_availability_json(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(
            config,
            "outages",
            "add",
            "--check",
            "bip",
            "--start",
            "2026-03-10T08:00:00+01:00",
            "--end",
            "2026-03-10T09:00:00+01:00",
            "--note",
            "zasilacz",
            "--by",
            "anna",
        )
        == 0
    )
    capsys.readouterr()
    assert run(config, "availability", "--from", "2026-01-01", "--to", "2026-04-01", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["office"]["downtime_seconds"] == 3600
    assert data["office"]["met"] is False
    assert [c["outages"] for c in data["checks"]] == [1, 0]


def test_outages_flag_lists_working_hours_minutes(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        config,
        "outages",
        "add",
        "--check",
        "poczta",
        "--start",
        "2026-03-13T15:00:00+01:00",
        "--end",
        "2026-03-16T09:00:00+01:00",
        "--by",
        "anna",
    )
    capsys.readouterr()
    assert (
        run(config, "availability", "--from", "2026-01-01", "--to", "2027-01-01", "--outages") == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split("\t")[:5] == [
        "poczta",
        "2026-03-13T15:00+01:00",
        "2026-03-16T09:00+01:00",
        "90.0",
        "failure",
    ]


def test_csv_import_rejects_the_whole_file_naming_bad_rows(
    config: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "protokoly.csv"
    csv.write_text(
        "check,start,end,cause,note\n"
        "bip,2025-02-03T09:00:00+01:00,2025-02-03T10:00:00+01:00,failure,dysk\n"
        "nieznany,2025-02-04T09:00:00+01:00,2025-02-04T10:00:00+01:00,failure,\n"
        "poczta,2025-02-05T09:00:00,2025-02-05T10:00:00+01:00,failure,\n"
        "poczta,2025-02-06T09:00:00+01:00,2025-02-06T10:00:00+01:00,burza,\n",
        encoding="utf-8",
    )
    assert run(config, "outages", "import", str(csv)) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "line 4" in err and "line 5" in err and "line 2" not in err
    assert count_outages(db_url) == 0


def test_csv_rows_that_overlap_are_named_by_both_lines_in_office_time(
    config: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: 'rows overlap at 2026-10-26T07:30:00+00:00' (no rows, UTC) (issue 13)."""
    csv = tmp_path / "protokoly.csv"
    csv.write_text(
        "check,start,end,cause,note\n"
        "bip,2026-10-26T08:00:00+01:00,2026-10-26T09:00:00+01:00,failure,dysk\n"
        "poczta,2026-10-26T08:00:00+01:00,2026-10-26T09:00:00+01:00,failure,\n"
        "bip,2026-10-26T06:30:00Z,2026-10-26T09:00:00Z,failure,drugi wpis\n",
        encoding="utf-8",
    )
    assert run(config, "outages", "import", str(csv)) == 2
    err = capsys.readouterr().err
    assert (
        'lines 2 and 4: check "bip": 2026-10-26 08:00 – 09:00 overlaps '
        "2026-10-26 07:30 – 10:00 (office time, Europe/Warsaw)"
    ) in err
    assert count_outages(db_url) == 0


def test_an_import_overlapping_a_stored_outage_gives_office_times(
    config: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "protokoly.csv"
    csv.write_text(
        "check,start,end,cause,note\n"
        "bip,2026-10-26T08:00:00+01:00,2026-10-26T09:00:00+01:00,failure,dysk\n",
        encoding="utf-8",
    )
    assert run(config, "outages", "import", str(csv)) == 0
    capsys.readouterr()
    assert run(config, "outages", "import", str(csv)) == 2
    err = capsys.readouterr().err
    assert "2026-10-26 08:00 – 09:00 overlaps outage #" in err
    assert "(2026-10-26 08:00 – 09:00, office time, Europe/Warsaw)" in err
    assert count_outages(db_url) == 1


def test_csv_import_of_a_good_file_writes_every_row(
    config: Path, db_url: str, tmp_path: Path
) -> None:
    csv = tmp_path / "protokoly.csv"
    csv.write_text(
        "check,start,end,cause,note\n"
        "bip,2025-02-03T09:00:00+01:00,2025-02-03T10:00:00+01:00,failure,dysk\n"
        "poczta,2025-02-05T09:00:00+01:00,2025-02-05T10:00:00+01:00,external,operator\n",
        encoding="utf-8",
    )
    assert run(config, "outages", "import", str(csv)) == 0
    assert count_outages(db_url) == 2


def test_bad_outage_input_exits_2_and_writes_nothing(config: Path, db_url: str) -> None:
    assert (
        run(
            config,
            "outages",
            "add",
            "--check",
            "bip",
            "--start",
            "2026-03-10T08:00:00",
            "--end",
            "2026-03-10T09:00:00+01:00",
        )
        == 2
    )
    assert (
        run(
            config,
            "outages",
            "add",
            "--check",
            "bip",
            "--start",
            "2026-03-10T10:00:00+01:00",
            "--end",
            "2026-03-10T09:00:00+01:00",
        )
        == 2
    )
    assert count_outages(db_url) == 0


def test_reclassify_appends_a_record_and_keeps_the_original(
    config: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        config,
        "outages",
        "add",
        "--check",
        "bip",
        "--start",
        "2026-03-10T08:00:00+01:00",
        "--end",
        "2026-03-10T09:00:00+01:00",
        "--by",
        "anna",
    )
    assert (
        run(
            config,
            "outages",
            "reclassify",
            "1",
            "--cause",
            "planned",
            "--reason",
            "prace zgłoszone w piśmie",
            "--by",
            "jan",
        )
        == 0
    )
    assert run(config, "outages", "reclassify", "1", "--cause", "bogus", "--reason", "x") == 2
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as db:
        outage = db.get(Outage, 1)
        records = list(db.scalars(select(OutageReclassification)))
    engine.dispose()
    assert outage is not None and outage.cause == "failure"
    assert [(r.actor, r.from_cause, r.to_cause) for r in records] == [("jan", "failure", "planned")]
    capsys.readouterr()
    run(config, "availability", "--from", "2026-01-01", "--to", "2027-01-01", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["checks"][0]["excluded_seconds"] == 3600
    assert data["office"]["downtime_seconds"] == 0


def test_bad_period_exits_2(config: Path) -> None:
    assert run(config, "availability", "--from", "2026-13-01", "--to", "2027-01-01") == 2
    assert run(config, "availability", "--from", "2027-01-01", "--to", "2026-01-01") == 2


def test_recurring_maintenance_from_cli_is_excluded(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(
            config,
            "maintenance",
            "add",
            "--name",
            "kopie",
            "--check",
            "bip",
            "--weekdays",
            "tuesday",
            "--hours",
            "08:00-09:00",
            "--no-silence-alerts",
        )
        == 0
    )
    run(
        config,
        "outages",
        "add",
        "--check",
        "bip",
        "--start",
        "2026-03-10T08:00:00+01:00",
        "--end",
        "2026-03-10T10:00:00+01:00",
    )
    capsys.readouterr()
    run(
        config,
        "availability",
        "--from",
        "2026-03-01",
        "--to",
        "2026-04-01",
        "--json",
        "--check",
        "bip",
    )
    data = json.loads(capsys.readouterr().out)
    assert data["checks"][0]["downtime_seconds"] == 3600


def test_outages_list_json_shows_history_with_original_cause(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        config,
        "outages",
        "add",
        "--check",
        "bip",
        "--start",
        "2026-03-10T08:00:00+01:00",
        "--end",
        "2026-03-10T09:00:00+01:00",
        "--note",
        "zasilacz",
        "--by",
        "anna",
    )
    run(
        config,
        "outages",
        "reclassify",
        "1",
        "--cause",
        "false_alarm",
        "--reason",
        "czujnik",
        "--by",
        "jan",
    )
    capsys.readouterr()
    assert (
        run(config, "outages", "list", "--from", "2026-01-01", "--to", "2027-01-01", "--json") == 0
    )
    [item] = json.loads(capsys.readouterr().out)
    assert (item["cause"], item["original_cause"], item["note"]) == (
        "false_alarm",
        "failure",
        "zasilacz",
    )
    assert item["reclassifications"][0]["by"] == "jan"


def test_maintenance_list_shows_config_and_cli_windows(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = (
        CHECKS
        + """
[[maintenance]]
name = "kopie nocne"
weekdays = ["sunday"]
hours = "02:00-04:00"
exclude_from_availability = false
"""
    )
    path = write_config(tmp_path / "itops.toml", db_url, extra=extra)
    assert (
        run(
            path,
            "maintenance",
            "add",
            "--name",
            "wymiana serwera",
            "--check",
            "poczta",
            "--start",
            "2026-12-05T18:00",
            "--end",
            "2026-12-05T22:00",
        )
        == 0
    )
    assert run(path, "maintenance", "add", "--name", "zle", "--start", "2026-12-05T18:00") == 2
    capsys.readouterr()
    assert run(path, "maintenance", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("config\tkopie nocne\tsunday 02:00-04:00")
    assert "silences alerts" in lines[0] and "excluded" not in lines[0]
    assert lines[1].startswith("db\twymiana serwera\t2026-12-05T18:00+01:00")
