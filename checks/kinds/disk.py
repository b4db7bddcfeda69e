"""``disk``: free space on a mount point, in percent and (optionally) bytes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import psutil
from pydantic import Field

from checks.kinds import texts
from checks.kinds.host import HostCheck
from itops.check import Options
from itops.errors import ProbeError
from itops.messages import Summary
from itops.status import Measurement, Status


class DiskOptions(Options):
    path: str = "/"
    warning_percent_free: float = Field(default=15, ge=0, le=100)
    critical_percent_free: float = Field(default=5, ge=0, le=100)
    warning_bytes_free: int | None = Field(default=None, ge=0)
    critical_bytes_free: int | None = Field(default=None, ge=0)


class DiskCheck(HostCheck[DiskOptions]):
    """WARNING/CRITICAL when free space falls to a threshold (percent or bytes)."""

    kind = "disk"
    TEXTS = texts.DISK
    Options = DiskOptions

    @property
    def target(self) -> str:
        return self.options.path

    async def probe(self) -> Sequence[Measurement]:
        try:
            usage = await asyncio.to_thread(psutil.disk_usage, self.options.path)
        except OSError as exc:
            reason = texts.errno_reason(exc.errno or 0)
            message = Summary("disk.unreadable", {"path": self.options.path, "reason": reason})
            raise ProbeError(str(message), message) from None
        return [
            Measurement("free_bytes", usage.free, "B"),
            Measurement("total_bytes", usage.total, "B"),
            Measurement("free_percent", 100 - usage.percent, "%"),
        ]

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = {m.name: m.value for m in measurements}
        pct, free = v["free_percent"], v["free_bytes"]
        o = self.options
        text = Summary("disk.free", {"path": o.path, "gib": free / 2**30, "pct": pct})
        if pct <= o.critical_percent_free or (
            o.critical_bytes_free is not None and free <= o.critical_bytes_free
        ):
            return Status.CRITICAL, text
        if pct <= o.warning_percent_free or (
            o.warning_bytes_free is not None and free <= o.warning_bytes_free
        ):
            return Status.WARNING, text
        return Status.OK, text
