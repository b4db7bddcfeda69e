"""Delivery of one message over one channel; raising means "try again later".

E-mail uses the standard library's ``smtplib`` in a worker thread (no extra dependency;
SMTP exchanges are short). Webhooks use aiohttp, already the project's HTTP client.
Secrets (SMTP password, webhook token) are read from files at send time, so rotating a
secret needs no restart and it never sits in the config file.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiohttp

from itops.notifications.config import EmailChannel, WebhookChannel
from itops.notifications.message import Message


class DeliveryError(Exception):
    """A channel refused or could not take the message."""


def _secret(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise DeliveryError(f"cannot read {path}: {exc.strerror or exc}") from None


def _tls_context(ca_file: Path | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def email_message(channel: EmailChannel, recipients: list[str], message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = channel.sender
    mail["To"] = ", ".join(recipients)
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=channel.sender.rpartition("@")[2] or "itops")
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    return mail


def _send_email_blocking(channel: EmailChannel, recipients: list[str], message: Message) -> None:
    timeout = channel.timeout.total_seconds()
    port = channel.effective_port
    client: smtplib.SMTP
    if channel.security == "smtps":
        client = smtplib.SMTP_SSL(
            channel.host, port, timeout=timeout, context=_tls_context(channel.ca_file)
        )
    else:
        client = smtplib.SMTP(channel.host, port, timeout=timeout)
    with client:
        if channel.security == "starttls":
            client.starttls(context=_tls_context(channel.ca_file))
        if channel.username is not None and channel.password_file is not None:
            password = _secret(channel.password_file)
            if not (channel.username + password).isascii():
                raise DeliveryError("SMTP user name and password must be ASCII (smtplib)")
            client.login(channel.username, password)
        client.send_message(email_message(channel, recipients, message))


async def send_email(channel: EmailChannel, recipients: list[str], message: Message) -> None:
    try:
        await asyncio.to_thread(_send_email_blocking, channel, recipients, message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {channel.host}:{channel.effective_port}: {exc}") from None


async def send_webhook(
    session: aiohttp.ClientSession, channel: WebhookChannel, message: Message
) -> None:
    headers = {"User-Agent": "itops"}
    if channel.token_file is not None:
        headers["Authorization"] = f"Bearer {_secret(channel.token_file)}"
    ssl_ctx: ssl.SSLContext | bool = _tls_context(channel.ca_file) if channel.ca_file else True
    try:
        async with session.post(
            channel.url,
            json=message.payload,
            headers=headers,
            ssl=ssl_ctx,
            timeout=aiohttp.ClientTimeout(total=channel.timeout.total_seconds()),
        ) as response:
            if response.status >= 300:
                raise DeliveryError(f"webhook {channel.name}: HTTP {response.status}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DeliveryError(f"webhook {channel.name}: {type(exc).__name__} {exc}") from None
