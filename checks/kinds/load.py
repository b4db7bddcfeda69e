"""``load``: load average per CPU on the itops host."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal

import psutil
from pydantic import Field

from checks.kinds import texts
from checks.kinds.host import HostCheck, grade
from itops.check import Options
from itops.messages import Summary
from itops.status import Measurement, Status


class LoadOptions(Options):
    average: Literal["1m", "5m", "15m"] = "5m"
    warning_per_cpu: float = Field(default=2.0, gt=0)
    critical_per_cpu: float = Field(default=4.0, gt=0)


class LoadCheck(HostCheck[LoadOptions]):
    """WARNING/CRITICAL when the load average per CPU reaches the thresholds."""

    kind = "load"
    TEXTS = texts.LOAD
    Options = LoadOptions

    @property
    def target(self) -> str:
        return f"load {self.options.average}"

    async def probe(self) -> Sequence[Measurement]:
        one, five, fifteen = await asyncio.to_thread(psutil.getloadavg)
        cpus = psutil.cpu_count() or 1
        return [
            Measurement("load1", one),
            Measurement("load5", five),
            Measurement("load15", fifteen),
            Measurement("cpus", cpus),
        ]

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = {m.name: m.value for m in measurements}
        key = {"1m": "load1", "5m": "load5", "15m": "load15"}[self.options.average]
        per_cpu = v[key] / max(1.0, v["cpus"])
        status = grade(per_cpu, self.options.warning_per_cpu, self.options.critical_per_cpu)
        load = {"average": self.options.average, "load": v[key], "per_cpu": per_cpu}
        return status, Summary("load.average", load)
