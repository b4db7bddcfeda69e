"""Helpers for the backups and antivirus tests: configs built through the real validator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from checks.backups.config import BackupConfig
from checks.backups.service import BackupService
from itops.config import Settings, validate
from itops.events import Event
from itops.messages import raw
from itops.status import Status

OFFICE: dict[str, Any] = {"name": "Urząd Testowy w Przykładowie", "timezone": "Europe/Warsaw"}
PUSH_TOKEN = "00000000-0000-4000-8000-000000000001"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def settings_with(url: str = "sqlite://", **sections: Any) -> Settings:
    return validate({"office": dict(OFFICE), "storage": {"url": url}, **sections})


def backup(**keys: Any) -> BackupConfig:
    """One ``[[backups]]`` entry validated exactly as the config file would be."""
    return settings_with(backups=[{"name": "kopia-testowa", **keys}]).backups[0]


def agent_report(host: str, at: datetime, **changes: Any) -> Event:
    fields = {
        "AMServiceEnabled": True,
        "AntivirusEnabled": True,
        "RealTimeProtectionEnabled": True,
        "AntivirusSignatureLastUpdated": (at - timedelta(hours=6)).isoformat(),
        "AntivirusSignatureVersion": "1.421.0.0",
        "AMRunningMode": "Normal",
        "QuickScanAge": 0,
        "FullScanAge": 4294967295,
        **changes,
    }
    data = {"hostname": host, "antivirus": fields, "reported_at": at.isoformat()}
    return Event("agent_report", host, Status.OK, at, raw("report"), data)


def store_antivirus(svc: BackupService, event: Event) -> None:
    """Store an ``agent_report`` event's Defender section the way the agent API does
    (parsed strictly, stored in one transaction, snapshot and events after the commit)."""
    svc.record_agent_antivirus(event.data["hostname"], event.data["antivirus"], event.at)
