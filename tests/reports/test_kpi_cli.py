"""``itops kpi``: one object with all three KPIs, the same numbers their features compute."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from itops.cli import main
from itops.context import AppContext
from itops.db.session import session_scope
from tests.conftest import write_config
from tests.inventory.helpers import asset, protocol

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
        "count": 1, "equipment": 4, "ratio": 0.25, "target": 0.1, "met": False}
    assert {k: pur[k] for k in ("count", "computers", "ratio", "target", "met")} == {
        "count": 4, "computers": 4, "ratio": 1.0, "target": 0.15, "met": True}
    assert [p["number"] for p in rep["protocols"]] == ["PN/1/2026"]
    assert len(pur["purchased_list"]) == 4
    assert data["availability"]["availability"] == 1.0


def test_kpi_availability_is_the_office_figure_of_itops_availability(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path / "itops.toml", db_url, extra=CHECKS)
    main_ok = ["--config", str(cfg)]
    try:
        main([*main_ok, "outages", "add", "--check", "poczta", "--start",
              "2025-03-10T08:00:00+01:00", "--end", "2025-03-10T09:27:00+01:00", "--by", "anna"])
    except SystemExit as exc:
        assert exc.code in (0, None)
    kpi = run_json(cfg, capsys, "kpi", "--year", "2025", "--json")
    avail = run_json(cfg, capsys, "availability", "--year", "2025", "--json")
    assert kpi["availability"] == avail["office"]
    assert kpi["availability"]["downtime_seconds"] == 87 * 60
    assert kpi["availability"]["met"] is False


def test_kpi_text_states_the_rules(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", bought=date(2026, 2, 1))
        protocol(db, "PN/1/2026", date(2026, 5, 5), "INV-TEST-0001")
    cfg = write_config(tmp_path / "itops.toml", ctx.settings.storage.url)
    main(["--config", str(cfg), "kpi", "--year", "2026"])
    text = capsys.readouterr().out
    assert "KPI 1: availability" in text
    assert "KPI 2: repair protocols" in text and "PN/1/2026" in text
    assert "KPI 3: computers purchased" in text


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
