"""Domain events (outage opened, backup non-compliant …) from features to subscribers.

Producers (availability, backups, antivirus, itops's own gaps) publish; consumers
(notifications, the dashboard) subscribe through ``Feature.subscribers``. Publishing
never raises: a failing subscriber is logged and the producer carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from itops.messages import Summary
from itops.status import Status

logger = logging.getLogger(__name__)

OUTAGE_OPENED = "outage_opened"
OUTAGE_CLOSED = "outage_closed"
BACKUP_NONCOMPLIANT = "backup_noncompliant"
BACKUP_RECOVERED = "backup_recovered"
ANTIVIRUS_NONCOMPLIANT = "antivirus_noncompliant"
CERTIFICATE_EXPIRING = "certificate_expiring"
MONITORING_GAP = "monitoring_gap"
REGISTER_ANCHOR = "register_anchor"  # the §82 register's daily signed head
CHECK_WARNING = "check_warning"  # a check at WARNING: told, never an outage
CHECK_RECOVERED = "check_recovered"  # back to OK after a warning
TONER_ORDER = "toner_order"  # a printer's toner low and no fitting cartridge in stock


@dataclass(frozen=True)
class Event:
    """Something the IT officer may need to hear about."""

    kind: str
    subject: str
    status: Status
    at: datetime
    summary: Summary  # rendered in the reader's language by whoever tells people
    data: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out; subscribers must be quick (queue work, do not send mail here)."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                logger.exception("event subscriber %r failed on %s", subscriber, event.kind)
