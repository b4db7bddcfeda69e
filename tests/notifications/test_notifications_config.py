"""``[notifications]`` validation: every mistake names the key and the reason."""

from __future__ import annotations

from typing import Any

import pytest

from itops.config import validate
from itops.errors import ConfigError
from tests.conftest import MINIMAL_OFFICE

WEBHOOK = {"name": "czat", "url": "http://127.0.0.1:9/hook"}
EMAIL = {"name": "poczta", "host": "smtp.urzad.example", "sender": "itops@urzad.example"}


def problems(section: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        validate({"office": MINIMAL_OFFICE, "notifications": section}, "itops.toml")
    return str(info.value)


def test_rule_naming_an_unknown_channel_is_an_error() -> None:
    text = problems({"webhook": [WEBHOOK], "rules": [{"name": "r", "channels": ["sms"]}]})
    assert 'rule "r": unknown channel "sms"' in text


def test_email_rule_without_recipients_is_an_error() -> None:
    text = problems({"email": [EMAIL], "rules": [{"name": "r", "channels": ["poczta"]}]})
    assert 'rule "r": e-mail channels need recipients' in text


def test_unknown_event_kind_is_an_error() -> None:
    text = problems(
        {"webhook": [WEBHOOK], "rules": [{"name": "r", "channels": ["czat"], "events": ["outage"]}]}
    )
    assert "notifications.rules[0](r).events[0]" in text


def test_username_without_password_file_is_an_error() -> None:
    text = problems({"email": [{**EMAIL, "username": "itops"}]})
    assert "username and password_file go together" in text


def test_default_ports_follow_security() -> None:
    settings = validate(
        {
            "office": MINIMAL_OFFICE,
            "notifications": {
                "email": [{**EMAIL, "name": "a", "security": "smtps"}, {**EMAIL, "name": "b"}]
            },
        }
    )
    assert [c.effective_port for c in settings.notifications.email] == [465, 587]


def test_example_config_documents_every_notification_key() -> None:
    import re
    from pathlib import Path

    from itops.config import load
    from itops.notifications.config import (
        EmailChannel,
        NotificationRule,
        Notifications,
        WebhookChannel,
    )

    example = Path(__file__).resolve().parents[2] / "config" / "itops.example.toml"
    settings = load(example, environ={})
    assert settings.notifications.rules
    text = example.read_text(encoding="utf-8")
    section = text[text.index("[notifications]") :]
    for model in (Notifications, EmailChannel, WebhookChannel, NotificationRule):
        for key in model.model_fields:
            if key in ("email", "webhook", "rules"):
                assert f"[[notifications.{key}]]" in section
                continue
            assert re.search(rf"^#? ?{key} = ", section, re.M), f"{model.__name__}.{key}"
