"""``process``: a named process (or one whose command line contains a text) is running."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import psutil
from pydantic import Field, model_validator

from checks.kinds import texts
from checks.kinds.host import HostCheck
from itops.check import Options
from itops.messages import Summary
from itops.status import Measurement, Status


class ProcessOptions(Options):
    process: str | None = None
    cmdline_contains: str | None = None
    min_count: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _something(self) -> ProcessOptions:
        if not self.process and not self.cmdline_contains:
            raise ValueError("give process (the name) and/or cmdline_contains")
        return self


def count_matching(name: str | None, contains: str | None) -> int:
    found = 0
    for proc in psutil.process_iter(["name", "cmdline"]):
        info = proc.info
        if name is not None and info.get("name") != name:
            continue
        if contains is not None and contains not in " ".join(info.get("cmdline") or []):
            continue
        found += 1
    return found


class ProcessCheck(HostCheck[ProcessOptions]):
    """CRITICAL when fewer than ``min_count`` matching processes run."""

    kind = "process"
    TEXTS = texts.PROCESS
    Options = ProcessOptions

    @property
    def target(self) -> str:
        return self.options.process or self.options.cmdline_contains or ""

    async def probe(self) -> Sequence[Measurement]:
        count = await asyncio.to_thread(
            count_matching, self.options.process, self.options.cmdline_contains
        )
        return [Measurement("count", count)]

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        count = int(next(m.value for m in measurements if m.name == "count"))
        if count < self.options.min_count:
            need = self.options.min_count
            few = Summary("process.too_few", {"name": self.target, "n": count, "need": need})
            return Status.CRITICAL, few
        return Status.OK, Summary("process.running", {"name": self.target, "n": count})
