"""``itops notifications test`` sends over real channels and names the one that fails."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.conftest import free_port, write_config
from tests.notifications.conftest import Mailbox, Receiver

ITOPS = str(Path(sys.executable).parent / "itops")


async def itops(config: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        ITOPS,
        "--config",
        str(config),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


def config_with(tmp_path: Path, smtp_port: int, hook_url: str) -> Path:
    return write_config(
        tmp_path / "itops.toml",
        f"sqlite:///{tmp_path / 'x.db'}",
        None,
        f"""
[notifications]
[[notifications.email]]
name = "poczta"
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "itops@urzad.example"
[[notifications.webhook]]
name = "czat"
url = "{hook_url}"
[[notifications.rules]]
name = "awarie"
channels = ["poczta", "czat"]
recipients = ["jan.testowy@urzad.example"]
""",
    )


async def test_test_command_sends_over_every_channel(
    mailbox: tuple[Mailbox, int], receiver: Receiver, tmp_path: Path
) -> None:
    box, port = mailbox
    code, out = await itops(config_with(tmp_path, port, receiver.url), "notifications", "test")
    assert code == 0, out
    assert "poczta: sent" in out and "czat: sent" in out
    ((rcpt, mail),) = box.messages
    assert rcpt == ["jan.testowy@urzad.example"]
    assert mail["Subject"] == "[itops] [OK] Test powiadomień: itops"
    assert receiver.bodies[0]["kind"] == "test"


async def test_test_command_names_the_failing_channel_and_exits_1(
    receiver: Receiver, tmp_path: Path
) -> None:
    config = config_with(tmp_path, free_port(), receiver.url)
    code, out = await itops(config, "notifications", "test")
    assert code == 1
    assert "poczta: FAILED: SMTP 127.0.0.1:" in out
    assert "czat: sent" in out
    assert "1 of 2 channels failed" in out
