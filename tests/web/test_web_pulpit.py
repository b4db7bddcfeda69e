"""The Pulpit's KPI 1 tile trend, the office's 30-working-day strip and the active problems
besides checks (backups, antivirus, silent agents), in process on both engines.

Each trend bar is the office figure from 1 January to that month's end, held equal to
``itops availability --from 2026-01-01 --to <next month> --json``; its last bar is the
tile's value.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from checks.availability.models import Outage, ProbeResultRow
from checks.availability.service import SERVICE
from checks.backups.service import service as backup_service
from checks.backups.store import AvSnapshot, BackupSnapshot
from inventory.models import Asset
from itops.cli import main
from itops.config import Settings, load
from itops.context import AppContext
from itops.db.session import session_scope
from itops.messages import Summary
from itops.status import Status
from itops.web.app import create_app
from tests.conftest import write_config

from .conftest import AsgiClient

SVG = "{http://www.w3.org/2000/svg}"
CHECKS = """
[[checks]]
name = "bip"
kind = "tcp"
host = "127.0.0.1"
port = 1

[[checks]]
name = "ezd"
kind = "tcp"
host = "127.0.0.1"
port = 2
"""


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "itops.toml", db_url, extra=CHECKS)


@pytest.fixture
def settings(config: Path) -> Settings:
    return load(config)


def _outage(check: str, start: datetime, minutes: int) -> Outage:
    return Outage(
        check_name=check,
        unit_id="office",
        start=start,
        end=start + timedelta(minutes=minutes),
        cause="failure",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def _svg(html: str, chart_id: str) -> ET.Element:
    found = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert found, f"no chart {chart_id}"
    return ET.fromstring(found.group(0))  # noqa: S314 - our own page


def _titles(root: ET.Element, css: str) -> list[str]:
    return [
        "".join(r.itertext())
        for r in root.iter(f"{SVG}rect")
        if (r.get("class") or "").startswith(css)
    ]


def _office_ytd(config: Path, capsys: pytest.CaptureFixture[str], until: date) -> float:
    capsys.readouterr()
    try:
        main(
            ["--config", str(config), "availability", "--from", "2026-01-01"]
            + ["--to", until.isoformat(), "--json"]
        )
    except SystemExit as exc:
        assert not exc.code
    data = json.loads(capsys.readouterr().out)
    return float(data["office"]["availability"])


async def test_pulpit_trend_strip_and_problems_besides_checks(
    ctx: AppContext,
    users: dict[str, str],
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = ctx.clock.now()  # Thursday 26 November 2026, 11:00 local
    with session_scope(ctx.sessions) as db:
        db.add_all(
            [
                _outage("bip", datetime(2026, 3, 10, 8, 0, tzinfo=UTC), 240),
                _outage("ezd", datetime(2026, 3, 10, 10, 0, tzinfo=UTC), 60),  # overlaps bip
                _outage("bip", datetime(2026, 7, 1, 9, 0, tzinfo=UTC), 30),
                # Wednesday 25 November 10:00-10:48 local: 48 of 480 working minutes
                _outage("ezd", datetime(2026, 11, 25, 9, 0, tzinfo=UTC), 48),
            ]
        )
        db.add(
            ProbeResultRow(
                check_name="bip",
                at=datetime(2026, 11, 2, 8, tzinfo=UTC),
                status=0,
                duration=0.01,
                reason="sample",
            )
        )
        db.add(
            Asset(
                category="desktop",
                hostname="pc-milczacy-07",
                inventory_no="DEMO/T/7",
                last_seen=now - timedelta(days=12),
                facts=json.dumps({"received_at": (now - timedelta(days=12)).isoformat()}),
            )
        )
    SERVICE.of(ctx).refresh_year()
    from inventory.metrics import refresh as refresh_inventory

    refresh_inventory(ctx)
    backup_service(ctx).load()  # as the daemon's start does, before the states below
    snap = backup_service(ctx).snapshot
    snap.backups["kopia-ezd"] = BackupSnapshot(
        "kopia-ezd",
        "file",
        "office",
        Status.CRITICAL,
        "no file found",
        now,
        now,
        None,
        None,
        None,
        None,
        "",
    )
    snap.antivirus["pc-ksiegowosc-2"] = AvSnapshot(
        "pc-ksiegowosc-2",
        "ClamAV",
        Status.WARNING,
        Summary("backup.not_found.file"),
        now,
        now,
        None,
        None,
        None,
    )
    client = AsgiClient(create_app(ctx))
    await client.login(users["it_officer"])
    html = (await client.get("/")).text
    # each KPI tile shows its target, through the page's formatter (issue 13)
    targets = re.findall(r'<span class="tile-target">([^<]+)</span>', html)
    assert targets == ["cel 100%", "cel &lt; 10%", "cel ≥ 15%"], targets

    trend = _svg(html, "trend-kpi1")
    bars = _titles(trend, "bar")
    assert len(bars) == 11  # January .. November
    for month in (2, 3, 7):  # months over by the CLI's wall clock as well
        ratio = _office_ytd(config, capsys, date(2026, month + 1, 1))
        floored = math.floor(ratio * 100 * 1000 + 1e-9) / 1000  # never rounded up
        assert bars[month - 1].endswith(f"{floored:.3f}".replace(".", ",") + "%"), month
    assert bars[1].endswith("100,000%") and not bars[2].endswith("100,000%")
    tile_value = re.search(r'<span class="tile-value">([^<]+)</span>', html)
    assert tile_value and bars[10].endswith(tile_value[1])  # the last bar is the tile

    for kpi in ("trend-kpi2", "trend-kpi3"):  # the inventory's KPI tiles: 11 months too
        assert len(_titles(_svg(html, kpi), "bar")) == 11, kpi

    strip = _svg(html, "office-days")
    cells = _titles(strip, "cell ")
    assert len(cells) == 30
    assert cells[-2] == "śr. 25.11: 90,0% czasu pracy, przestoje 48 min"
    assert all(c.endswith("brak danych") for c in cells[:12])  # before the first result

    problems = html.split('id="problems-h"')[1].split("</section>")[0]
    assert 'href="/backups/kopia-ezd"' in problems and "nie znaleziono pliku kopii" in problems
    assert 'href="/antivirus"' in problems and "pc-ksiegowosc-2" in problems
    assert "pc-milczacy-07" in problems and "agent milczy" in problems
    assert re.search(r'href="/inventory/asset/\d+">pc-milczacy-07', problems)
    await client.login(users["monitoring_officer"])  # cannot open those pages: not listed
    assert "pc-milczacy-07" not in (await client.get("/")).text
