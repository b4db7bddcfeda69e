"""POST a report to the itops server with the standard library only (urllib)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPORT_PATH = "/api/v1/agent/report"


class AgentError(Exception):
    """The report could not be delivered, or the token file is unusable; the text says why."""


def read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AgentError(f"{path}: cannot read the token file ({exc.strerror})") from None
    if not token:
        raise AgentError(f"{path}: the token file is empty")
    return token


def send(server: str, token: str, body: bytes, timeout: float = 30) -> dict[str, Any]:
    """POST the JSON ``body``; returns the server's JSON answer or raises ``AgentError``."""
    if not server.startswith(("http://", "https://")):
        raise AgentError(f'"{server}" is not an http(s) URL')
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
