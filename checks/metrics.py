"""Metrics of the ``checks`` feature, read from memory only (a scrape never hits the DB).

``itops_office_working_hours`` is 1 while the office works, so PromQL users can write
``… and on() itops_office_working_hours == 1`` without any holiday or DST logic.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from itops.context import AppContext

CERT_NOT_AFTER = "cert_not_after"


class AvailabilityCollector(Collector):
    """Certificate expiry, yearly availability (cached) and the office-open flag."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        from checks.plugin import year_report

        expiry = GaugeMetricFamily(
            "itops_tls_certificate_expiry_timestamp_seconds",
            "notAfter of the certificate the check last saw (Unix time)",
            labels=["check"],
        )
        for name, state in sorted(self.ctx.state.checks().items()):
            value = state.last.value(CERT_NOT_AFTER)
            if value is not None:
                expiry.add_metric([name], value)
        yield expiry
        ratio = GaugeMetricFamily(
            "itops_availability_ratio",
            "working-hours availability (KPI 1) so far this year",
            labels=["check", "period"],
        )
        report = year_report(self.ctx)
        if report is not None:
            for item in report.checks:
                ratio.add_metric([item.name, "year"], item.availability)
        yield ratio
        office = self.ctx.settings.calendar()
        yield GaugeMetricFamily(
            "itops_office_working_hours",
            "1 while the office is open (office calendar: hours, holidays, days off)",
            value=1 if office.is_open(self.ctx.clock.now()) else 0,
        )
