"""``host``: a server's or workstation's health from its agent's latest report.

The agent (``itops_agent``, or the PowerShell one) reports filesystems, memory and swap,
load, named services and pending updates; this kind judges the newest stored report
against thresholds. A host whose last report is older than ``max_silence`` is UNKNOWN -
a monitoring gap, not downtime: itops cannot tell how the host is. Host health does not
count for KPI 1 by default (a full disk is a warning; the failing service is the
outage). The reports are read through ``SOURCE``, bound to the daemon's database by the
``hosts`` feature at start (``checks.hosts.plugin``), so probe/evaluate keep the
contract of every kind and tests inject a source.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatch
from typing import Any, ClassVar

from pydantic import Field

from checks.kinds import texts
from itops.check import Check, Options
from itops.config import PositiveDuration
from itops.errors import ProbeError
from itops.messages import Summary, joined
from itops.status import Measurement, Status, worst

# hostname -> (report as JSON-ready dict, when the server received it) or None.
ReportSource = Callable[[str], "tuple[Mapping[str, Any], datetime] | None"]
SOURCE: ReportSource | None = None

TEXTS = texts.HOST
SERVICE_STATES = ("running", "stopped", "failed", "starting", "stopping", "missing", "unknown")


def say(code: str, **params: Any) -> Summary:
    """A message of this kind's table."""
    if code not in TEXTS:
        raise KeyError(f"{code!r} is not in this kind's texts")
    return Summary(code, params)


def age_text(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


class HostThresholds(Options):
    """What a host is judged by; ``[[host_checks]]`` groups carry the same keys."""

    max_silence: PositiveDuration = timedelta(hours=26)
    disk_warning_percent_free: float = Field(default=15, ge=0, le=100)
    disk_critical_percent_free: float = Field(default=5, ge=0, le=100)
    ignore_mounts: list[str] = Field(default_factory=list)
    memory_warning_percent_used: float = Field(default=90, ge=0, le=100)
    swap_warning_percent_used: float = Field(default=80, ge=0, le=100)
    load_warning_per_cpu: float = Field(default=2.0, gt=0)
    load_critical_per_cpu: float = Field(default=4.0, gt=0)
    services: list[str] = Field(default_factory=list, max_length=256)
    security_updates_warning: int = Field(default=1, ge=1)
    last_update_warning_days: int | None = Field(default=30, ge=1)
    reboot_pending_warning: bool = True


class HostReportOptions(HostThresholds):
    host: str = Field(min_length=1, max_length=255)


def _ts(value: Any) -> float | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def measure(report: Mapping[str, Any], services: Sequence[str]) -> list[Measurement]:
    """The report's health figures as measurements (numbers, labelled by ``name:label``)."""
    out = []
    for fs in report.get("filesystems") or []:
        if fs.get("size_bytes"):
            pct = 100 * fs["free_bytes"] / fs["size_bytes"]
            out += [
                Measurement(f"fs_free_percent:{fs['mount']}", pct, "%"),
                Measurement(f"fs_free_bytes:{fs['mount']}", fs["free_bytes"], "B"),
            ]
    memory = report.get("memory") or {}
    if memory.get("total_bytes"):
        used = 100 * (1 - memory["available_bytes"] / memory["total_bytes"])
        out.append(Measurement("memory_used_percent", used, "%"))
    if memory.get("swap_total_bytes"):
        out.append(
            Measurement(
                "swap_used_percent",
                100 * memory["swap_used_bytes"] / memory["swap_total_bytes"],
                "%",
            )
        )
    load = report.get("load") or {}
    if load.get("load5") is not None and load.get("cpu_count"):
        out.append(Measurement("load_per_cpu", load["load5"] / load["cpu_count"]))
    states = {s["name"]: s["state"] for s in report.get("services") or []}
    for name in services:
        state = states.get(name, "unknown")
        out.append(Measurement(f"service:{name}", SERVICE_STATES.index(state)))
    updates = report.get("updates") or {}
    for key in ("pending", "security"):
        if updates.get(key) is not None:
            out.append(Measurement(f"updates_{key}", updates[key]))
    if updates.get("reboot_required") is not None:
        out.append(Measurement("reboot_required", float(updates["reboot_required"])))
    last = _ts(updates.get("last_success") or (report.get("os") or {}).get("last_update"))
    if last is not None:
        out.append(Measurement("last_update_ts", last, "ts"))
    return out


class HostReportCheck(Check[HostReportOptions]):
    """Thresholds over the newest agent report of one host."""

    kind = "host"
    TEXTS = TEXTS
    Options = HostReportOptions
    counts_for_kpi_default: ClassVar[bool] = False
    timeout_status: ClassVar[Status] = Status.UNKNOWN

    @property
    def target(self) -> str:
        return self.options.host

    async def probe(self) -> Sequence[Measurement]:
        source = SOURCE
        if source is None:
            raise ProbeError.of(say("host.needs_daemon", name=self.name))
        found = await asyncio.to_thread(source, self.options.host)
        now = Measurement("observed_at", time.time(), "ts")
        if found is None:
            return [now]
        report, received = found
        return [
            now,
            Measurement("received_ts", received.timestamp(), "ts"),
            *measure(report, self.options.services),
        ]

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = {m.name: m.value for m in measurements}
        o, host = self.options, self.options.host
        if "received_ts" not in v:
            return Status.UNKNOWN, say("host.never", host=host)
        age = v["observed_at"] - v["received_ts"]
        if age > o.max_silence.total_seconds():
            return Status.UNKNOWN, say("host.silent", host=host, age=age_text(age))
        found = self._verdicts(v)
        status = worst(s for s, _ in found)
        if status is Status.OK:
            return status, say("host.ok", host=host, age=age_text(age))
        problems = joined(t for s, t in found if s is not Status.OK)
        return status, say("host.problems", host=host, problems=problems)

    def _verdicts(self, v: Mapping[str, float]) -> list[tuple[Status, Summary]]:
        o = self.options
        out: list[tuple[Status, Summary]] = [(Status.OK, Summary("none"))]
        for name, pct in v.items():
            if not name.startswith("fs_free_percent:"):
                continue
            mount = name.split(":", 1)[1]
            if any(fnmatch(mount, p) for p in o.ignore_mounts):
                continue
            if pct <= o.disk_critical_percent_free:
                out.append((Status.CRITICAL, say("host.disk", mount=mount, pct=pct)))
            elif pct <= o.disk_warning_percent_free:
                out.append((Status.WARNING, say("host.disk", mount=mount, pct=pct)))
        if v.get("memory_used_percent", 0) >= o.memory_warning_percent_used:
            out.append((Status.WARNING, say("host.memory", pct=v["memory_used_percent"])))
        if v.get("swap_used_percent", 0) >= o.swap_warning_percent_used:
            out.append((Status.WARNING, say("host.swap", pct=v["swap_used_percent"])))
        load = v.get("load_per_cpu", 0)
        if load >= o.load_critical_per_cpu:
            out.append((Status.CRITICAL, say("host.load", load=load)))
        elif load >= o.load_warning_per_cpu:
            out.append((Status.WARNING, say("host.load", load=load)))
        for name in o.services:
            state = SERVICE_STATES[int(v.get(f"service:{name}", SERVICE_STATES.index("unknown")))]
            if state != "running":
                # not reported: a warning, so it never hides a real CRITICAL elsewhere
                status = Status.WARNING if state == "unknown" else Status.CRITICAL
                out.append(
                    (status, say("host.service", name=name, state=Summary(f"host.state.{state}")))
                )
        if v.get("updates_security", 0) >= o.security_updates_warning:
            out.append(
                (Status.WARNING, say("host.security_updates", count=int(v["updates_security"])))
            )
        if o.reboot_pending_warning and v.get("reboot_required"):
            out.append((Status.WARNING, say("host.reboot")))
        last = v.get("last_update_ts")
        if o.last_update_warning_days and last is not None:
            days = int((v["observed_at"] - last) // 86400)
            if days > o.last_update_warning_days:
                out.append((Status.WARNING, say("host.last_update", days=days)))
        return out
