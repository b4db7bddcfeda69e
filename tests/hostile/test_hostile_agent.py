"""Hostile agent reports, backup pings and §82 acts on both engines.

Whatever the input: never a 5xx, never exception text in the answer; a refusal (4xx)
writes nothing; and an acknowledgement is kept — a 200 for a report means its asset
and its antivirus part are in the database, a ping's "OK" means its row is there, a 201
for an act means the entry exists (issue 14: NaN, Infinity, 1e20 and
``/Date(99999999999999999)/`` each got 200 and no antivirus row).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.applications import Starlette

from checks.backups.models import AvHost, AvReport, BackupPing
from inventory.api import create_token
from inventory.models import Asset
from inventory.register.models import RegisterEntry
from itops.context import AppContext
from itops.db.session import session_scope
from tests.hostile.test_hostile_http import (
    EXAMPLES,
    HOST,
    PUSH_TOKEN,
    RawClient,
    _agent,
    _clean,
    _counts,
    json_values,
    settings,
)
from tests.web.conftest import AsgiClient, role_login

__all__ = ["settings"]  # the push backup and check of the HTTP hostile suite

PLACEHOLDER = "__HOSTILE_VALUE__"


def valid_report(now: datetime) -> dict[str, Any]:
    """Everything a current agent sends, the Defender section included."""
    return {
        "schema_version": 1,
        "agent_version": "hostile-test",
        "hostname": HOST,
        "collected_at": (now - timedelta(minutes=5)).isoformat(),
        "hardware": {
            "vendor": "Test",
            "product": "Test PC",
            "serial": "SN-HOSTILE-1",
            "uuid": "00000000-0000-4000-8000-00000000beef",
            "chassis_type": 3,
        },
        "cpu": {"model": "Test CPU", "cores": 4, "threads": 8},
        "memory_bytes": 8 * 1024**3,
        "disks": [
            {"device": "sda", "model": "TEST SSD", "serial": "D1", "size_bytes": 256 * 10**9}
        ],
        "nics": [{"name": "eth0", "mac": "02:00:00:00:be:ef"}],
        "os": {
            "system": "Windows",
            "name": "Windows",
            "pretty": "Windows 11 Pro",
            "install_date": "2024-01-02T03:04:05+00:00",
        },
        "boot_time": (now - timedelta(days=1)).isoformat(),
        "uptime_seconds": 86400.0,
        "load": {"load1": 0.5, "cpu_count": 4},
        "filesystems": [{"mount": "C:", "size_bytes": 10**11, "free_bytes": 10**10}],
        "software": [{"name": "Test Office", "version": "1.0"}],
        "antivirus": {
            "product": "Microsoft Defender",
            "service_enabled": True,
            "enabled": True,
            "real_time_protection": True,
            "signature_updated": (now - timedelta(hours=3)).isoformat(),
            "signature_version": "1.421.0.0",
            "QuickScanAge": 1,
            "FullScanAge": 4294967295,
        },
    }


# Where a hostile value goes, and the values no JSON encoder would write on its own.
PATHS: list[tuple[str | int, ...]] = [
    ("memory_bytes",),
    ("collected_at",),
    ("boot_time",),
    ("uptime_seconds",),
    ("hardware", "vendor"),
    ("hardware", "serial"),
    ("hardware", "uuid"),
    ("hardware", "chassis_type"),
    ("cpu", "cores"),
    ("os", "install_date"),
    ("os", "pretty"),
    ("disks", 0, "size_bytes"),
    ("nics", 0, "mac"),
    ("load", "load1"),
    ("filesystems", 0, "free_bytes"),
    ("software", 0, "name"),
    ("antivirus", "AntivirusSignatureLastUpdated"),
    ("antivirus", "signature_updated"),
    ("antivirus", "RealTimeProtectionEnabled"),
    ("antivirus", "QuickScanAge"),
    ("antivirus", "AntivirusSignatureVersion"),
    ("antivirus", "SomethingNew"),
]
RAW_VALUES = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e20",
    "-1e20",
    "1e400",
    "-1",
    "0",
    "1" + "0" * 400,
    '"/Date(99999999999999999)/"',
    '"/Date(-99999999999999)/"',
    '"/Date(1795680000000)/"',
    '"\\u0000"',
    '"a\\u0000b"',
    '"\\ud800"',
    '"0001-01-01T00:00:00+14:00"',
    '"9999-12-31T23:59:59-14:00"',
    '"2026-11-26T09:00:00"',
    '"2026-11-26T09:00:00Z"',
    "true",
    "false",
    "null",
    "[]",
    "{}",
    '"' + "x" * 300 + '"',
    "[" * 600 + "]" * 600,
    '{"a":' * 40 + "1" + "}" * 40,
    '"²"',
    '"NaN"',
    '"1e20"',
    "1.5",
    "1e15",
    '""',
]


def _body(now: datetime, path: tuple[str | int, ...], raw: str) -> bytes:
    report = valid_report(now)
    node: Any = report
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = PLACEHOLDER
    return json.dumps(report).replace(f'"{PLACEHOLDER}"', raw).encode()


def _stored(ctx: AppContext) -> tuple[int, str | None, datetime | None]:
    """(antivirus reports, the asset's facts, the host's antivirus time)."""
    with session_scope(ctx.sessions) as db:
        reports = int(db.scalar(select(func.count()).select_from(AvReport)) or 0)
        facts = db.scalar(select(Asset.facts).where(Asset.hostname == HOST))
        host = db.get(AvHost, HOST)
        return reports, facts, host.last_report_at if host else None


async def _check_one(ctx: AppContext, client: RawClient, token: str, body: bytes) -> int:
    """Send one report; a refusal wrote nothing, a 200 is in the database."""
    before, (av_before, _, _) = _counts(ctx), _stored(ctx)
    reply = await _agent(client, token, body)
    _clean(reply)
    if reply.status == 200:
        av_after, facts, av_at = _stored(ctx)
        assert av_after == av_before + 1, "acknowledged, antivirus part not stored"
        assert av_at == ctx.clock.now()
        assert facts is not None, "acknowledged, asset not stored"
        assert json.loads(facts)["received_at"] == ctx.clock.now().isoformat()
        assert json.loads(reply.text)["asset_id"] > 0
    else:
        assert reply.status in (400, 413, 422), reply.text
        assert _counts(ctx) == before, reply.text
    return reply.status


@pytest.fixture
def agent_token(ctx: AppContext) -> str:
    with session_scope(ctx.sessions) as db:
        return create_token(db, HOST, ctx.clock.now())


@pytest.fixture
def raw_client(app: Starlette) -> RawClient:
    return RawClient(app)


async def test_a_full_report_is_acknowledged_only_with_its_antivirus_part_stored(
    ctx: AppContext, raw_client: RawClient, agent_token: str
) -> None:
    body = json.dumps(valid_report(ctx.clock.now())).encode()
    assert await _check_one(ctx, raw_client, agent_token, body) == 200
    with session_scope(ctx.sessions) as db:
        row = db.get(AvHost, HOST)
        assert row is not None and row.status == 0, row and row.summary


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        (
            ("antivirus", "AntivirusSignatureLastUpdated"),
            "NaN",
            "antivirus.AntivirusSignatureLastUpdated",
        ),
        (
            ("antivirus", "AntivirusSignatureLastUpdated"),
            "Infinity",
            "antivirus.AntivirusSignatureLastUpdated",
        ),
        (
            ("antivirus", "AntivirusSignatureLastUpdated"),
            "1e20",
            "antivirus.AntivirusSignatureLastUpdated",
        ),
        (
            ("antivirus", "AntivirusSignatureLastUpdated"),
            '"/Date(99999999999999999)/"',
            "antivirus.AntivirusSignatureLastUpdated",
        ),
        (
            ("antivirus", "signature_updated"),
            '"9999-12-31T23:59:59-14:00"',
            "antivirus.signature_updated",
        ),
        (("antivirus", "QuickScanAge"), "[" * 600 + "]" * 600, "body"),
        (("memory_bytes",), "1" + "0" * 400, "memory_bytes"),
        (("hardware", "vendor"), '"Dell\\u0000Inc."', "hardware.vendor"),
        (("hardware", "serial"), '"' + "S" * 129 + '"', "hardware.serial"),
        (("boot_time",), '"0001-01-01T00:00:00+14:00"', "boot_time"),
        (("load", "load1"), "NaN", "load.load1"),
        (("uptime_seconds",), "1e400", "uptime_seconds"),
    ],
    ids=[
        "nan-time",
        "infinity-time",
        "1e20-time",
        "date-overflow",
        "year-9999",
        "deep-nesting",
        "huge-int",
        "nul-vendor",
        "long-serial",
        "year-1",
        "nan-load",
        "1e400",
    ],
)
async def test_a_report_that_cannot_be_stored_gets_422_naming_the_field_and_writes_nothing(
    ctx: AppContext,
    raw_client: RawClient,
    agent_token: str,
    path: tuple[str | int, ...],
    raw: str,
    field: str,
) -> None:
    before = _counts(ctx)
    reply = await _agent(raw_client, agent_token, _body(ctx.clock.now(), path, raw))
    _clean(reply)
    assert reply.status == 422, reply.text
    answer = json.loads(reply.text)
    assert field in answer["fields"], answer
    assert _counts(ctx) == before


@EXAMPLES
@given(
    path=st.sampled_from(PATHS),
    raw=st.one_of(st.sampled_from(RAW_VALUES), json_values.map(json.dumps)),
)
async def test_hostile_values_anywhere_in_a_report_never_crash_and_a_200_is_stored(
    ctx: AppContext,
    raw_client: RawClient,
    agent_token: str,
    path: tuple[str | int, ...],
    raw: str,
) -> None:
    await _check_one(ctx, raw_client, agent_token, _body(ctx.clock.now(), path, raw))


# --- pings --------------------------------------------------------------------------------


def _pings(ctx: AppContext) -> int:
    with session_scope(ctx.sessions) as db:
        return int(db.scalar(select(func.count()).select_from(BackupPing)) or 0)


@pytest.mark.parametrize("action", ["²", "٣", "1²", "0" * 400, "-0"])
async def test_a_ping_with_a_unicode_or_odd_exit_code_is_404_not_a_crash(
    ctx: AppContext, raw_client: RawClient, action: str
) -> None:
    from urllib.parse import quote

    before = _counts(ctx)
    reply = await raw_client.request("GET", f"/ping/{PUSH_TOKEN}/{quote(action)}", body=b"")
    _clean(reply)
    assert reply.status == 404
    assert _counts(ctx) == before


async def test_a_ping_whose_content_length_is_a_unicode_digit_is_a_400(
    raw_client: RawClient,
) -> None:
    reply = await raw_client.request(
        "POST", f"/ping/{PUSH_TOKEN}", body=b"ok", headers={"content-length": "²"}
    )
    _clean(reply)
    assert reply.status == 400


async def test_a_ping_body_with_nul_bytes_is_stored_and_acknowledged(
    ctx: AppContext, raw_client: RawClient
) -> None:
    reply = await raw_client.request(
        "POST", f"/ping/{PUSH_TOKEN}/0", body=b"backup log\x00\x00 done \xff"
    )
    _clean(reply)
    assert reply.status == 200, reply.text
    with session_scope(ctx.sessions) as db:
        [ping] = db.scalars(select(BackupPing)).all()
    assert ping.kind == "success" and ping.body == "backup log\ufffd\ufffd done \ufffd"


@EXAMPLES
@given(
    action=st.one_of(
        st.none(),
        st.sampled_from(["start", "fail", "0", "7", "255", "256"]),
        st.text(min_size=1, max_size=12).filter(lambda t: "/" not in t),
    ),
    body=st.binary(max_size=500),
)
async def test_an_acknowledged_ping_is_in_the_database(
    ctx: AppContext, raw_client: RawClient, action: str | None, body: bytes
) -> None:
    from urllib.parse import quote

    path = f"/ping/{PUSH_TOKEN}" + (f"/{quote(action, safe='')}" if action else "")
    before, pings = _counts(ctx), _pings(ctx)
    reply = await raw_client.request("POST", path, body=body)
    _clean(reply)
    if reply.status == 200:
        assert _pings(ctx) == pings + 1, "acknowledged ping not stored"
    else:
        assert reply.status in (400, 404, 413), reply.text
        assert _counts(ctx) == before


# --- §82 acts over HTTP --------------------------------------------------------------------


def _act(now: datetime, **changes: Any) -> dict[str, Any]:
    end = now - timedelta(hours=1)
    return {
        "employee": "EMP-TEST-0001",
        "resource": "INV-TEST-0001",
        "scopes": ["computer_content"],
        "purpose": "proper_use",
        "justification": "Test.",
        "start": (end - timedelta(hours=1)).isoformat(),
        "end": end.isoformat(),
        "outcome": "Bez uwag.",
        **changes,
    }


async def _officer(app: Starlette) -> tuple[AsgiClient, str]:
    client = AsgiClient(app)
    assert (await client.login(role_login("monitoring_officer"))).status == 303
    return client, await client.csrf()


async def _post_act(client: AsgiClient, token: str, body: bytes) -> Any:
    return await RawClient(client.app, cookies=client.cookies).request(
        "POST",
        "/api/register/acts",
        body=body,
        headers={"content-type": "application/json", "x-csrf-token": token},
    )


def _entries(ctx: AppContext) -> int:
    with session_scope(ctx.sessions) as db:
        return int(db.scalar(select(func.count()).select_from(RegisterEntry)) or 0)


@pytest.mark.parametrize(
    "changes",
    [
        {"employee": "²"},
        {"employee": "9" * 30},
        {"employee": "EMP\x00"},
        {"start": "0001-01-01T00:00+14:00"},
        {"end": "9999-12-31T23:59:59-14:00"},
        {"resource": "x" * 100_000},
        {"scopes": ["computer_content"] * 1000},
        {"justification": "a\x00b"},
    ],
    ids=[
        "unicode-digit",
        "huge-id",
        "nul",
        "year-1",
        "year-9999",
        "100k-chars",
        "1000-scopes",
        "nul-text",
    ],
)
def test_a_bad_act_over_the_api_gets_4xx_with_a_reason_and_writes_nothing(
    ctx: AppContext, app: Starlette, users: dict[str, str], changes: dict[str, Any]
) -> None:
    async def run() -> None:
        client, token = await _officer(app)
        entries = _entries(ctx)
        reply = await _post_act(
            client, token, json.dumps(_act(ctx.clock.now(), **changes)).encode()
        )
        _clean(reply)
        assert 400 <= reply.status < 500, reply.text
        assert json.loads(reply.text)["error"]
        assert _entries(ctx) == entries

    asyncio.run(run())


def test_hostile_acts_over_the_api_never_crash_and_a_201_is_in_the_register(
    ctx: AppContext, app: Starlette, users: dict[str, str]
) -> None:
    client, token = asyncio.run(_officer(app))
    keys = sorted(_act(ctx.clock.now()))

    @EXAMPLES
    @given(
        key=st.sampled_from(keys),
        raw=st.one_of(st.sampled_from(RAW_VALUES), json_values.map(json.dumps)),
    )
    def fuzz(key: str, raw: str) -> None:
        act = _act(ctx.clock.now(), **{key: PLACEHOLDER})
        body = json.dumps(act).replace(f'"{PLACEHOLDER}"', raw).encode()
        entries = _entries(ctx)
        reply = asyncio.run(_post_act(client, token, body))
        _clean(reply)
        if reply.status == 201:
            seq = json.loads(reply.text)["seq"]
            with session_scope(ctx.sessions) as db:
                assert db.scalar(select(RegisterEntry.seq).where(RegisterEntry.seq == seq))
        else:
            assert 400 <= reply.status < 500, reply.text
            assert _entries(ctx) == entries

    fuzz()
