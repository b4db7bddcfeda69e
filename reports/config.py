"""``[report]``: the annual quality report's signatures and where the dashboard keeps it."""

from __future__ import annotations

from pathlib import Path

from itops.config_types import Model, Section


class Report(Model):
    """``[report]``: the annual quality report's signatures and where the dashboard keeps it.

    The process owner and organisational unit are ``[office]`` keys (the process card).
    """

    prepared_by: str = ""
    approved_by: str = ""
    output_dir: Path = Path("/var/lib/itops/reports")


REPORT: Section[Report] = Section("report", Report, Report)

SECTIONS = (REPORT,)
