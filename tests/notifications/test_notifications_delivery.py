"""The notifier delivers real e-mail and webhook calls, routed, de-duplicated and retried."""

from __future__ import annotations

import asyncio
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from itops import events as ev
from itops.clock import FixedClock
from itops.events import Event
from itops.messages import raw
from itops.status import Status
from tests.conftest import free_port
from tests.notifications.conftest import Mailbox, PasswordCheck, Receiver

OPEN_HOURS = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # Thursday 11:00 in Warsaw
NIGHT = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)  # Thursday 23:00 in Warsaw


def outage_opened(
    at: datetime = OPEN_HOURS,
    status: Status = Status.CRITICAL,
    subject: str = "Serwer Urzędu — poczta",
) -> Event:
    return Event(
        ev.OUTAGE_OPENED,
        subject,
        status,
        at,
        raw("brak odpowiedzi na porcie 25"),
        {"check": subject, "start": at},
    )


def webhook_section(receiver: Receiver, **rule: Any) -> dict[str, Any]:
    return {
        "retry_delay": "10ms",
        "webhook": [{"name": "czat", "url": receiver.url}],
        "rules": [{"name": "wszystko", "channels": ["czat"], **rule}],
    }


async def test_outage_opened_arrives_as_email_with_polish_subject(
    mailbox: tuple[Mailbox, int], notifier_for: Any
) -> None:
    box, port = mailbox
    ctx, service = await notifier_for(
        {
            "email": [
                {
                    "name": "poczta",
                    "host": "127.0.0.1",
                    "port": port,
                    "security": "none",
                    "sender": "itops@urzad.example",
                }
            ],
            "rules": [
                {
                    "name": "awarie",
                    "events": ["outage_opened"],
                    "channels": ["poczta"],
                    "recipients": ["jan.testowy@urzad.example", "anna.przykladowa@urzad.example"],
                }
            ],
        }
    )
    ctx.events.publish(outage_opened())
    await service.join()
    assert len(box.messages) == 1
    rcpt, mail = box.messages[0]
    assert rcpt == ["jan.testowy@urzad.example", "anna.przykladowa@urzad.example"]
    assert mail["Subject"] == "[itops] [KRYTYCZNY] Awaria: Serwer Urzędu — poczta"
    body = mail.get_content()
    assert "brak odpowiedzi na porcie 25" in body
    assert "Czas zdarzenia: 26.11.2026 11:00:00 (Europe/Warsaw)" in body
    assert service.sent["poczta"] == 1


async def test_webhook_receives_json_payload(receiver: Receiver, notifier_for: Any) -> None:
    ctx, service = await notifier_for(webhook_section(receiver))
    ctx.events.publish(outage_opened())
    await service.join()
    (body,) = receiver.bodies
    assert body["kind"] == "outage_opened"
    assert body["status"] == "CRITICAL"
    assert body["subject"] == "Serwer Urzędu — poczta"
    assert body["office"] == "Urząd Testowy w Przykładowie"
    assert body["at"] == "2026-11-26T10:00:00+00:00"
    assert body["data"]["start"] == "2026-11-26T10:00:00+00:00"


async def test_webhook_sends_bearer_token_from_file(
    receiver: Receiver, notifier_for: Any, tmp_path: Path
) -> None:
    token = tmp_path / "hook.token"
    token.write_text("token-testowy-123\n", encoding="utf-8")
    section = webhook_section(receiver)
    section["webhook"][0]["token_file"] = str(token)
    ctx, service = await notifier_for(section)
    ctx.events.publish(outage_opened())
    await service.join()
    assert receiver.headers[0]["Authorization"] == "Bearer token-testowy-123"


async def test_recovery_reports_working_hours_duration(
    receiver: Receiver, notifier_for: Any
) -> None:
    ctx, service = await notifier_for(webhook_section(receiver))
    start = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # 06:00 local, office opens at 07:30
    end = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 local
    ctx.events.publish(
        Event(
            ev.OUTAGE_CLOSED,
            "router",
            Status.OK,
            end,
            raw("znów działa"),
            {"start": start.isoformat(), "end": end},
        )
    )
    await service.join()
    (body,) = receiver.bodies
    assert body["recovery"] is True
    assert body["duration_seconds"] == 4 * 3600
    assert body["working_hours_seconds"] == 2.5 * 3600
    assert "Czas trwania: 4 h 00 min" in body["text"]
    assert "W tym w godzinach pracy urzędu: 2 h 30 min" in body["text"]


async def test_outside_hours_only_critical_events_are_sent(
    receiver: Receiver, notifier_for: Any
) -> None:
    ctx, service = await notifier_for(webhook_section(receiver, outside_hours="critical"))
    ctx.events.publish(outage_opened(NIGHT, Status.WARNING, subject="drukarka"))
    ctx.events.publish(outage_opened(NIGHT, Status.CRITICAL, subject="serwer"))
    await service.join()
    assert [b["subject"] for b in receiver.bodies] == ["serwer"]


async def test_outside_hours_none_sends_nothing_at_night(
    receiver: Receiver, notifier_for: Any
) -> None:
    ctx, service = await notifier_for(webhook_section(receiver, outside_hours="none"))
    ctx.events.publish(outage_opened(NIGHT, Status.CRITICAL))
    ctx.events.publish(outage_opened(OPEN_HOURS, Status.CRITICAL, subject="w godzinach"))
    await service.join()
    assert [b["subject"] for b in receiver.bodies] == ["w godzinach"]


async def test_night_recovery_of_unnotified_problem_is_not_sent(
    receiver: Receiver, notifier_for: Any
) -> None:
    ctx, service = await notifier_for(webhook_section(receiver, outside_hours="critical"))
    ctx.events.publish(outage_opened(NIGHT, Status.WARNING, subject="drukarka"))
    ctx.events.publish(
        Event(
            ev.OUTAGE_CLOSED,
            "drukarka",
            Status.OK,
            NIGHT + timedelta(minutes=5),
            raw("znów działa"),
            {"start": NIGHT, "end": NIGHT + timedelta(minutes=5)},
        )
    )
    ctx.events.publish(outage_opened(NIGHT, Status.CRITICAL, subject="serwer"))
    ctx.events.publish(
        Event(
            ev.OUTAGE_CLOSED,
            "serwer",
            Status.OK,
            NIGHT + timedelta(minutes=5),
            raw("znów działa"),
            {"start": NIGHT, "end": NIGHT + timedelta(minutes=5)},
        )
    )
    await service.join()
    assert [(b["subject"], b["kind"]) for b in receiver.bodies] == [
        ("serwer", "outage_opened"),
        ("serwer", "outage_closed"),
    ]


async def test_duplicate_problem_is_sent_again_only_after_repeat_after(
    receiver: Receiver, notifier_for: Any, clock: FixedClock
) -> None:
    section = webhook_section(receiver)
    section["repeat_after"] = "1h"
    ctx, service = await notifier_for(section)
    ctx.events.publish(outage_opened())
    ctx.events.publish(outage_opened())
    await service.join()
    assert len(receiver.bodies) == 1
    clock.advance(timedelta(minutes=61))
    ctx.events.publish(outage_opened())
    await service.join()
    assert len(receiver.bodies) == 2


async def test_second_recovery_is_not_sent_twice(receiver: Receiver, notifier_for: Any) -> None:
    ctx, service = await notifier_for(webhook_section(receiver))
    closed = Event(ev.BACKUP_RECOVERED, "kopia-serwera", Status.OK, OPEN_HOURS, raw("kopia świeża"))
    ctx.events.publish(
        Event(
            ev.BACKUP_NONCOMPLIANT,
            "kopia-serwera",
            Status.CRITICAL,
            OPEN_HOURS,
            raw("kopia starsza niż 26 h"),
        )
    )
    ctx.events.publish(closed)
    ctx.events.publish(closed)
    await service.join()
    assert [b["kind"] for b in receiver.bodies] == ["backup_noncompliant", "backup_recovered"]


async def test_rules_route_by_kind_and_subject_pattern(
    receiver: Receiver, notifier_for: Any
) -> None:
    ctx, service = await notifier_for(
        webhook_section(receiver, events=["certificate_expiring"], subjects=["https-*"])
    )
    ctx.events.publish(
        Event(
            ev.CERTIFICATE_EXPIRING,
            "https-bip",
            Status.WARNING,
            OPEN_HOURS,
            raw("certyfikat wygasa za 10 dni"),
        )
    )
    ctx.events.publish(
        Event(
            ev.CERTIFICATE_EXPIRING,
            "smtp-poczta",
            Status.WARNING,
            OPEN_HOURS,
            raw("certyfikat wygasa za 10 dni"),
        )
    )
    ctx.events.publish(outage_opened(subject="https-bip"))
    await service.join()
    assert [(b["kind"], b["subject"]) for b in receiver.bodies] == [
        ("certificate_expiring", "https-bip")
    ]


async def test_failed_webhook_is_retried_until_delivered(
    receiver: Receiver, notifier_for: Any
) -> None:
    receiver.fail_first = 2
    ctx, service = await notifier_for(webhook_section(receiver))
    ctx.events.publish(outage_opened())
    await service.join()
    assert receiver.calls == 3
    assert len(receiver.bodies) == 1
    assert service.sent["czat"] == 1
    assert service.failed["czat"] == 0


async def test_unreachable_smtp_is_logged_and_other_channels_still_deliver(
    receiver: Receiver, notifier_for: Any, caplog: Any
) -> None:
    section = webhook_section(receiver)
    section["retries"] = 1
    section["email"] = [
        {
            "name": "poczta",
            "host": "127.0.0.1",
            "port": free_port(),
            "security": "none",
            "sender": "itops@urzad.example",
            "timeout": "2s",
        }
    ]
    section["rules"][0]["channels"] = ["poczta", "czat"]
    section["rules"][0]["recipients"] = ["jan.testowy@urzad.example"]
    ctx, service = await notifier_for(section)
    ctx.events.publish(outage_opened())
    await service.join()
    assert service.failed["poczta"] == 1
    assert len(receiver.bodies) == 1
    assert "failed after 2 attempts" in caplog.text
    ctx.events.publish(outage_opened(subject="kolejna awaria"))
    await service.join()
    assert len(receiver.bodies) == 2


async def test_publish_returns_while_the_receiver_is_still_hanging(
    receiver: Receiver, notifier_for: Any
) -> None:
    receiver.gate = asyncio.Event()
    ctx, service = await notifier_for(webhook_section(receiver))
    ctx.events.publish(outage_opened())
    while receiver.waiting == 0:
        await asyncio.sleep(0.01)
    assert receiver.bodies == []
    assert service.pending() == 1
    receiver.gate.set()
    await service.join()
    assert len(receiver.bodies) == 1


async def test_publish_from_another_thread_is_delivered(
    receiver: Receiver, notifier_for: Any
) -> None:
    ctx, service = await notifier_for(webhook_section(receiver))
    thread = threading.Thread(target=ctx.events.publish, args=(outage_opened(),))
    thread.start()
    await asyncio.to_thread(thread.join)
    await asyncio.sleep(0)
    await service.join()
    assert len(receiver.bodies) == 1


async def test_starttls_with_login_from_password_file(
    tls_cert: tuple[Path, Path], notifier_for: Any, tmp_path: Path
) -> None:
    cert, key = tls_cert
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        require_starttls=True,
        authenticator=PasswordCheck("itops", "haslo-testowe-1"),
        auth_required=True,
    )
    controller.start()
    try:
        password = tmp_path / "smtp.password"
        password.write_text("haslo-testowe-1\n", encoding="utf-8")
        ctx, service = await notifier_for(
            {
                "retry_delay": "10ms",
                "email": [
                    {
                        "name": "poczta",
                        "host": "127.0.0.1",
                        "port": port,
                        "security": "starttls",
                        "username": "itops",
                        "password_file": str(password),
                        "ca_file": str(cert),
                        "sender": "itops@urzad.example",
                    }
                ],
                "rules": [
                    {
                        "name": "awarie",
                        "channels": ["poczta"],
                        "recipients": ["jan.testowy@urzad.example"],
                    }
                ],
            }
        )
        ctx.events.publish(outage_opened())
        await service.join()
    finally:
        controller.stop()
    assert service.sent["poczta"] == 1
    assert len(box.messages) == 1


async def test_smtps_with_implicit_tls(tls_cert: tuple[Path, Path], notifier_for: Any) -> None:
    cert, key = tls_cert
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, ssl_context=tls)
    controller.start()
    try:
        ctx, service = await notifier_for(
            {
                "retry_delay": "10ms",
                "email": [
                    {
                        "name": "poczta",
                        "host": "127.0.0.1",
                        "port": port,
                        "security": "smtps",
                        "ca_file": str(cert),
                        "sender": "itops@urzad.example",
                    }
                ],
                "rules": [
                    {
                        "name": "awarie",
                        "channels": ["poczta"],
                        "recipients": ["jan.testowy@urzad.example"],
                    }
                ],
            }
        )
        ctx.events.publish(outage_opened())
        await service.join()
    finally:
        controller.stop()
    assert len(box.messages) == 1


async def test_events_silenced_by_a_maintenance_window_are_not_sent(
    receiver: Receiver, notifier_for: Any
) -> None:
    ctx, service = await notifier_for(webhook_section(receiver))
    ctx.events.publish(
        Event(
            ev.OUTAGE_OPENED,
            "serwer",
            Status.CRITICAL,
            OPEN_HOURS,
            raw("przegląd serwera"),
            {"silenced": True},
        )
    )
    ctx.events.publish(outage_opened(subject="router"))
    await service.join()
    assert [b["subject"] for b in receiver.bodies] == ["router"]


async def test_a_rule_for_all_events_ignores_kinds_that_are_not_notifications(
    receiver: Receiver, notifier_for: Any
) -> None:
    ctx, service = await notifier_for(webhook_section(receiver))
    ctx.events.publish(Event("agent_report", "PC-TEST-01", Status.OK, OPEN_HOURS, raw("raport")))
    ctx.events.publish(outage_opened(subject="router"))
    await service.join()
    assert [b["kind"] for b in receiver.bodies] == ["outage_opened"]


async def test_deduplication_survives_a_restart_on_every_engine(
    receiver: Receiver, notifier_for: Any, db_url: str
) -> None:
    section = webhook_section(receiver)
    ctx, first = await notifier_for(section, db_url)
    ctx.events.publish(outage_opened())
    await first.join()
    await first.stop()
    ctx, second = await notifier_for(section, db_url)
    ctx.events.publish(outage_opened())
    ctx.events.publish(
        Event(
            ev.OUTAGE_CLOSED,
            outage_opened().subject,
            Status.OK,
            NIGHT,
            raw("znów działa"),
            {"start": OPEN_HOURS, "end": NIGHT},
        )
    )
    await second.join()
    assert [b["kind"] for b in receiver.bodies] == ["outage_opened", "outage_closed"]


async def test_unavailable_database_does_not_stop_notifications(
    receiver: Receiver, notifier_for: Any, tmp_path: Path, caplog: Any
) -> None:
    ctx, service = await notifier_for(
        webhook_section(receiver), f"sqlite:///{tmp_path / 'not-migrated.db'}"
    )
    ctx.events.publish(outage_opened())
    await service.join()
    assert len(receiver.bodies) == 1
    assert "notification history not loaded" in caplog.text
    assert "notification history not saved" in caplog.text


async def test_every_monitoring_gap_is_sent_even_within_repeat_after(
    receiver: Receiver, notifier_for: Any
) -> None:
    ctx, service = await notifier_for(webhook_section(receiver))
    for hour in (8, 9):
        start = datetime(2026, 11, 26, hour, 0, tzinfo=UTC)
        end = start + timedelta(minutes=10)
        ctx.events.publish(
            Event(
                ev.MONITORING_GAP,
                "itops",
                Status.CRITICAL,
                end,
                raw("przerwa"),
                {"start": start, "end": end, "reason": "crash"},
            )
        )
    await service.join()
    assert [b["working_hours_seconds"] for b in receiver.bodies] == [600, 600]


async def test_https_webhook_trusts_the_configured_ca_file(
    tls_cert: tuple[Path, Path], notifier_for: Any
) -> None:
    from aiohttp import web

    cert, key = tls_cert
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    bodies: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=tls).start()
    try:
        ctx, service = await notifier_for(
            {
                "retries": 0,
                "webhook": [
                    {
                        "name": "zaufany",
                        "url": f"https://127.0.0.1:{port}/hook",
                        "ca_file": str(cert),
                    },
                    {"name": "bez-ca", "url": f"https://127.0.0.1:{port}/hook"},
                ],
                "rules": [{"name": "r", "channels": ["zaufany", "bez-ca"]}],
            }
        )
        ctx.events.publish(outage_opened())
        await service.join()
    finally:
        await runner.cleanup()
    assert len(bodies) == 1
    assert service.sent["zaufany"] == 1
    assert service.failed["bez-ca"] == 1
