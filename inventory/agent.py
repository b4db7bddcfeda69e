"""``itops agent``: collect this workstation and POST the report to the itops server.

Stdlib HTTP only (urllib), so the agent needs nothing beyond itops's own dependencies
on a workstation. The token file holds the token ``itops agent token create`` printed.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from inventory.payload import AgentReport
from itops.errors import ItopsError, ValidationError

logger = logging.getLogger(__name__)
REPORT_PATH = "/api/v1/agent/report"


class AgentError(ItopsError):
    """The server refused the report or could not be reached."""


def read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read the token file ({exc.strerror})") from None
    if not token:
        raise ValidationError(f"{path}: the token file is empty")
    return token


def send(server: str, token: str, report: AgentReport, timeout: float = 30) -> dict[str, Any]:
    """POST ``report``; returns the server's JSON answer or raises ``AgentError``."""
    if not server.startswith(("http://", "https://")):
        raise ValidationError(f'"{server}" is not an http(s) URL')
    body = report.model_dump_json().encode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        server.rstrip("/") + REPORT_PATH,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:2000]
        raise AgentError(f"the server refused the report: HTTP {exc.code} {detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise AgentError(f"cannot reach {server}: {exc}") from None
