"""Helpers for the backups and antivirus tests: configs built through the real validator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itops.config import BackupConfig, Settings, validate

OFFICE: dict[str, Any] = {"name": "Urząd Testowy w Przykładowie", "timezone": "Europe/Warsaw"}
PUSH_TOKEN = "00000000-0000-4000-8000-000000000001"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def settings_with(url: str = "sqlite://", **sections: Any) -> Settings:
    return validate({"office": dict(OFFICE), "storage": {"url": url}, **sections})


def backup(**keys: Any) -> BackupConfig:
    """One ``[[backups]]`` entry validated exactly as the config file would be."""
    return settings_with(backups=[{"name": "kopia-testowa", **keys}]).backups[0]
