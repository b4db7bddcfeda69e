"""``icmp``: echo requests through icmplib.

As root (or with CAP_NET_RAW) raw sockets are used. Otherwise unprivileged ICMP
sockets need ``net.ipv4.ping_group_range`` to include our group; when it does not, the
check is UNKNOWN with a hint how to enable it — never a silent fallback to something
else, and never "down".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import icmplib
from pydantic import Field

from checks.kinds import texts
from itops.check import Check, Options
from itops.errors import ProbeError
from itops.messages import Summary
from itops.status import Measurement, Status

HINT = (
    "unprivileged ICMP is disabled for group {gid} (net.ipv4.ping_group_range = {range}); "
    'enable it with: sysctl -w net.ipv4.ping_group_range="0 2147483647" '
    "(and persist it in /etc/sysctl.d/), or grant CAP_NET_RAW to the itops service"
)


class IcmpOptions(Options):
    host: str = Field(min_length=1)
    count: int = Field(default=3, ge=1, le=20)
    echo_interval: float = Field(default=0.2, gt=0, le=5)
    warning_loss_percent: float = Field(default=20, ge=0, le=100)
    critical_loss_percent: float = Field(default=100, ge=0, le=100)
    warning_rtt_ms: float | None = Field(default=None, gt=0)
    privileged: bool | None = None


def group_allowed(path: Path, gid: int) -> tuple[bool, str]:
    """Whether ``gid`` lies in the range of ``ping_group_range`` (and the range text)."""
    try:
        text = path.read_text().strip()
        low, high = (int(x) for x in text.split())
    except (OSError, ValueError):
        return False, "unreadable"
    return low <= gid <= high, " ".join(text.split())


class IcmpCheck(Check[IcmpOptions]):
    """OK while replies come back with loss and RTT under the thresholds."""

    kind = "icmp"
    TEXTS = texts.ICMP
    Options = IcmpOptions
    ping_group_range: ClassVar[Path] = Path("/proc/sys/net/ipv4/ping_group_range")

    @property
    def target(self) -> str:
        return self.options.host

    def _privileged(self) -> bool:
        if self.options.privileged is not None:
            return self.options.privileged
        return os.geteuid() == 0

    async def probe(self) -> Sequence[Measurement]:
        privileged = self._privileged()
        if not privileged:
            gid = os.getegid()
            allowed, text = group_allowed(self.ping_group_range, gid)
            if not allowed:
                raise ProbeError(HINT.format(gid=gid, range=text))
        try:
            host = await icmplib.async_ping(
                self.options.host,
                count=self.options.count,
                interval=self.options.echo_interval,
                timeout=max(0.5, self.config.timeout.total_seconds() / 2),
                privileged=privileged,
            )
        except icmplib.SocketPermissionError:
            raise ProbeError(HINT.format(gid=os.getegid(), range="refused by the kernel")) from None
        except icmplib.NameLookupError:
            return [Measurement("resolved", 0)]
        return [
            Measurement("resolved", 1),
            Measurement("loss_percent", host.packet_loss * 100, "%"),
            Measurement("rtt_avg_ms", host.avg_rtt, "ms"),
        ]

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = {m.name: m.value for m in measurements}
        if v.get("resolved") == 0:
            return Status.CRITICAL, Summary("icmp.no_name", {"target": self.target})
        loss, rtt = v["loss_percent"], v["rtt_avg_ms"]
        text = Summary("icmp.result", {"target": self.target, "loss": loss, "rtt": rtt})
        if loss >= self.options.critical_loss_percent:
            return Status.CRITICAL, text
        if loss >= self.options.warning_loss_percent:
            return Status.WARNING, text
        if self.options.warning_rtt_ms is not None and rtt >= self.options.warning_rtt_ms:
            return Status.WARNING, text
        return Status.OK, text
