"""itops-agent: report one computer to the itops server (psutil and the standard library only).

Shipped twice from one source: inside the ``itops`` distribution (``itops agent``) and as
the small ``itops-agent`` distribution (``agent/pyproject.toml``) for workstations and
servers that should not carry WeasyPrint, database drivers or pydantic. The server
validates every report against ``inventory.payload.AgentReport``; this package only
builds the plain JSON-ready dictionary.
"""

from __future__ import annotations

__version__ = "0.1.0"
SCHEMA_VERSION = 1
