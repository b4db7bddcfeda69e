"""The notifier runs inside the real daemon: wired by the plugin, counted on /metrics."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp

from itops import events as ev
from itops.context import AppContext
from itops.daemon import Daemon
from itops.db.session import upgrade
from itops.events import Event
from itops.notifications.plugin import service
from itops.status import Status
from tests.conftest import free_port, make_settings
from tests.notifications.conftest import Receiver
from tests.notifications.test_notifications_delivery import OPEN_HOURS


async def test_event_published_in_a_running_daemon_reaches_the_webhook_and_metrics(
    receiver: Receiver, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'itops.db'}"
    upgrade(url)
    port = free_port()
    settings = make_settings(url, web={"bind": f"127.0.0.1:{port}"}, notifications={
        "webhook": [{"name": "czat", "url": receiver.url}],
        "rules": [{"name": "wszystko", "channels": ["czat"]}],
    })
    ctx = AppContext.create(settings, tmp_path / "itops.toml")
    daemon = Daemon(ctx)
    running = asyncio.create_task(daemon.run())
    try:
        deadline = time.monotonic() + 20
        metrics = ""
        async with aiohttp.ClientSession() as http:
            while "itops_notifications_sent_total" not in metrics:
                assert time.monotonic() < deadline, "daemon did not serve /metrics"
                await asyncio.sleep(0.05)
                try:
                    async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                        metrics = await response.text()
                except aiohttp.ClientError:
                    continue
            ctx.events.publish(Event(ev.OUTAGE_OPENED, "Serwer Urzędu", Status.CRITICAL,
                                     OPEN_HOURS, "brak odpowiedzi"))
            await service(ctx).join()
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                metrics = await response.text()
    finally:
        daemon.stop()
        assert await running == 0
    assert [b["subject"] for b in receiver.bodies] == ["Serwer Urzędu"]
    assert 'itops_notifications_sent_total{channel="czat"} 1.0' in metrics
