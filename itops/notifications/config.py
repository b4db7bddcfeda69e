"""``[notifications]``: built-in alerting (e-mail over SMTP, JSON webhooks)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from itops.config_types import Duration, Model, PositiveDuration, SecretFiles, Section

EVENT_KINDS = (
    "outage_opened",
    "outage_closed",
    "backup_noncompliant",
    "backup_recovered",
    "antivirus_noncompliant",
    "certificate_expiring",
    "monitoring_gap",
    "register_anchor",
    "toner_order",
    "check_warning",
    "check_recovered",
)

_CHANNEL_NAME = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]


class EmailChannel(Model):
    """One SMTP server to send notification e-mail through."""

    name: _CHANNEL_NAME
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "smtps", "none"] = "starttls"
    username: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    sender: str = Field(min_length=3)
    timeout: PositiveDuration = timedelta(seconds=30)

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {"starttls": 587, "smtps": 465, "none": 25}[self.security]

    @model_validator(mode="after")
    def _credentials_together(self) -> EmailChannel:
        if (self.username is None) != (self.password_file is None):
            raise ValueError("username and password_file go together")
        return self


class WebhookChannel(Model):
    """One HTTP endpoint that receives every notification as a JSON POST."""

    name: _CHANNEL_NAME
    url: Annotated[str, Field(pattern=r"^https?://")]
    token_file: Path | None = None
    ca_file: Path | None = None
    timeout: PositiveDuration = timedelta(seconds=10)


class NotificationRule(Model):
    """Which events go to which channels (and, for e-mail, to which addresses)."""

    name: str = Field(min_length=1, max_length=100)
    events: list[Literal[EVENT_KINDS]] = Field(default_factory=list)  # type: ignore[valid-type]
    subjects: list[str] = Field(default_factory=list)
    channels: list[str] = Field(min_length=1)
    recipients: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(
        default_factory=list
    )
    outside_hours: Literal["all", "critical", "none"] = "critical"


class Notifications(Model):
    """``[notifications]``: built-in alerting for offices without an Alertmanager."""

    enabled: bool = True
    repeat_after: Duration = timedelta(hours=24)
    retries: int = Field(default=5, ge=0, le=100)
    retry_delay: PositiveDuration = timedelta(seconds=30)
    queue_size: int = Field(default=1000, ge=1, le=1_000_000)
    email: list[EmailChannel] = Field(default_factory=list)
    webhook: list[WebhookChannel] = Field(default_factory=list)
    rules: list[NotificationRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Notifications:
        names = [c.name for c in self.email] + [c.name for c in self.webhook]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate channel names: {', '.join(duplicates)}")
        emails = {c.name for c in self.email}
        for rule in self.rules:
            for channel in rule.channels:
                if channel not in names:
                    raise ValueError(f'rule "{rule.name}": unknown channel "{channel}"')
            if emails & set(rule.channels) and not rule.recipients:
                raise ValueError(f'rule "{rule.name}": e-mail channels need recipients')
        return self


def _secret_files(notifications: Notifications) -> SecretFiles:
    """The SMTP passwords and webhook tokens, read at load: a missing one is a config
    error, not days of alerts that cannot be sent."""
    if not notifications.enabled:
        return
    for index, email in enumerate(notifications.email):
        if email.password_file is not None:
            yield ("notifications", "email", index, "password_file"), email.password_file
    for index, hook in enumerate(notifications.webhook):
        if hook.token_file is not None:
            yield ("notifications", "webhook", index, "token_file"), hook.token_file


NOTIFICATIONS: Section[Notifications] = Section(
    "notifications", Notifications, Notifications, secret_files=_secret_files
)

SECTIONS = (NOTIFICATIONS,)
