"""``[employee_monitoring]``: the §82 register of employee IT monitoring."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import Field

from itops.config_types import Interval, Model, Section


class RegisterConfig(Model):
    """The §82 register of employee IT monitoring (``[employee_monitoring]``)."""

    policy_version: str = Field(default="", max_length=100)
    retention_years: int = Field(default=10, ge=2, le=100)
    prune: bool = False  # daily pruning past retention_years; off: `itops register prune`
    anchor_file: Path | None = None
    anchor_interval: Interval = timedelta(days=1)
    # Ed25519 key (itops register init-key) signing checkpoints, heads and anchors
    signing_key_file: Path | None = None
    seal_interval: Interval = timedelta(hours=1)  # how often the head is signed
    tsa_url: Annotated[str, Field(pattern=r"^https?://")] | None = None  # RFC 3161
    tsa_ca_file: Path | None = None  # the TSA's CA certificate(s), to check its tokens
    prune_url: str | None = None  # PostgreSQL: the role that may DELETE (docs/register.md)


EMPLOYEE_MONITORING: Section[RegisterConfig] = Section(
    "employee_monitoring", RegisterConfig, RegisterConfig
)

SECTIONS = (EMPLOYEE_MONITORING,)
