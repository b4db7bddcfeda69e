"""Notifications as a core feature: subscribes to ``ctx.events``; counters on /metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import click
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from itops.context import AppContext
from itops.events import Event
from itops.notifications.service import NotificationService
from itops.plugins import Feature
from itops.services import Service

SERVICE: Service[NotificationService] = Service("notifications", NotificationService)


def service(ctx: AppContext) -> NotificationService:
    """The notifier of this context, created on first use."""
    return SERVICE.of(ctx)


class NotificationCollector(Collector):
    """Delivery counters per channel; channel names come from config (bounded)."""

    def __init__(self, notifier: NotificationService) -> None:
        self.notifier = notifier

    def describe(self) -> Iterator[Metric]:
        return self._families()

    def collect(self) -> Iterator[Metric]:
        return self._families()

    def _families(self) -> Iterator[Metric]:
        config = self.notifier.config
        names = [c.name for c in config.email] + [c.name for c in config.webhook]
        sent = CounterMetricFamily(
            "itops_notifications_sent", "notifications delivered", labels=["channel"]
        )
        failed = CounterMetricFamily(
            "itops_notifications_failed",
            "notifications given up after all retries",
            labels=["channel"],
        )
        for name in sorted(set(names) | set(self.notifier.sent) | set(self.notifier.failed)):
            sent.add_metric([name], self.notifier.sent[name])
            failed.add_metric([name], self.notifier.failed[name])
        yield sent
        yield failed
        dropped = CounterMetricFamily(
            "itops_notifications_dropped", "events dropped because the notification queue was full"
        )
        dropped.add_metric([], self.notifier.dropped)
        yield dropped
        pending = GaugeMetricFamily(
            "itops_notifications_pending", "notifications queued or being delivered"
        )
        pending.add_metric([], self.notifier.pending())
        yield pending


async def _start(ctx: AppContext) -> None:
    await service(ctx).start()


async def _stop(ctx: AppContext) -> None:
    await service(ctx).stop()
    ctx.services.drop(SERVICE)  # a daemon started again on this context gets a fresh one


def _subscribers(
    ctx: AppContext, notifier: NotificationService
) -> Sequence[Callable[[Event], None]]:
    return [notifier.publish]


def _collectors(ctx: AppContext, notifier: NotificationService) -> Sequence[Collector]:
    return [NotificationCollector(notifier)]


def _cli(group: click.Group) -> None:
    from itops.notifications.cli import register

    register(group)


feature = Feature(
    name="notifications",
    build=SERVICE.of,
    cli=_cli,
    models=["itops.notifications.models"],
    subscribers=_subscribers,
    collectors=_collectors,
    start=_start,
    stop=_stop,
)
