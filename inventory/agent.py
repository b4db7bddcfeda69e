"""``itops agent``: collect this workstation and POST the report to the itops server.

Stdlib HTTP only (urllib, in ``itops_agent.send``). The token file holds the token
``itops agent token create`` printed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from inventory.payload import AgentReport
from itops.errors import ItopsError, ValidationError
from itops_agent import send as _send

logger = logging.getLogger(__name__)
REPORT_PATH = _send.REPORT_PATH


class AgentError(ItopsError):
    """The server refused the report or could not be reached."""


def read_token(path: Path) -> str:
    try:
        return _send.read_token(path)
    except _send.AgentError as exc:
        raise ValidationError(str(exc)) from None


def send(server: str, token: str, report: AgentReport, timeout: float = 30) -> dict[str, Any]:
    """POST ``report``; returns the server's JSON answer or raises ``AgentError``."""
    if not server.startswith(("http://", "https://")):
        raise ValidationError(f'"{server}" is not an http(s) URL')
    try:
        return _send.send(server, token, report.model_dump_json().encode(), timeout)
    except _send.AgentError as exc:
        raise AgentError(str(exc)) from None
