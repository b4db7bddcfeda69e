"""Shared parts of the host-resource kinds (disk, process, memory, load) via psutil.

These look at the itops host itself. They do not count for KPI 1 by default (a full
disk is a warning sign, not downtime) and a timeout means "could not tell" (UNKNOWN).
"""

from __future__ import annotations

from typing import ClassVar

from itops.check import Check, OptionsT
from itops.status import Status


class HostCheck(Check[OptionsT]):
    """Base of psutil kinds: not KPI by default, UNKNOWN on timeout."""

    counts_for_kpi_default: ClassVar[bool] = False
    timeout_status: ClassVar[Status] = Status.UNKNOWN


def grade(value: float, warning: float | None, critical: float | None) -> Status:
    """Higher is worse: CRITICAL at or over ``critical``, WARNING at or over ``warning``."""
    if critical is not None and value >= critical:
        return Status.CRITICAL
    if warning is not None and value >= warning:
        return Status.WARNING
    return Status.OK
