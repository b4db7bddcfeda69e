"""/metrics: one collector over the daemon's in-memory state, in our own registry.

A scrape never queries the database: it reads ``LiveState`` (the latest result per check,
refreshed by the check runner) and a few values the daemon keeps there.

The per-check families (three samples per check) are rendered straight from the snapshot
with a per-check line cache instead of through ``prometheus_client``: building and
formatting 30,000 samples through the client took 0.4–0.7 s here, over the 100 ms goal for
10,000 checks. A check's lines are re-rendered only when its latest result changes. The
collector still *describes* those names, so a feature registering the same name fails at
start instead of producing a duplicate family. Conventions:
``itops_`` prefix, base units (``_seconds``), ``_total`` only on counters,
``_timestamp_seconds`` for points in time, ``_info`` for metadata. Labels are bounded by the
config (check names and kinds, never free text or ids that grow). Label values stay UTF-8
("Urząd", not "Urzd").
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from itops import __version__
from itops.metrics_lines import SortedLines
from itops.plugins import configured_checks, features
from itops.state import LATENESS_BUCKETS, CheckState, Cursor, LiveState, ProbeCounts
from itops.status import ProbeResult, Status

if TYPE_CHECKING:
    from datetime import datetime

    from itops.config import Settings
    from itops.context import AppContext


CHECK_FAMILIES: tuple[tuple[str, str], ...] = (
    ("itops_check_status", "latest check status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"),
    ("itops_probe_success", "1 when the latest probe succeeded"),
    ("itops_probe_duration_seconds", "duration of the latest probe"),
)


SNAPSHOT_AGE = (
    "itops_metrics_snapshot_age_seconds",
    "seconds since the figures of a cached snapshot were read from the database "
    "(availability_year: KPI 1 and itops_availability_ratio; inventory: assets, KPIs 2 and 3)",
)
SnapshotTimes = Callable[[], Mapping[str, "datetime | None"]]


class ItopsCollector(Collector):
    """Build and office info and the daemon's own health; describes the per-check names too.

    ``snapshots``: the collectors' ``snapshot_times`` (see :class:`Registry`), whose ages it
    reports at each scrape, so a figure computed minutes ago never passes for a current one.
    """

    def __init__(self, ctx: AppContext, snapshots: list[SnapshotTimes] | None = None) -> None:
        self.ctx = ctx
        self.snapshots = snapshots if snapshots is not None else []

    def describe(self) -> Iterator[Metric]:
        """Names only, so registering never builds a whole snapshot."""
        return self._families(with_samples=False)

    def collect(self) -> Iterator[Metric]:
        return self._families(with_samples=True)

    def _families(self, with_samples: bool) -> Iterator[Metric]:
        ctx = self.ctx
        info = InfoMetricFamily("itops_build", "itops version running")
        office = InfoMetricFamily("itops_office", "the office this itops instance serves")
        storage = GaugeMetricFamily(
            "itops_storage_up", "1 when the last heartbeat reached the database, else 0"
        )
        beat = GaugeMetricFamily(
            "itops_heartbeat_timestamp_seconds",
            "when the daemon last recorded its heartbeat in the database",
        )
        configured = GaugeMetricFamily("itops_checks_configured", "checks in the running config")
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
        engine = _engine_families(ctx.state.probes.snapshot() if with_samples else None)
        ages = GaugeMetricFamily(*SNAPSHOT_AGE, labels=["snapshot"])
        if with_samples:
            now, times = ctx.clock.now(), dict[str, "datetime | None"]()
            for part in self.snapshots:
                times.update(part())
            for name, at in sorted(times.items()):
                if at is not None:  # not computed yet: no sample, not a made-up age
                    ages.add_metric([name], (now - at).total_seconds())
            info.add_metric([], {"version": __version__})
            office.add_metric([], {"name": ctx.settings.office.name})
            storage.add_metric([], 0 if ctx.storage_problem else 1)
            heartbeat_at = ctx.state.heartbeat_at
            if heartbeat_at is not None:
                beat.add_metric([], heartbeat_at.timestamp())
            configured.add_metric([], _configured_count(ctx.settings))
            yield from (info, office, storage, beat, configured, ages, *engine)
            return
        kpi = GaugeMetricFamily(KPI_FAMILY[0], KPI_FAMILY[1], labels=["check"])
        yield from (
            info,
            office,
            storage,
            beat,
            configured,
            ages,
            *engine,
            status,
            success,
            duration,
            kpi,
        )


_configured: list[tuple[Settings, int]] = []


def _configured_count(settings: Settings) -> int:
    """How many checks the config has, counted once per loaded config (10,000 entries were
    built again at every scrape)."""
    if not _configured or _configured[0][0] is not settings:
        _configured[:] = [(settings, len(configured_checks(settings)))]
    return _configured[0][1]


def _engine_families(counts: ProbeCounts | None) -> tuple[Metric, ...]:
    """The check engine's own counters: measurable from outside (``rate(itops_probes_total)``)."""
    probes = CounterMetricFamily(
        "itops_probes", "probes finished, by check kind and result", labels=["kind", "result"]
    )
    skipped = CounterMetricFamily(
        "itops_probes_skipped",
        "due probes not started: the check was still running (still_running) or its slot "
        "passed while the engine was behind (missed_slot)",
        labels=["reason"],
    )
    if counts is None:
        return (
            probes,
            skipped,
            HistogramMetricFamily(
                "itops_probe_lateness_seconds", "probe start time minus its due time"
            ),
        )
    for (kind, result), value in sorted(counts.probes.items()):
        probes.add_metric([kind, result], value)
    for reason, value in sorted(counts.skipped.items()):
        skipped.add_metric([reason], value)
    cumulative, buckets = 0, []
    for bound, value in zip(
        (*LATENESS_BUCKETS, float("inf")), counts.lateness_buckets, strict=True
    ):
        cumulative += value
        buckets.append((repr(bound) if bound != float("inf") else "+Inf", cumulative))
    lateness = HistogramMetricFamily(
        "itops_probe_lateness_seconds",
        "probe start time minus its due time",
        buckets=buckets,
        sum_value=counts.lateness_sum,
    )
    return probes, skipped, lateness


class Registry(CollectorRegistry):
    """Our registry, plus the collectors that render (and cache) families as text.

    A collector with a ``text_exposition() -> bytes`` method (UTF-8 text; ``str`` is
    accepted too) *describes* those families, so a
    second owner of a name still fails at start, but they are appended as text instead of
    being built through ``prometheus_client`` at every scrape (thousands of samples).
    A collector serving figures from a snapshot computed now and then has a
    ``snapshot_times() -> {name: when its data was read, or None}`` method; their ages are
    ``itops_metrics_snapshot_age_seconds{snapshot=name}``. A collector whose text may need
    much rendering has a ``quick() -> bool`` method: True when its next text is (nearly) all
    cached (see :func:`exposition_is_quick`).
    """

    def __init__(self) -> None:
        super().__init__(auto_describe=False)
        self.text_parts: list[Callable[[], str | bytes]] = []
        self.snapshots: list[SnapshotTimes] = []
        self.quick: list[Callable[[], bool]] = []


def make_registry(ctx: AppContext) -> Registry:
    """A registry of our own (not the global one): no stray default metrics, tests stay apart."""
    registry = Registry()
    registry.register(ItopsCollector(ctx, registry.snapshots))
    for feat in features():
        for collector in feat.collectors(ctx, feat.service(ctx)) if feat.collectors else ():
            registry.register(collector)
            text = getattr(collector, "text_exposition", None)
            if callable(text):
                registry.text_parts.append(text)
            times = getattr(collector, "snapshot_times", None)
            if callable(times):
                registry.snapshots.append(times)
            quick = getattr(collector, "quick", None)
            if callable(quick):
                registry.quick.append(quick)
    ProcessCollector(registry=registry)
    return registry


def escape_label(value: str) -> str:
    """A label value as the text format wants it (backslash, newline, double quote)."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _check_prefixes(name: str, kind: str) -> tuple[bytes, bytes, bytes]:
    """The check's three sample lines up to their values, encoded once per check."""
    labels = f'{{check="{escape_label(name)}",kind="{escape_label(kind)}"}} '
    status, success, duration = (f"{family}{labels}".encode() for family, _ in CHECK_FAMILIES)
    return status, success, duration


_STATUS_VALUES = {status: f"{int(status)}\n".encode() for status in Status}


def _check_lines(prefixes: tuple[bytes, bytes, bytes], result: ProbeResult) -> tuple[bytes, ...]:
    """The check's three sample lines: cached prefixes and the values (a scrape then joins
    bytes: no 2 MB encode of non-ASCII check names at every scrape)."""
    status, ok = result.status, result.status is Status.OK
    return (
        prefixes[0] + _STATUS_VALUES[status],
        prefixes[1] + (b"1\n" if ok else b"0\n"),
        prefixes[2] + repr(float(result.duration)).encode() + b"\n",
    )


class _LineCache:
    """The per-check families' sample lines, rendered once per result of each check.

    A scrape re-renders only the checks that got a result since the previous scrape
    (:meth:`LiveState.updates`). When checks came or went (at start every check's first
    result is one) it compares each check's latest result with the one its lines were
    rendered from, by identity, and renders only those that differ: no full re-render of
    10,000 checks, which at start made every scrape of the first interval ~100 ms of CPU.
    The lines are kept in name order in blocks (:class:`SortedLines`): a new check is put
    in its place, nothing is sorted again, and only the blocks with a new result are joined.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cursor: Cursor | None = None
        # name -> the result its lines were rendered from
        self.rendered: dict[str, ProbeResult] = {}
        self.rows = SortedLines(len(CHECK_FAMILIES))
        self.prefixes: dict[tuple[str, str], tuple[bytes, bytes, bytes]] = {}

    def prefix(self, name: str, kind: str) -> tuple[bytes, bytes, bytes]:
        found = self.prefixes.get((name, kind))
        if found is None:
            found = self.prefixes[(name, kind)] = _check_prefixes(name, kind)
        return found

    def update(self, name: str, check: CheckState) -> None:
        """A new result of ``name``: render its lines and put them in their place."""
        self.rendered[name] = check.last
        self.rows.put(name, _check_lines(self.prefix(name, check.kind), check.last))

    def resync(self, checks: dict[str, CheckState]) -> None:
        """Everything may have changed: render what differs, forget what went."""
        rendered = self.rendered
        for name in [n for n in rendered if n not in checks]:
            del rendered[name]
            self.rows.discard(name)
        fresh: dict[str, tuple[bytes, ...]] = {}
        for name, check in checks.items():
            if rendered.get(name) is not check.last:
                rendered[name] = check.last
                fresh[name] = _check_lines(self.prefix(name, check.kind), check.last)
        self.rows.put_many(fresh)
        if len(self.prefixes) > 2 * len(checks) + 100:
            self.prefixes.clear()


_caches: weakref.WeakKeyDictionary[LiveState, _LineCache] = weakref.WeakKeyDictionary()


def check_chunks(state: LiveState) -> list[bytes]:
    """The per-check families in the text format (0.0.4, UTF-8), sorted by check name, as
    pieces to be sent one after the other (joined, :func:`check_exposition`)."""
    cache = _caches.get(state)
    if cache is None:
        cache = _caches.setdefault(state, _LineCache())
    with cache.lock:
        cache.cursor, checks, complete = state.updates(cache.cursor)
        if complete:
            cache.resync(checks)
        else:
            for name, check in checks.items():
                cache.update(name, check)
        out: list[bytes] = []
        for index, (name, help_text) in enumerate(CHECK_FAMILIES):
            out.append(f"# HELP {name} {help_text}\n# TYPE {name} gauge\n".encode())
            out.extend(cache.rows.chunks(index))
    return out


QUICK_RESULTS = 2000
"""At most this many new results since the last scrape: the next one is quick (~1 µs of
rendering per result on top of ~2 ms of joining and the registry's families)."""


def few_results(state: LiveState, cursor: Cursor | None) -> bool:
    """Whether a reader of :meth:`LiveState.updates` at ``cursor`` has little to render."""
    pending = state.pending(cursor)
    return pending is not None and pending <= QUICK_RESULTS


def exposition_is_quick(ctx: AppContext, registry: CollectorRegistry) -> bool:
    """Whether the next body is a few ms of CPU: every cache in step with the checks but
    for a few new results, nothing being rendered now. The handler then builds it on the
    event loop: in a worker thread, each scrape traded the GIL with the loop handling the
    probes' results, and on a loaded machine every hand-over waited for the scheduler
    (p99 140 ms for ~3 ms of work). Otherwise (the first scrape, checks came or went, a
    new yearly report, a new config) it is built in a worker thread."""
    cache = _caches.get(ctx.state)
    if cache is None or cache.lock.locked() or not few_results(ctx.state, cache.cursor):
        return False
    if not _kpi_cache or _kpi_cache[0][0] is not ctx.settings:
        return False
    return all(quick() for quick in getattr(registry, "quick", ()))


def check_exposition(state: LiveState) -> bytes:
    """The per-check families in the text format (0.0.4, UTF-8), sorted by check name."""
    return b"".join(check_chunks(state))


KPI_FAMILY = (
    "itops_check_counts_for_kpi",
    "1 when failures of the check count as downtime in KPI 1 (config counts_for_kpi)",
)
_kpi_cache: list[tuple[Settings, bytes]] = []


def kpi_exposition(settings: Settings) -> bytes:
    """Which checks count for KPI 1, from the config; rendered once per loaded config."""
    if _kpi_cache and _kpi_cache[0][0] is settings:
        return _kpi_cache[0][1]
    name, help_text = KPI_FAMILY
    lines = [f"# HELP {name} {help_text}\n# TYPE {name} gauge\n"]
    for check in sorted(configured_checks(settings), key=lambda c: c.name):
        lines.append(f'{name}{{check="{escape_label(check.name)}"}} {1 if check.kpi else 0}\n')
    text = "".join(lines).encode()
    _kpi_cache[:] = [(settings, text)]
    return text


def exposition_chunks(ctx: AppContext, registry: CollectorRegistry) -> list[bytes]:
    """The whole /metrics body in pieces, in order: the registry's families, then the
    per-check families (cached blocks of lines: only those with a new result are joined
    again). The web handler joins the pieces once and sends the body in one write."""
    parts: list[bytes] = [generate_latest(registry)]
    for part in getattr(registry, "text_parts", ()):
        text = part()
        parts.append(text if isinstance(text, bytes) else text.encode())
    parts.extend(check_chunks(ctx.state))
    parts.append(kpi_exposition(ctx.settings))
    return parts


def exposition(ctx: AppContext, registry: CollectorRegistry) -> bytes:
    """The whole /metrics body: the registry's families, then the per-check families."""
    return b"".join(exposition_chunks(ctx, registry))
