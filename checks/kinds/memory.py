"""``memory``: used RAM (and swap) percent on the itops host."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import psutil
from pydantic import Field

from checks.kinds import texts
from checks.kinds.host import HostCheck, grade
from itops.check import Options
from itops.messages import Summary
from itops.status import Measurement, Status, worst


class MemoryOptions(Options):
    warning_percent: float = Field(default=90, ge=0, le=100)
    critical_percent: float = Field(default=97, ge=0, le=100)
    swap_warning_percent: float | None = Field(default=None, ge=0, le=100)


class MemoryCheck(HostCheck[MemoryOptions]):
    """WARNING/CRITICAL when used memory reaches the thresholds."""

    kind = "memory"
    TEXTS = texts.MEMORY
    Options = MemoryOptions

    @property
    def target(self) -> str:
        return "memory"

    async def probe(self) -> Sequence[Measurement]:
        mem = await asyncio.to_thread(psutil.virtual_memory)
        swap = await asyncio.to_thread(psutil.swap_memory)
        return [
            Measurement("used_percent", mem.percent, "%"),
            Measurement("available_bytes", mem.available, "B"),
            Measurement("swap_used_percent", swap.percent, "%"),
        ]

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = {m.name: m.value for m in measurements}
        o = self.options
        status = grade(v["used_percent"], o.warning_percent, o.critical_percent)
        status = worst([status, grade(v["swap_used_percent"], o.swap_warning_percent, None)])
        used = {"used": v["used_percent"], "swap": v["swap_used_percent"]}
        return status, Summary("memory.used", used)
