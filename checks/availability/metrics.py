"""Metrics of the ``checks`` feature, read from memory only (a scrape never hits the DB).

``itops_office_working_hours`` is 1 while the office works, so PromQL users can write
``… and on() itops_office_working_hours == 1`` without any holiday or DST logic.

The two per-check families are rendered as text and cached (``text_exposition``), not built
through ``prometheus_client`` at every scrape: with 10,000 checks the uncached
``itops_availability_ratio`` was 86 % of the exposition time. The ratio lines are rendered
once per computed report (every 600 s); the certificate lines once per new result of a
check (the checks that got one are told by ``LiveState.updates``; when checks came or went,
each check's result is compared by identity with the one its line came from), kept in name
order in blocks (``itops.metrics_lines``) that are joined again only when one of theirs
changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from itops.metrics import escape_label, few_results
from itops.metrics_lines import SortedLines
from itops.state import Cursor
from itops.status import ProbeResult

if TYPE_CHECKING:
    from datetime import datetime

    from checks.availability.kpi import AvailabilityReport
    from checks.availability.service import AvailabilityService
    from itops.calendar import OfficeCalendar
    from itops.context import AppContext

CERT_NOT_AFTER = "cert_not_after"

EXPIRY = (
    "itops_tls_certificate_expiry_timestamp_seconds",
    "notAfter of the certificate the check last saw (Unix time)",
)
RATIO = ("itops_availability_ratio", "working-hours availability of one check so far this year")
# KPI 1 itself: the office's (and each unit's) figure exactly as ``itops kpi`` computes it
# (union of the downtime of its counts_for_kpi checks), not an average of the checks.
OFFICE = (
    (
        "itops_office_availability_ratio",
        "KPI 1: working-hours availability of the office or unit so far this year",
        "availability",
    ),
    (
        "itops_office_working_seconds",
        "KPI 1: working time of the office or unit so far this year",
        "working_seconds",
    ),
    (
        "itops_office_excluded_seconds",
        "KPI 1: working time excluded (planned maintenance, planned outages) so far this year",
        "excluded_seconds",
    ),
    (
        "itops_office_downtime_seconds",
        "KPI 1: downtime in the office's or unit's working time so far this year",
        "downtime_seconds",
    ),
)


def _number(value: float) -> str:
    """A sample value exactly as prometheus_client writes it (golden files compare bytes)."""
    return str(floatToGoString(value))  # type: ignore[no-untyped-call]


def _expiry_line(prefix: bytes, last: ProbeResult) -> bytes:
    """``prefix``: the sample up to its value (:func:`_expiry_prefix`), encoded once."""
    value = last.value(CERT_NOT_AFTER)
    if value is None:
        return b""
    return prefix + _number(value).encode() + b"\n"


def _expiry_prefix(name: str) -> bytes:
    return f'{EXPIRY[0]}{{check="{escape_label(name)}"}} '.encode()


class AvailabilityCollector(Collector):
    """Certificate expiry, yearly availability (cached text) and the office-open flag."""

    def __init__(self, ctx: AppContext, service: AvailabilityService) -> None:
        self.ctx = ctx
        self.service = service
        self._lock = threading.Lock()
        self._ratio: tuple[AvailabilityReport | None, bytes] | None = None
        self._cursor: Cursor | None = None
        # name -> the result its line was rendered from; the lines (b"" without a
        # certificate) in name order, in blocks joined once per change
        self._rendered: dict[str, ProbeResult] = {}
        self._lines = SortedLines(1)
        self._prefixes: dict[str, bytes] = {}
        self._calendar: tuple[object, OfficeCalendar] | None = None

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(*EXPIRY, labels=["check"])
        yield GaugeMetricFamily(*RATIO, labels=["check", "period"])
        for name, help_text, _ in OFFICE:
            yield GaugeMetricFamily(name, help_text, labels=["unit", "period"])
        yield GaugeMetricFamily("itops_office_working_hours", "")

    def collect(self) -> Iterator[Metric]:
        settings = self.ctx.settings
        if self._calendar is None or self._calendar[0] is not settings:
            # one calendar per loaded config: a new one expands the year's holidays again
            self._calendar = (settings, settings.calendar())
        office = self._calendar[1]
        yield GaugeMetricFamily(
            "itops_office_working_hours",
            "1 while the office is open (office calendar: hours, holidays, days off)",
            value=1 if office.is_open(self.ctx.clock.now()) else 0,
        )

    def snapshot_times(self) -> dict[str, datetime | None]:
        """When this year's figures (the ratio and office lines) were computed."""
        return {"availability_year": self.service.year_at if self.service.year else None}

    def quick(self) -> bool:
        """Whether the next text is nearly all cached (see ``itops.metrics.exposition_is_quick``):
        the ratio lines rendered for this year's report, few new results since the last."""
        if self._lock.locked() or self._ratio is None or self._ratio[0] is not self.service.year:
            return False
        return few_results(self.ctx.state, self._cursor)

    def text_exposition(self) -> bytes:
        """The per-check families and the office figures in the text format (UTF-8), cached."""
        with self._lock:
            return self._expiry_text() + self._ratio_text()

    def _expiry_text(self) -> bytes:
        """Only the checks with a result since the previous scrape are re-rendered
        (``LiveState.updates``); all of them when checks came or went."""
        self._cursor, checks, complete = self.ctx.state.updates(self._cursor)
        rendered, lines = self._rendered, self._lines
        changed: Iterable[str] = checks
        if complete:  # checks came or went: render only results not yet rendered
            for name in [n for n in rendered if n not in checks]:
                del rendered[name]
                lines.discard(name)
                self._prefixes.pop(name, None)
            changed = [n for n, check in checks.items() if rendered.get(n) is not check.last]
        fresh: dict[str, tuple[bytes, ...]] = {}
        for name in changed:
            last = rendered[name] = checks[name].last
            prefix = self._prefixes.get(name)
            if prefix is None:
                prefix = self._prefixes[name] = _expiry_prefix(name)
            fresh[name] = (_expiry_line(prefix, last),)
        lines.put_many(fresh)
        head = f"# HELP {EXPIRY[0]} {EXPIRY[1]}\n# TYPE {EXPIRY[0]} gauge\n".encode()
        return b"".join([head, *lines.chunks(0)])

    def _ratio_text(self) -> bytes:
        report = self.service.year
        if self._ratio is None or self._ratio[0] is not report:
            lines = [f"# HELP {RATIO[0]} {RATIO[1]}\n# TYPE {RATIO[0]} gauge\n"]
            for item in report.checks if report is not None else ():
                if item.availability is None:
                    continue  # never watched this year: no sample, not a made-up 1
                lines.append(
                    f'{RATIO[0]}{{check="{escape_label(item.name)}",period="year"}} '
                    f"{_number(item.availability)}\n"
                )
            lines.extend(self._office_lines(report))
            self._ratio = (report, "".join(lines).encode())
        return self._ratio[1]

    def _office_lines(self, report: AvailabilityReport | None) -> list[str]:
        units = self.service.year_units(report) if report is not None else {}
        lines: list[str] = []
        for name, help_text, field in OFFICE:
            lines.append(f"# HELP {name} {help_text}\n# TYPE {name} gauge\n")
            for unit_id, figure in sorted(units.items()):
                raw = getattr(figure, field)
                if raw is None:
                    continue  # nothing of the unit watched this year: no sample
                value = float(raw)
                lines.append(
                    f'{name}{{unit="{escape_label(unit_id)}",period="year"}} {_number(value)}\n'
                )
        return lines
