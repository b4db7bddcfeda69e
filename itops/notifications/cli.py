"""``itops notifications test``: send one test message over the configured channels.

So the officer can check the SMTP server, the password file and the webhook before the first
real outage, and see the exact error of a channel that fails.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import aiohttp
import click

from itops.cli import Ctx, pass_ctx
from itops.config import Settings
from itops.events import Event
from itops.messages import Summary
from itops.notifications.channels import DeliveryError, send_email, send_webhook
from itops.notifications.config import NOTIFICATIONS, EmailChannel, WebhookChannel
from itops.notifications.message import build_message
from itops.status import Status

TEST_KIND = "test"


def _recipients(settings: Settings, channel: str, given: tuple[str, ...]) -> list[str]:
    if given:
        return list(given)
    found: list[str] = []
    for rule in settings.section(NOTIFICATIONS).rules:
        if channel in rule.channels:
            found += [r for r in rule.recipients if r not in found]
    return found


async def send_test(
    settings: Settings, names: tuple[str, ...], recipients: tuple[str, ...], now: datetime
) -> dict[str, str | None]:
    """Channel name → None when sent, else the reason it failed."""
    config = settings.section(NOTIFICATIONS)
    channels: list[EmailChannel | WebhookChannel] = [*config.email, *config.webhook]
    if names:
        channels = [c for c in channels if c.name in names]
    event = Event(
        TEST_KIND,
        "itops",
        Status.OK,
        now,
        Summary("notifications.test"),
    )
    message = build_message(event, settings)
    results: dict[str, str | None] = {}
    async with aiohttp.ClientSession() as http:
        for channel in channels:
            try:
                if isinstance(channel, EmailChannel):
                    to = _recipients(settings, channel.name, recipients)
                    if not to:
                        raise DeliveryError("no recipients: no rule uses this channel (use --to)")
                    await send_email(channel, to, message)
                else:
                    await send_webhook(http, channel, message)
            except Exception as exc:
                results[channel.name] = str(exc)
            else:
                results[channel.name] = None
    return results


@click.group("notifications")
def notifications_group() -> None:
    """Built-in e-mail and webhook notifications."""


@notifications_group.command("test")
@click.option("--channel", "names", multiple=True, help="Only this channel (repeatable).")
@click.option(
    "--to",
    "recipients",
    multiple=True,
    help="E-mail recipient (repeatable); "
    "default: the recipients of the rules that use the channel.",
)
@pass_ctx
def test_command(ctx: Ctx, names: tuple[str, ...], recipients: tuple[str, ...]) -> None:
    """Send a test message over every channel (or the named ones); exit 1 if any fails."""
    from itops.clock import SystemClock

    settings = ctx.settings
    config = settings.section(NOTIFICATIONS)
    known = {c.name for c in config.email} | {c.name for c in config.webhook}
    unknown = sorted(set(names) - known)
    if unknown:
        raise click.BadParameter(f"unknown channel {', '.join(unknown)}", param_hint="--channel")
    if not known:
        raise click.ClickException("no channels in [notifications]")
    results = asyncio.run(send_test(settings, names, recipients, SystemClock().now()))
    for name, problem in results.items():
        click.echo(f"{name}: sent" if problem is None else f"{name}: FAILED: {problem}")
    failed = sum(1 for p in results.values() if p is not None)
    if failed:
        raise click.ClickException(f"{failed} of {len(results)} channels failed")


def register(group: click.Group) -> None:
    group.add_command(notifications_group)
