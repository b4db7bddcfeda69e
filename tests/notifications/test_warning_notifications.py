"""A check at WARNING is notified (and its recovery), held outside working hours, never an outage.

The whole path is real: a ``freshness`` check probes a BIP-like page served on 127.0.0.1,
its result goes through the CheckRunner into the OutageTracker, whose events reach the
NotificationService and from there the webhook receiver and the SMTP mailbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from checks.availability.models import Outage, ProbeRollup
from checks.availability.tracker import OutageTracker
from checks.config import CHECKS, CheckConfig
from checks.kinds import CHECK_KINDS
from itops.clock import FixedClock
from itops.context import AppContext
from itops.db.session import make_engine, make_sessionmaker, session_scope
from itops.notifications.service import NotificationService
from itops.runner import CheckRunner
from tests.conftest import make_settings
from tests.notifications.conftest import Mailbox, Receiver
from tests.notifications.test_notifications_delivery import NIGHT, OPEN_HOURS

WARSAW_FMT = "%d.%m.%Y %H:%M"


def bip_page(published: datetime) -> str:
    from checks.kinds.freshness_dates import WARSAW

    when = published.astimezone(WARSAW).strftime(WARSAW_FMT)
    return (
        "<!doctype html><html lang=pl><body><h1>Biuletyn Informacji Publicznej DEMO</h1>"
        f'<ul><li class="pub">Zarządzenie nr 1/2026 <span>opublikowano: {when}</span></li>'
        "</ul></body></html>"
    )


@pytest.fixture
async def bip() -> AsyncIterator[tuple[str, dict[str, str]]]:
    page: dict[str, str] = {}

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=page["body"], content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/", page
    await runner.cleanup()


async def start(
    db_url: str, tmp_path: Path, bip_url: str, receiver: Receiver, smtp_port: int, clock: FixedClock
) -> tuple[AppContext, NotificationService, OutageTracker, CheckRunner]:
    settings = make_settings(
        db_url,
        checks=[
            {
                "name": "bip-aktualnosc",
                "kind": "freshness",
                "url": bip_url,
                "max_working_days": 5,
                "counts_for_kpi": True,  # so "no downtime" below is a claim that can fail
                "timeout": "5s",
            }
        ],
        notifications={
            "retry_delay": "10ms",
            "email": [
                {
                    "name": "poczta",
                    "host": "127.0.0.1",
                    "port": smtp_port,
                    "security": "none",
                    "sender": "itops@urzad.example",
                }
            ],
            "webhook": [{"name": "czat", "url": receiver.url}],
            "rules": [
                {
                    "name": "ostrzezenia",
                    "events": ["check_warning", "check_recovered"],
                    "channels": ["poczta", "czat"],
                    "recipients": ["informatyk@urzad.example"],
                }
            ],
        },
    )
    engine = make_engine(settings.storage.url)
    ctx = AppContext(
        settings=settings,
        config_path=tmp_path / "itops.toml",
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=clock,
    )
    service = NotificationService(ctx)
    ctx.events.subscribe(service.publish)
    await service.start()
    tracker = OutageTracker(settings, ctx.sessions, ctx.events)
    return ctx, service, tracker, CheckRunner(clock, 4, [tracker])


def the_check(ctx: AppContext) -> Any:
    cfg: CheckConfig = ctx.settings.section(CHECKS)[0]
    return CHECK_KINDS.cls(cfg.kind)(cfg)


def counts(ctx: AppContext) -> tuple[int, int]:
    """(outages, probes rolled up) - the rollup proves the results were written."""
    with session_scope(ctx.sessions) as db:
        outages = db.scalar(select(func.count()).select_from(Outage)) or 0
        probes = db.scalar(select(func.sum(ProbeRollup.count))) or 0
        return int(outages), int(probes)


async def test_stale_bip_warning_and_recovery_reach_webhook_and_mail_without_an_outage(
    db_url: str,
    tmp_path: Path,
    bip: tuple[str, dict[str, str]],
    receiver: Receiver,
    mailbox: tuple[Mailbox, int],
) -> None:
    url, page = bip
    box, smtp_port = mailbox
    clock = FixedClock(OPEN_HOURS)
    ctx, service, tracker, runner = await start(db_url, tmp_path, url, receiver, smtp_port, clock)
    check = the_check(ctx)
    try:
        page["body"] = bip_page(datetime.now(UTC) - timedelta(days=30))
        for _ in range(3):  # stays at WARNING: told once (repeat_after 24 h)
            await runner.run(check)
            clock.advance(timedelta(minutes=1))
        await service.join()
        page["body"] = bip_page(datetime.now(UTC) - timedelta(hours=1))
        await runner.run(check)
        await runner.run(check)
        await service.join()
        tracker.flush(clock.now() + timedelta(hours=2), everything=True)
        outages, probes = counts(ctx)
    finally:
        await service.stop(grace=1)
        ctx.engine.dispose()
    assert [b["kind"] for b in receiver.bodies] == ["check_warning", "check_recovered"]
    warning, recovered = receiver.bodies
    assert (warning["status"], warning["subject"]) == ("WARNING", "bip-aktualnosc")
    assert warning["title"] == "[itops] [OSTRZEŻENIE] Ostrzeżenie: bip-aktualnosc"
    assert "dni roboczych" in warning["summary"]  # Polish by default
    assert recovered["status"] == "OK" and recovered["recovery"] is True
    assert recovered["title"] == "[itops] Koniec ostrzeżenia: bip-aktualnosc"
    assert recovered["duration_seconds"] == 180.0  # from the first WARNING to the OK
    subjects = [mail["Subject"] for _, mail in box.messages]
    assert subjects == [warning["title"], recovered["title"]]
    assert (outages, probes) == (0, 5)  # five results stored, no outage, no downtime


async def test_warning_at_night_is_held_until_working_hours(
    db_url: str,
    tmp_path: Path,
    bip: tuple[str, dict[str, str]],
    receiver: Receiver,
    mailbox: tuple[Mailbox, int],
) -> None:
    url, page = bip
    clock = FixedClock(NIGHT)
    ctx, service, _, runner = await start(db_url, tmp_path, url, receiver, mailbox[1], clock)
    check = the_check(ctx)
    try:
        page["body"] = bip_page(datetime.now(UTC) - timedelta(days=30))
        await runner.run(check)
        await service.join()
        held = len(receiver.bodies)
        clock.set(datetime(2026, 11, 27, 7, 0, tzinfo=UTC))  # Friday 08:00 in Warsaw
        await runner.run(check)
        await service.join()
    finally:
        await service.stop(grace=1)
        ctx.engine.dispose()
    assert held == 0
    assert [b["kind"] for b in receiver.bodies] == ["check_warning"]
    assert receiver.bodies[0]["data"]["start"] == NIGHT.isoformat()


@pytest.mark.parametrize("warning_again", [False, True], ids=["ok-first", "warning-first"])
async def test_a_warning_survives_a_daemon_restart(
    db_url: str,
    tmp_path: Path,
    bip: tuple[str, dict[str, str]],
    receiver: Receiver,
    mailbox: tuple[Mailbox, int],
    warning_again: bool,
) -> None:
    # WARNING, a restart (new tracker and notifier on the same database), then either the
    # OK at once or the WARNING once more first: one warning and one recovery in all, the
    # recovery measured from the first WARNING before the restart.
    url, page = bip
    clock = FixedClock(OPEN_HOURS)
    ctx, service, tracker, runner = await start(db_url, tmp_path, url, receiver, mailbox[1], clock)
    try:
        page["body"] = bip_page(datetime.now(UTC) - timedelta(days=30))
        await runner.run(the_check(ctx))
        await service.join()
        tracker.flush(clock.now(), everything=True)
    finally:
        await service.stop(grace=1)
        ctx.engine.dispose()
    clock.advance(timedelta(minutes=2))
    ctx, service, tracker, runner = await start(db_url, tmp_path, url, receiver, mailbox[1], clock)
    tracker.load()
    check = the_check(ctx)
    try:
        if warning_again:
            await runner.run(check)
            clock.advance(timedelta(minutes=1))
        else:
            clock.advance(timedelta(minutes=1))
        page["body"] = bip_page(datetime.now(UTC) - timedelta(hours=1))
        await runner.run(check)
        await service.join()
    finally:
        await service.stop(grace=1)
        ctx.engine.dispose()
    assert [b["kind"] for b in receiver.bodies] == ["check_warning", "check_recovered"]
    assert receiver.bodies[1]["duration_seconds"] == 180.0
    assert receiver.bodies[1]["data"]["start"] == OPEN_HOURS.isoformat()
