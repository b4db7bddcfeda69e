"""The live DEMO targets answer the real check kinds on 127.0.0.1: the SNMP responder serves
the recorded switch (one port down) and UPS (on battery) walks, the BIP page is ten working
days old."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from checks.kinds.freshness_dates import WARSAW, is_working_day, working_days_between
from itops.check import Check
from itops.status import Status
from reports.demo_targets import (
    SnmpResponder,
    Walk,
    answer,
    bip_page,
    statement_page,
    working_days_back,
)
from tests.availability.test_check_kinds import make_check, run
from tests.daemon import Daemon
from tests.snmp.conftest import DATA


@pytest.fixture
async def responder() -> AsyncIterator[int]:
    snmp = SnmpResponder(
        {"switch": DATA / "switch.snmprec", "ups": DATA / "ups-battery.snmprec"},
        names={"bip.urzad.example": "127.0.0.1"},
    )
    port = await snmp.start()
    yield port
    snmp.stop()


def snmp(port: int, device: str, community: str) -> Check[Any]:
    return make_check(
        "snmp",
        host="127.0.0.1",
        port=port,
        device=device,
        community=community,
        request_timeout=2,
        retries=0,
        timeout="20s",  # the first probe of a process builds pysnmp's engine: slow on a busy host
    )


async def test_switch_walk_shows_the_port_down(responder: int) -> None:
    result = await run(snmp(responder, "switch", "switch"))
    assert result.status is Status.CRITICAL
    assert "port Gi0/5 down" in str(result.summary)


async def test_ups_walk_is_on_battery(responder: int) -> None:
    result = await run(snmp(responder, "ups", "ups"))
    assert result.status is Status.WARNING
    assert "battery" in str(result.summary)


async def test_unknown_community_gets_no_answer(responder: int) -> None:
    result = await run(snmp(responder, "ups", "not-the-community"))
    assert str(result.summary).endswith("no SNMP answer")


async def test_the_same_socket_answers_dns_for_the_demo_names_only(responder: int) -> None:
    found = await run(
        make_check(
            "dns",
            query="bip.urzad.example",
            server="127.0.0.1",
            port=responder,
            expect=["127.0.0.1"],
        )
    )
    assert found.status is Status.OK, found.summary
    other = make_check("dns", query="bip.gdzie-indziej.example", server="127.0.0.1", port=responder)
    missing = await run(other)
    assert missing.status is Status.CRITICAL
    assert missing.summary.code == "dns.error.1", missing.summary


def test_garbage_datagram_is_ignored() -> None:
    assert answer({"ups": Walk.load(DATA / "ups-battery.snmprec")}, b"\x30\x03nonsense") is None


async def test_bip_page_is_ten_working_days_old() -> None:
    now = datetime.now(UTC)
    newest = working_days_back(now, 10, WARSAW, is_working_day)
    assert working_days_between(newest, now) == 10

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=bip_page(newest, WARSAW), content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        result = await run(
            make_check("freshness", url=f"http://127.0.0.1:{port}/", max_working_days=5)
        )
    finally:
        await runner.cleanup()
    assert result.status is Status.WARNING
    assert "(10 working days, limit 5)" in str(result.summary)
    assert f"opublikowano: {newest.astimezone(WARSAW):%d.%m.%Y %H:%M}" in bip_page(newest, WARSAW)


async def test_the_demo_accessibility_statement_is_current() -> None:
    dated = datetime.now(UTC) - timedelta(days=60)

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=statement_page(dated, WARSAW), content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        check = make_check(
            "freshness", url=f"http://127.0.0.1:{port}/", mode="accessibility_statement"
        )
        fresh = await run(check)
    finally:
        await runner.cleanup()
    assert fresh.status is Status.OK, fresh.summary
    assert f"{dated.astimezone(WARSAW):%d.%m.%Y}" in statement_page(dated, WARSAW)


# The daemon serving these targets to the example config's checks: tests/demo/test_demo_daemon.py


def test_without_demo_targets_there_is_no_demo_page(tmp_path: Path) -> None:
    daemon = Daemon(tmp_path).start()
    try:
        daemon.wait_ready()
        status, _ = daemon.get("/demo/bip")
    finally:
        daemon.stop()
    assert status == 404


def test_a_busy_udp_port_stops_the_start_with_a_clear_error_not_a_traceback(
    tmp_path: Path,
) -> None:
    """A second ``make run`` while the first still runs (seen on a fresh clone): the DEMO
    responder's port is taken; the daemon says which port and why, and exits 1."""
    import socket

    daemon = Daemon(tmp_path, "[demo]\ntargets = true\n")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", daemon.port))
        daemon.start()
        try:
            code = daemon.wait(60)
        finally:
            daemon.stop()
    log = daemon.log.read_text()
    assert code == 1, log
    assert f"error: the DEMO devices cannot answer on 127.0.0.1:{daemon.port}/udp" in log
    assert "another itops running?" in log
    assert "Traceback" not in log
