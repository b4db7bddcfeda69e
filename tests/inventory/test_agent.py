"""The real agent (``itops agent`` subprocess) against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inventory.api import create_token, hash_token
from inventory.models import AgentToken, Asset, AssetEvent
from itops.clock import FixedClock
from itops.context import AppContext
from itops.db.session import session_scope
from itops.messages import Summary
from tests.inventory.conftest import RunningServer, make_root
from tests.inventory.helpers import NOW, asset

ITOPS = str(Path(sys.executable).parent / "itops")
HOST = socket.gethostname().split(".")[0].lower()
WINDOWS_STATUS = json.dumps(
    {
        "defender": {
            "AMServiceEnabled": True,
            "AntivirusEnabled": True,
            "RealTimeProtectionEnabled": False,
            "AntispywareEnabled": True,
            "AntivirusSignatureLastUpdated": "/Date(1795680000000)/",
            "AntivirusSignatureVersion": "1.421.0.0",
            "AMProductVersion": "4.18.24090.11",
            "AMEngineVersion": "1.1.24090.11",
            "QuickScanEndTime": "2026-11-25T08:00:00Z",
            "FullScanEndTime": None,
            "IsTamperProtected": True,
        },
        "last_hotfix": "/Date(1795000000000)/",
        "os": {
            "Caption": "Microsoft Windows 10 Pro",
            "Version": "10.0.19045",
            "BuildNumber": "19045",
            "InstallDate": "/Date(1600000000000)/",
        },
    }
)


@pytest.fixture
def clock() -> FixedClock:
    """The real agent stamps its report with this host's clock; a server clock days
    behind it would rightly refuse the report (``collected_at`` in the future)."""
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


def _token(ctx: AppContext, tmp_path: Path, host: str = HOST) -> Path:
    with session_scope(ctx.sessions) as db:
        token = create_token(db, host, NOW)
    path = tmp_path / "agent.token"
    path.write_text(token + "\n")
    return path


def run_agent(
    server: str, token_file: Path, root: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            ITOPS,
            "agent",
            "--server",
            server,
            "--token-file",
            str(token_file),
            "--root",
            str(root),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def _events(ctx: AppContext, kind: str) -> list[AssetEvent]:
    with session_scope(ctx.sessions) as db:
        return list(db.scalars(select(AssetEvent).where(AssetEvent.kind == kind)))


def test_an_unknown_host_is_discovered_and_the_report_is_published(
    ctx: AppContext, server: RunningServer, canned_root: Path, tmp_path: Path
) -> None:
    done = run_agent(server.url, _token(ctx, tmp_path), canned_root)
    assert done.returncode == 0, done.stderr
    with session_scope(ctx.sessions) as db:
        found = db.scalar(select(Asset))
        assert found is not None
        assert (found.confirmed, found.serial, found.hostname) == (False, "INV-TEST-SN-0001", HOST)
        assert found.hardware_uuid == "00000000-0000-4000-8000-000000000001"
    assert [e.kind for e in _events(ctx, "discovered")] == ["discovered"]
    [event] = [e for e in server.events if e.kind == "agent_report"]
    assert event.subject == HOST
    assert event.summary == Summary("inventory.agent_report")
    assert event.data["hostname"] == HOST
    assert event.data["asset_id"] == found.id
    assert event.data["antivirus"] is None
    assert event.data["reported_at"] == ctx.clock.now().isoformat()
    from inventory.metrics import snapshot

    snap = snapshot(ctx)
    assert snap is not None and snap.agents == {HOST: ctx.clock.now().timestamp()}


def test_a_report_matches_the_inventoried_asset_by_serial(
    ctx: AppContext, server: RunningServer, canned_root: Path, tmp_path: Path
) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", serial="INV-TEST-SN-0001", hostname="old-name")
    done = run_agent(server.url, _token(ctx, tmp_path), canned_root)
    assert done.returncode == 0, done.stderr
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Asset)) == 1
        found = db.scalar(select(Asset))
        assert found is not None
        assert (found.inventory_no, found.hostname, found.confirmed) == (
            "INV-TEST-0001",
            HOST,
            True,
        )
        assert found.last_seen == ctx.clock.now()


def test_a_new_disk_is_recorded_as_a_hardware_change_needing_a_protocol(
    ctx: AppContext, server: RunningServer, canned_root: Path, tmp_path: Path
) -> None:
    token = _token(ctx, tmp_path)
    assert run_agent(server.url, token, canned_root).returncode == 0
    assert run_agent(server.url, token, canned_root).returncode == 0
    assert _events(ctx, "hardware_changed") == []
    make_root(canned_root, disks=2)
    done = run_agent(server.url, token, canned_root)
    assert done.returncode == 0, done.stderr
    [changed] = _events(ctx, "hardware_changed")
    detail = json.loads(changed.detail)
    assert list(detail["changes"]) == ["disks"]
    from inventory.repairs import repair_candidates

    with session_scope(ctx.sessions) as db:
        assert [c.event_id for c in repair_candidates(db)] == [changed.id]


def test_windows_defender_status_reaches_the_event_and_is_stored_with_the_report(
    ctx: AppContext, server: RunningServer, canned_root: Path, tmp_path: Path
) -> None:
    status_file = tmp_path / "mp.json"
    status_file.write_text(WINDOWS_STATUS)
    done = run_agent(
        server.url, _token(ctx, tmp_path), canned_root, "--windows-status-file", str(status_file)
    )
    assert done.returncode == 0, done.stderr
    [event] = [e for e in server.events if e.kind == "agent_report"]
    av = event.data["antivirus"]
    assert av["product"] == "Microsoft Defender"
    assert (av["enabled"], av["real_time_protection"]) == (True, False)
    assert av["signature_updated"] == "2026-11-26T08:00:00+00:00"
    assert av["last_full_scan"] is None
    with session_scope(ctx.sessions) as db:
        found = db.scalar(select(Asset))
        assert found is not None
        assert json.loads(found.facts)["report"]["os"]["pretty"] == "Windows 10 Pro"
        # Stored in the report's own transaction (before the 200), under Defender's names.
        from checks.backups.models import AvHost, AvReport
        from itops.status import Status

        row = db.get(AvHost, HOST)
        assert row is not None, "the 200 came before the antivirus part was stored"
        assert Status(row.status) is Status.CRITICAL
        assert "RealTimeProtectionEnabled" in row.summary
        assert row.fields["AntivirusSignatureLastUpdated"] == "2026-11-26T08:00:00+00:00"
        assert row.fields["AMServiceEnabled"] is True
        assert db.scalar(select(func.count()).select_from(AvReport)) == 1


def test_a_wrong_token_is_refused_and_nothing_is_written(
    ctx: AppContext, server: RunningServer, canned_root: Path, tmp_path: Path
) -> None:
    _token(ctx, tmp_path)
    bad = tmp_path / "bad.token"
    bad.write_text("not-the-token")
    done = run_agent(server.url, bad, canned_root)
    assert done.returncode != 0
    assert "HTTP 401" in done.stderr
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Asset)) == 0
    assert server.events == []


def _post(url: str, token: str, body: bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
    request = urllib.request.Request(  # noqa: S310
        url + "/api/v1/agent/report",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _raw_token(ctx: AppContext, host: str = HOST) -> str:
    with session_scope(ctx.sessions) as db:
        return create_token(db, host, NOW)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (json.dumps({"hostname": HOST}).encode(), 422),
        (
            json.dumps(
                {"hostname": HOST, "collected_at": "2026-11-26T10:00:00+00:00", "memory_bytes": -1}
            ).encode(),
            422,
        ),
        (
            json.dumps(
                {"hostname": HOST, "collected_at": "2026-11-26T10:00:00+00:00", "surprise": 1}
            ).encode(),
            422,
        ),
        (
            json.dumps(
                {
                    "hostname": HOST,
                    "collected_at": "2026-11-26T10:00:00+00:00",
                    "os": {"pretty": "x" * 3_000_000},
                }
            ).encode(),
            413,
        ),
        (
            json.dumps(
                {"hostname": "other-host", "collected_at": "2026-11-26T10:00:00+00:00"}
            ).encode(),
            403,
        ),
    ],
    ids=["not-json", "missing-field", "negative", "unknown-key", "too-large", "other-host"],
)
def test_a_bad_report_gets_4xx_and_writes_nothing(
    ctx: AppContext, server: RunningServer, body: bytes, status: int
) -> None:
    code, answer = _post(server.url, _raw_token(ctx), body)
    assert code == status, answer
    assert "error" in answer
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(Asset)) == 0
        assert db.scalar(select(func.count()).select_from(AssetEvent)) == 0
    assert server.events == []


def test_token_create_prints_a_token_once_and_stores_only_its_hash(
    ctx: AppContext, tmp_path: Path
) -> None:
    from tests.conftest import write_config

    cfg = write_config(tmp_path / "itops.toml", ctx.settings.storage.url)
    done = subprocess.run(
        [ITOPS, "--config", str(cfg), "agent", "token", "create", "PC-TEST-01"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert len(token) >= 40
    with session_scope(ctx.sessions) as db:
        row = db.scalar(select(AgentToken))
        assert row is not None
        assert row.hostname == "pc-test-01"
        assert row.token_sha256 == hash_token(token)
        assert token not in row.token_sha256


def test_a_reused_host_name_with_another_serial_is_a_new_discovered_machine(
    ctx: AppContext, server: RunningServer, canned_root: Path, tmp_path: Path
) -> None:
    with session_scope(ctx.sessions) as db:
        asset(db, "INV-TEST-0001", serial="INV-TEST-SN-OLD", hostname=HOST)
    done = run_agent(server.url, _token(ctx, tmp_path), canned_root)
    assert done.returncode == 0, done.stderr
    with session_scope(ctx.sessions) as db:
        rows = db.execute(select(Asset.inventory_no, Asset.serial).order_by(Asset.id)).all()
    assert [tuple(r) for r in rows] == [
        ("INV-TEST-0001", "INV-TEST-SN-OLD"),
        (None, "INV-TEST-SN-0001"),
    ]
    assert _events(ctx, "hardware_changed") == []
