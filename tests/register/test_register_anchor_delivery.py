"""The daily anchor leaves the machine: e-mail to the auditor and a webhook (real SMTP and
HTTP servers on 127.0.0.1), and what arrives is enough to verify the register later."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import text

from inventory.register import anchors, jobs
from itops.notifications.config import Notifications
from itops.notifications.service import NotificationService
from tests.notifications.conftest import Mailbox, Receiver, mailbox, receiver  # noqa: F401 - fixtures
from tests.register.conftest import Office

AUDITOR_MAIL = "audytor.test@urzad.example"


def _channels(signed: Office, port: int, hook: str) -> None:
    section = Notifications.model_validate(
        {
            "retry_delay": "10ms",
            "email": [
                {
                    "name": "poczta",
                    "host": "127.0.0.1",
                    "port": port,
                    "security": "none",
                    "sender": "itops@urzad.example",
                }
            ],
            "webhook": [{"name": "archiwum", "url": hook}],
            "rules": [
                {
                    "name": "kotwice",
                    "events": ["register_anchor"],
                    "channels": ["poczta", "archiwum"],
                    "recipients": [AUDITOR_MAIL],
                },
                {"name": "wszystko", "channels": ["poczta"], "recipients": ["it@urzad.example"]},
            ],
        }
    )
    signed.ctx.settings = signed.ctx.settings.model_copy(update={"notifications": section})


async def _deliver(signed: Office) -> None:
    service = NotificationService(signed.ctx)
    signed.ctx.events.subscribe(service.publish)
    await service.start()
    try:
        await asyncio.to_thread(jobs.anchor_job, signed.ctx)
        await service.join()
    finally:
        await service.stop(grace=1)


async def test_the_daily_anchor_reaches_the_auditor_and_the_webhook_and_verifies(
    signed: Office,
    mailbox: tuple[Mailbox, int],  # noqa: F811
    receiver: Receiver,  # noqa: F811
) -> None:
    box, port = mailbox
    _channels(signed, port, receiver.url)
    signed.grant()
    signed.notice(signed.jan)
    signed.seal()
    await _deliver(signed)
    assert [rcpt for rcpt, _ in box.messages] == [[AUDITOR_MAIL]]  # not the catch-all rule
    body = box.messages[0][1].get_content()
    assert "Podpisany stan rejestru §82: wpis nr 2" in body
    line = next(x for x in body.splitlines() if x.startswith("itops register verify"))
    mailed = anchors.load(line.split("--anchor ", 1)[1].strip("'"))
    hooked = anchors.parse(json.dumps(receiver.bodies[0]["data"]["anchor"]))
    assert mailed.seq == hooked.seq == 2 and mailed.signature == hooked.signature
    assert signed.verify([mailed, hooked]).ok


async def test_a_rewrite_after_the_anchor_was_mailed_fails_verify_with_it(
    signed: Office,
    mailbox: tuple[Mailbox, int],  # noqa: F811
    receiver: Receiver,  # noqa: F811
) -> None:
    box, port = mailbox
    _channels(signed, port, receiver.url)
    signed.grant()
    signed.notice(signed.jan)
    signed.seal()
    await _deliver(signed)
    body = box.messages[0][1].get_content()
    line = next(x for x in body.splitlines() if x.startswith("itops register verify"))
    mailed = anchors.load(line.split("--anchor ", 1)[1].strip("'"))
    drop: dict[str, list[str]] = {
        "sqlite": ["DROP TRIGGER register_entry_no_delete", "DROP TRIGGER register_seal_no_delete"],
        "postgresql": [
            "DROP TRIGGER register_entry_append_only ON register_entry",
            "DROP TRIGGER register_seal_append_only ON register_seal",
        ],
    }
    with signed.ctx.engine.begin() as conn:
        for statement in drop[signed.ctx.engine.dialect.name]:
            conn.execute(text(statement))
        conn.execute(text("DELETE FROM register_seal"))
        conn.execute(text("DELETE FROM register_entry WHERE seq = 2"))
    signed.notice(signed.anna)  # a new #2 in place of the deleted one
    signed.seal()  # even re-signed by the key, the mailed anchor disagrees
    result = signed.verify([mailed])
    assert not result.ok and "another hash" in result.problem


async def test_a_broken_register_is_mailed_as_critical_without_an_anchor(
    signed: Office,
    mailbox: tuple[Mailbox, int],  # noqa: F811
    receiver: Receiver,  # noqa: F811
) -> None:
    box, port = mailbox
    _channels(signed, port, receiver.url)
    signed.grant()
    signed.seal()
    with signed.ctx.engine.begin() as conn:
        conn.execute(
            text(
                "DROP TRIGGER register_entry_no_update"
                if signed.ctx.engine.dialect.name == "sqlite"
                else "DROP TRIGGER register_entry_append_only ON register_entry"
            )
        )
        conn.execute(text("UPDATE register_entry SET scopes = 'work_email' WHERE seq = 1"))
    await _deliver(signed)
    mail: Any = box.messages[0][1]
    assert "[KRYTYCZNY]" in mail["Subject"]
    assert "NIE przeszedł weryfikacji" in mail.get_content()
    assert receiver.bodies[0]["data"]["verified"] is False
