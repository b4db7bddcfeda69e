"""The ``host`` kind: thresholds over the newest agent report, silence as a monitoring gap."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checks.config import CheckConfig
from checks.hosts import plugin as hosts_plugin
from checks.kinds import CHECK_KINDS, host_report
from inventory.api import store_report
from inventory.collect import collect
from itops.check import Check
from itops.config import validate
from itops.context import AppContext
from itops.db.session import session_scope
from itops.status import Status
from tests.agent.test_agent_linux import health_root, recorded_run
from tests.availability.test_check_kinds import run


def host_check(**keys: Any) -> Check[Any]:
    raw = {"name": "serwer-plikow", "kind": "host", "host": "demo-srv-pliki", **keys}
    settings = validate({"office": {"name": "Urząd Testowy"}, "checks": [raw]})
    cfg: CheckConfig = settings.checks[0]
    return CHECK_KINDS.cls("host")(cfg)


def report(root: Path, **changes: Any) -> dict[str, Any]:
    data = collect(
        root, system="Linux", hostname="demo-srv-pliki", services=["smbd", "cups"], run=recorded_run
    ).model_dump(mode="json")
    data.update(changes)
    return data


@pytest.fixture
def reports() -> Iterator[dict[str, tuple[Mapping[str, Any], datetime]]]:
    stored: dict[str, tuple[Mapping[str, Any], datetime]] = {}
    previous = host_report.SOURCE
    host_report.SOURCE = stored.get
    yield stored
    host_report.SOURCE = previous


def fs(free_percent: float) -> list[dict[str, Any]]:
    size = 2_000_000_000_000
    return [
        {
            "mount": "/srv/dane",
            "device": "/dev/sdb1",
            "fstype": "xfs",
            "size_bytes": size,
            "free_bytes": int(size * free_percent / 100),
        }
    ]


def healthy(root: Path) -> dict[str, Any]:
    return report(
        root,
        filesystems=fs(40),
        services=[{"name": "smbd", "state": "running"}, {"name": "cups", "state": "running"}],
        updates={
            "pending": 0,
            "security": 0,
            "reboot_required": False,
            "last_success": datetime.now(UTC).isoformat(),
        },
    )


def now() -> datetime:
    return datetime.fromtimestamp(time.time(), tz=UTC)


async def test_a_healthy_host_is_ok(reports: dict[str, Any], tmp_path: Path) -> None:
    reports["demo-srv-pliki"] = (healthy(health_root(tmp_path)), now())
    result = await run(host_check(services=["smbd"]))
    assert result.status is Status.OK, result.summary


@pytest.mark.parametrize(("free", "status"), [(12, Status.WARNING), (3, Status.CRITICAL)])
async def test_a_filling_disk_is_a_warning_then_critical(
    reports: dict[str, Any], tmp_path: Path, free: float, status: Status
) -> None:
    reports["demo-srv-pliki"] = (healthy(health_root(tmp_path)) | {"filesystems": fs(free)}, now())
    result = await run(host_check())
    assert result.status is status
    assert f"/srv/dane: {free:.1f}% free" in str(result.summary)
    assert result.value("fs_free_percent:/srv/dane") == pytest.approx(free)


async def test_a_failed_named_service_is_critical(reports: dict[str, Any], tmp_path: Path) -> None:
    reports["demo-srv-pliki"] = (report(health_root(tmp_path), filesystems=fs(40)), now())
    result = await run(
        host_check(
            services=["smbd", "cups"],
            reboot_pending_warning=False,
            security_updates_warning=99,
            last_update_warning_days=None,
        )
    )
    assert result.status is Status.CRITICAL
    assert "service cups: failed" in str(result.summary)
    assert "smbd" not in str(result.summary)


async def test_pending_security_updates_and_reboot_are_warnings(
    reports: dict[str, Any], tmp_path: Path
) -> None:
    reports["demo-srv-pliki"] = (report(health_root(tmp_path), filesystems=fs(40)), now())
    result = await run(host_check(last_update_warning_days=None))
    assert result.status is Status.WARNING
    assert "2 security updates pending" in str(result.summary)
    assert "reboot required" in str(result.summary)


async def test_a_host_silent_past_its_interval_is_unknown_not_down(
    reports: dict[str, Any], tmp_path: Path
) -> None:
    data = healthy(health_root(tmp_path)) | {"filesystems": fs(1)}
    reports["demo-srv-pliki"] = (data, now() - timedelta(hours=30))
    result = await run(host_check(max_silence="26h"))
    assert result.status is Status.UNKNOWN
    assert "no agent report for 30 h (monitoring gap)" in str(result.summary)


async def test_a_host_that_never_reported_is_unknown(reports: dict[str, Any]) -> None:
    result = await run(host_check())
    assert result.status is Status.UNKNOWN
    assert "no agent report yet" in str(result.summary)


def test_host_health_does_not_count_for_kpi_unless_configured() -> None:
    assert host_check().config.kpi is False
    assert host_check(counts_for_kpi=True).config.kpi is True


async def test_the_daemon_binding_reads_the_stored_agent_report(
    ctx: AppContext, tmp_path: Path
) -> None:
    from inventory.payload import AgentReport

    data = healthy(health_root(tmp_path)) | {"filesystems": fs(4)}
    with session_scope(ctx.sessions) as db:
        store_report(db, AgentReport.model_validate(data), ctx.clock.now())
    previous = host_report.SOURCE
    hosts_plugin.bind(ctx)
    try:
        check = host_check(max_silence="3650d")
        result = await run(check)
    finally:
        host_report.SOURCE = previous
    assert result.status is Status.CRITICAL, result.summary
    assert result.value("received_ts") == ctx.clock.now().timestamp()


@pytest.mark.parametrize("month", [1, 7])
def test_the_demo_file_server_shows_its_full_disk_whatever_month_the_seed_runs(
    ctx: AppContext, month: int
) -> None:
    """A January seed covers last year: its last seeded day is 31 December, yet the file
    server's report is dated by the seed's clock, so its full D:\\ is CRITICAL, not UNKNOWN."""
    from datetime import date

    from checks.kinds.host_report import measure
    from inventory.demo import FILE_SERVER, seed_agent_reports
    from inventory.public import latest_agent_report
    from itops.clock import FixedClock
    from itops.demo import DemoHost, DemoReport
    from itops.status import Measurement

    now = FixedClock(datetime(2026, month, 15, 9, 0, tzinfo=UTC)).now()
    last_seeded = datetime(2025, 12, 31, 7, 30, tzinfo=UTC) if month == 1 else now
    host = DemoHost(FILE_SERVER, date(2020, 1, 1), None, "Windows Server 2022", "DEMO-SN-1")
    with session_scope(ctx.sessions) as db:
        seed_agent_reports(db, [DemoReport(host, last_seeded - timedelta(hours=2), {})], now)
    with session_scope(ctx.sessions) as db:
        found = latest_agent_report(db, FILE_SERVER)
    assert found is not None
    stored, received = found
    assert timedelta(0) < now - received <= timedelta(hours=12)
    check = host_check(services=["LanmanServer"])
    status, summary = check.evaluate(
        [
            Measurement("observed_at", now.timestamp(), "ts"),
            Measurement("received_ts", received.timestamp(), "ts"),
            *measure(stored, ["LanmanServer"]),
        ]
    )
    assert status is Status.CRITICAL, summary
