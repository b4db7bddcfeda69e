"""``[employee_monitoring]``: the §82 register of employee IT monitoring."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field

from itops.config_types import Model, PositiveDuration, Section


class RegisterConfig(Model):
    """The §82 register of employee IT monitoring (``[employee_monitoring]``)."""

    policy_version: str = Field(default="", max_length=100)
    retention_years: int = Field(default=10, ge=2, le=100)
    prune: bool = False  # daily pruning past retention_years; off: `itops register prune`
    anchor_file: Path | None = None
    anchor_interval: PositiveDuration = timedelta(days=1)


EMPLOYEE_MONITORING: Section[RegisterConfig] = Section(
    "employee_monitoring", RegisterConfig, RegisterConfig
)

SECTIONS = (EMPLOYEE_MONITORING,)
