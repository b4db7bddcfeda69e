"""The notifier runs inside the real daemon: wired by the plugin, counted on /metrics."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import aiohttp

from itops import events as ev
from itops import heartbeat
from itops.context import AppContext
from itops.daemon import Daemon
from itops.db.session import upgrade
from itops.events import Event
from itops.messages import raw
from itops.notifications.plugin import service
from itops.status import Status
from tests.conftest import free_port, make_settings
from tests.notifications.conftest import Receiver
from tests.notifications.test_notifications_delivery import OPEN_HOURS


def daemon_for(receiver: Receiver, tmp_path: Path, **rule: object) -> tuple[AppContext, int]:
    url = f"sqlite:///{tmp_path / 'itops.db'}"
    upgrade(url)
    port = free_port()
    settings = make_settings(
        url,
        web={"bind": f"127.0.0.1:{port}"},
        notifications={
            "webhook": [{"name": "czat", "url": receiver.url}],
            "rules": [{"name": "wszystko", "channels": ["czat"], **rule}],
        },
    )
    return AppContext.create(settings, tmp_path / "itops.toml"), port


async def scrape_when_serving(http: aiohttp.ClientSession, port: int) -> str:
    deadline = time.monotonic() + 20
    while True:
        assert time.monotonic() < deadline, "daemon did not serve /metrics"
        await asyncio.sleep(0.05)
        try:
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                return await response.text()
        except aiohttp.ClientError:
            continue


async def test_event_published_in_a_running_daemon_reaches_the_webhook_and_metrics(
    receiver: Receiver, tmp_path: Path
) -> None:
    ctx, port = daemon_for(receiver, tmp_path)
    daemon = Daemon(ctx)
    running = asyncio.create_task(daemon.run())
    try:
        async with aiohttp.ClientSession() as http:
            await scrape_when_serving(http, port)
            ctx.events.publish(
                Event(
                    ev.OUTAGE_OPENED,
                    "Serwer Urzędu",
                    Status.CRITICAL,
                    OPEN_HOURS,
                    raw("brak odpowiedzi"),
                )
            )
            await service(ctx).join()
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                metrics = await response.text()
    finally:
        daemon.stop()
        assert await running == 0
    assert [b["subject"] for b in receiver.bodies] == ["Serwer Urzędu"]
    assert 'itops_notifications_sent_total{channel="czat"} 1.0' in metrics


async def test_the_time_itops_was_not_running_is_notified_at_start(
    receiver: Receiver, tmp_path: Path
) -> None:
    ctx, port = daemon_for(receiver, tmp_path, events=["monitoring_gap"], outside_hours="all")
    crashed_at = ctx.clock.now() - timedelta(hours=1)
    heartbeat.start(ctx.sessions, crashed_at)
    daemon = Daemon(ctx)
    running = asyncio.create_task(daemon.run())
    try:
        async with aiohttp.ClientSession() as http:
            await scrape_when_serving(http, port)
        await service(ctx).join()
    finally:
        daemon.stop()
        assert await running == 0
    (body,) = receiver.bodies
    assert body["kind"] == "monitoring_gap"
    assert body["status"] == "CRITICAL"
    assert body["data"]["reason"] == "itops not running: crashed or killed"
    assert body["data"]["code"] == "itops.crashed"  # stored as a code, said in Polish:
    assert "(itops nie działał: awaria lub przerwany proces)" in body["summary"]
    assert body["duration_seconds"] >= 3600
