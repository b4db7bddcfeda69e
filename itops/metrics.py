"""/metrics: one collector over the daemon's in-memory state, in our own registry.

A scrape never queries the database: it reads ``LiveState``. Label values stay UTF-8
("Urząd", not "Urzd").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from itops import __version__

if TYPE_CHECKING:
    from itops.context import AppContext


class ItopsCollector(Collector):
    """Build info plus the latest state of every check."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        info = InfoMetricFamily("itops_build", "itops version running")
        info.add_metric([], {"version": __version__})
        yield info
        office = InfoMetricFamily("itops_office", "the office this itops instance serves")
        office.add_metric([], {"name": self.ctx.settings.office.name})
        yield office
        status = GaugeMetricFamily(
            "itops_check_status",
            "latest check status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
            labels=["check", "kind"],
        )
        success = GaugeMetricFamily(
            "itops_probe_success", "1 when the latest probe succeeded", labels=["check", "kind"]
        )
        duration = GaugeMetricFamily(
            "itops_probe_duration_seconds",
            "duration of the latest probe",
            labels=["check", "kind"],
        )
        for name, state in sorted(self.ctx.state.checks().items()):
            labels = [name, state.kind]
            status.add_metric(labels, int(state.last.status))
            success.add_metric(labels, 1 if state.last.status == 0 else 0)
            duration.add_metric(labels, state.last.duration)
        yield status
        yield success
        yield duration


def make_registry(ctx: AppContext) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ItopsCollector(ctx))
    from itops.plugins import features

    for feat in features():
        for collector in feat.collectors(ctx) if feat.collectors else ():
            registry.register(collector)
    ProcessCollector(registry=registry)
    return registry
