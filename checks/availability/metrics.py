"""Metrics of the ``checks`` feature, read from memory only (a scrape never hits the DB).

``itops_office_working_hours`` is 1 while the office works, so PromQL users can write
``… and on() itops_office_working_hours == 1`` without any holiday or DST logic.

The two per-check families are rendered as text and cached (``text_exposition``), not built
through ``prometheus_client`` at every scrape: with 10,000 checks the uncached
``itops_availability_ratio`` was 86 % of the exposition time. The ratio lines are rendered
once per computed report (every 600 s); the certificate lines once per new result of a
check, in an order sorted only when the set of checks changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from itops.metrics import escape_label
from itops.status import ProbeResult

if TYPE_CHECKING:
    from checks.availability.kpi import AvailabilityReport
    from itops.context import AppContext

CERT_NOT_AFTER = "cert_not_after"

EXPIRY = (
    "itops_tls_certificate_expiry_timestamp_seconds",
    "notAfter of the certificate the check last saw (Unix time)",
)
RATIO = ("itops_availability_ratio", "working-hours availability (KPI 1) so far this year")


def _number(value: float) -> str:
    """A sample value exactly as prometheus_client writes it (golden files compare bytes)."""
    return str(floatToGoString(value))  # type: ignore[no-untyped-call]


class AvailabilityCollector(Collector):
    """Certificate expiry, yearly availability (cached text) and the office-open flag."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._ratio: tuple[AvailabilityReport | None, str] | None = None
        self._expiry: dict[str, tuple[ProbeResult, str]] = {}
        self._names: frozenset[str] = frozenset()
        self._order: list[str] = []

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(*EXPIRY, labels=["check"])
        yield GaugeMetricFamily(*RATIO, labels=["check", "period"])
        yield GaugeMetricFamily("itops_office_working_hours", "")

    def collect(self) -> Iterator[Metric]:
        office = self.ctx.settings.calendar()
        yield GaugeMetricFamily(
            "itops_office_working_hours",
            "1 while the office is open (office calendar: hours, holidays, days off)",
            value=1 if office.is_open(self.ctx.clock.now()) else 0,
        )

    def text_exposition(self) -> str:
        """The two per-check families in the text format, from the caches."""
        with self._lock:
            return self._expiry_text() + self._ratio_text()

    def _expiry_text(self) -> str:
        checks = self.ctx.state.checks()
        if checks.keys() != self._names:
            self._names = frozenset(checks)
            self._order = sorted(checks)
            for gone in self._expiry.keys() - self._names:
                del self._expiry[gone]
        out = [f"# HELP {EXPIRY[0]} {EXPIRY[1]}\n# TYPE {EXPIRY[0]} gauge\n"]
        cache, name_ = self._expiry, EXPIRY[0]
        for name in self._order:
            last = checks[name].last
            hit = cache.get(name)
            if hit is None or hit[0] is not last:
                value = last.value(CERT_NOT_AFTER)
                line = (
                    ""
                    if value is None
                    else f'{name_}{{check="{escape_label(name)}"}} {_number(value)}\n'
                )
                hit = cache[name] = (last, line)
            if hit[1]:
                out.append(hit[1])
        return "".join(out)

    def _ratio_text(self) -> str:
        from checks.availability.plugin import year_report

        report = year_report(self.ctx)
        if self._ratio is None or self._ratio[0] is not report:
            lines = [f"# HELP {RATIO[0]} {RATIO[1]}\n# TYPE {RATIO[0]} gauge\n"]
            for item in report.checks if report is not None else ():
                lines.append(
                    f'{RATIO[0]}{{check="{escape_label(item.name)}",period="year"}} '
                    f"{_number(item.availability)}\n"
                )
            self._ratio = (report, "".join(lines))
        return self._ratio[1]
