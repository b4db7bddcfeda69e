"""``[report]``: the annual quality report's signatures and where the dashboard keeps it."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from itops.config_types import Model, Section


class Report(Model):
    """``[report]``: the annual quality report's signatures and where the dashboard keeps it.

    The process owner and organisational unit are ``[office]`` keys (the process card).
    """

    prepared_by: str = ""
    approved_by: str = ""
    output_dir: Path = Path("/var/lib/itops/reports")


REPORT: Section[Report] = Section("report", Report, Report)


class Demo(Model):
    """``[demo]``: live DEMO targets for a first look without any external network.

    ``targets = true``: the daemon serves a BIP-like page at ``/demo/bip`` on its own web
    server (newest publication ``bip_age_working_days`` office working days ago) and an
    SNMP v2c responder on 127.0.0.1, UDP port = the ``[web] bind`` port, with the recorded
    DEMO switch (community ``demo-switch``, one port down) and UPS (``demo-ups``, on battery).
    """

    targets: bool = False
    bip_age_working_days: int = Field(default=10, ge=0, le=365)


DEMO: Section[Demo] = Section("demo", Demo, Demo)

SECTIONS = (REPORT, DEMO)
