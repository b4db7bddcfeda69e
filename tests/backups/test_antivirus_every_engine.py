"""Every engine that protects the office counts (issue 13): a ClamAV server in error pulls
the header, the Pulpit tile, the ratio metric and ``itops antivirus status`` down, and a
retired computer opens no non-compliance after its retirement."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from checks.backups import store
from checks.backups.models import AvIncident
from checks.backups.public import antivirus_compliance, antivirus_year_summary, protected_hosts
from checks.backups.service import service
from itops.context import AppContext
from itops.db.session import session_scope
from itops.status import Status
from tests.backups.backup_support import agent_report, store_antivirus
from tests.conftest import make_settings, write_config
from tests.inventory.helpers import asset

ITOPS = str(Path(sys.executable).parent / "itops")
CLAMAV = {
    "clamav": [{"name": "clamav-serwer", "socket": "/nonexistent/clamd.ctl", "interval": "15m"}]
}
CLAMAV_TOML = """
[[antivirus.clamav]]
name = "clamav-serwer"
socket = "/nonexistent/clamd.ctl"
"""


def _with_clamav(ctx: AppContext) -> None:
    ctx.settings = make_settings(ctx.settings.storage.url, antivirus=CLAMAV)


def _clamav_failed(ctx: AppContext, at: datetime) -> None:
    with session_scope(ctx.sessions) as db:
        snap, _ = store.record_av(
            db,
            host="clamav-serwer",
            product="clamav",
            status=Status.CRITICAL,
            summary="clamd not answering on /nonexistent/clamd.ctl",
            at=at,
            signature_updated=None,
            signature_version=None,
            realtime=False,
            fields={},
        )
    service(ctx).remember_av(snap)


def test_a_failing_clamav_server_counts_in_the_figure_tile_and_metric(ctx: AppContext) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from checks.backups.metrics import BackupCollector
    from checks.backups.plugin import tiles

    _with_clamav(ctx)
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", hostname="pc-test-01")
    svc = service(ctx)
    svc.load()
    store_antivirus(svc, agent_report("PC-TEST-01", now))
    _clamav_failed(ctx, now)
    with session_scope(ctx.sessions) as db:
        expected = protected_hosts(db, ctx.settings, now)
        figure = antivirus_compliance(db, ctx.settings, now, expected)
    assert expected == ["clamav-serwer", "pc-test-01"]
    assert (figure.compliant, figure.expected) == (1, 2)
    assert [h.host for h in figure.others] == ["clamav-serwer"]
    [tile] = [t for t in tiles(ctx) if t.label == "Ochrona antywirusowa"]
    assert (tile.value, tile.detail, tile.ok) == ("50%", "1/2", False)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BackupCollector(svc))
    assert "itops_antivirus_compliant_ratio 0.5" in generate_latest(registry).decode()


def test_a_clamav_server_that_never_reported_is_unknown_not_left_out(ctx: AppContext) -> None:
    _with_clamav(ctx)
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        expected = protected_hosts(db, ctx.settings, now)
        figure = antivirus_compliance(db, ctx.settings, now, expected)
    assert [(h.host, h.state) for h in figure.hosts] == [("clamav-serwer", "unknown")]
    assert (figure.compliant, figure.expected) == (0, 1)


def test_cli_status_counts_a_failing_clamav_server(ctx: AppContext, tmp_path: Path) -> None:
    """``itops antivirus status`` as a user runs it (a subprocess, the real clock)."""
    now = datetime.now(UTC)
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", hostname="pc-test-01", bought=date(2020, 5, 1))
    _with_clamav(ctx)
    store_antivirus(service(ctx), agent_report("PC-TEST-01", now))
    _clamav_failed(ctx, now)
    cfg = write_config(tmp_path / "itops.toml", ctx.settings.storage.url, extra=CLAMAV_TOML)
    out = subprocess.run(
        [ITOPS, "--config", str(cfg), "antivirus", "status"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "compliant: 1/2 (50%)" in out.stdout
    assert "clamav-serwer\tnoncompliant" in out.stdout


def test_a_retired_computer_opens_no_noncompliance_after_retirement(ctx: AppContext) -> None:
    now = ctx.clock.now()
    retired_on = (now - timedelta(days=3)).date()
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", hostname="pc-test-01", retired=retired_on)
    svc = service(ctx)
    svc.load()
    store_antivirus(svc, agent_report("PC-TEST-01", now, RealTimeProtectionEnabled=False))
    with session_scope(ctx.sessions) as db:
        incidents = list(db.scalars(select(AvIncident)))
        expected = protected_hosts(db, ctx.settings, now)
    assert incidents == []
    assert expected is None or "pc-test-01" not in expected


def test_an_open_noncompliance_closes_at_retirement(ctx: AppContext) -> None:
    """Out of compliance before it was retired: the incident ends on the retirement day
    (local midnight), and the year counts the host only up to then."""
    now = ctx.clock.now()
    before = now - timedelta(days=10)
    svc = service(ctx)
    with session_scope(ctx.sessions) as db:
        pc = asset(db, "INV-TEST-0001", hostname="pc-test-01")
    svc.load()
    store_antivirus(svc, agent_report("PC-TEST-01", before, RealTimeProtectionEnabled=False))
    retired_on = (now - timedelta(days=4)).date()
    with session_scope(ctx.sessions) as db:
        from zoneinfo import ZoneInfo

        from inventory.ledger import retire
        from inventory.models import Asset

        row = db.get(Asset, pc.id)
        assert row is not None
        retire(db, row, retired_on, ZoneInfo("Europe/Warsaw"), now)
    svc._sweep()
    with session_scope(ctx.sessions) as db:
        [incident] = list(db.scalars(select(AvIncident)))
        year = antivirus_year_summary(db, ctx.settings, 2026, now, ["pc-test-01"])
    out_at = datetime(retired_on.year, retired_on.month, retired_on.day, tzinfo=UTC) - timedelta(
        hours=1
    )  # local midnight in Warsaw (CET, UTC+1 in November)
    assert incident.end == out_at
    assert year.out_seconds == (out_at - incident.start).total_seconds()
    assert year.tracked_seconds == year.out_seconds
