"""The /metrics body: parsable, escaped, current, and one owner per metric name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from itops.context import AppContext
from itops.metrics import exposition, make_registry
from itops.status import ProbeResult, Status
from tests.conftest import make_settings

AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppContext]:
    ctx = AppContext.create(make_settings(f"sqlite:///{tmp_path / 'x.db'}"), tmp_path / "x.toml")
    yield ctx
    ctx.engine.dispose()


def result(check: str, status: Status, duration: float = 0.25) -> ProbeResult:
    return ProbeResult(check, "tcp", status, "", AT, duration)


def samples(ctx: AppContext) -> dict[tuple[str, str], float]:
    body = exposition(ctx, make_registry(ctx)).decode("utf-8")
    return {
        (s.name, s.labels.get("check", "")): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def test_label_values_with_quotes_backslashes_and_newlines_round_trip(app: AppContext) -> None:
    name = 'Urząd "główny"\\serwer\nnr 2'
    app.state.record(result(name, Status.CRITICAL))
    assert samples(app)[("itops_check_status", name)] == 2


def test_new_result_replaces_the_cached_lines(app: AppContext) -> None:
    app.state.record(result("router", Status.OK, 0.5))
    assert samples(app)[("itops_probe_duration_seconds", "router")] == 0.5
    app.state.record(result("router", Status.CRITICAL, 1.5))
    after = samples(app)
    assert after[("itops_probe_duration_seconds", "router")] == 1.5
    assert after[("itops_probe_success", "router")] == 0


def test_forgotten_check_disappears_from_the_scrape(app: AppContext) -> None:
    app.state.record(result("router", Status.OK))
    app.state.record(result("drukarka", Status.OK))
    samples(app)
    app.state.forget_except({"router"})
    assert ("itops_check_status", "drukarka") not in samples(app)


class _Duplicate(Collector):
    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("itops_check_status", "a second owner")

    def collect(self) -> Iterator[Metric]:
        return self.describe()


def test_a_second_owner_of_a_core_metric_name_is_refused(app: AppContext) -> None:
    registry = make_registry(app)
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        registry.register(_Duplicate())


def test_engine_counters_are_exposed_as_counters_and_a_histogram(app: AppContext) -> None:
    app.state.probes.probed("tcp", Status.CRITICAL)
    app.state.probes.started(0.02)
    app.state.probes.started(7.0)
    app.state.probes.skipped("still_running", 2)
    body = exposition(app, make_registry(app)).decode("utf-8")
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    assert values[("itops_probes_total", (("kind", "tcp"), ("result", "critical")))] == 1
    assert values[("itops_probes_skipped_total", (("reason", "still_running"),))] == 2
    assert values[("itops_probe_lateness_seconds_bucket", (("le", "0.025"),))] == 1
    assert values[("itops_probe_lateness_seconds_bucket", (("le", "10.0"),))] == 2
    assert values[("itops_probe_lateness_seconds_count", ())] == 2


def test_cached_certificate_lines_follow_each_new_result_and_forgotten_checks(
    app: AppContext,
) -> None:
    from itops.status import Measurement

    def cert(check: str, not_after: float) -> ProbeResult:
        return ProbeResult(
            check, "tls", Status.OK, "", AT, 0.1, (Measurement("cert_not_after", not_after, "ts"),)
        )

    app.state.record(cert("bip", 1.8e9))
    app.state.record(cert("poczta", 1.7e9))
    registry = make_registry(app)

    def expiry() -> dict[str, float]:
        body = exposition(app, registry).decode("utf-8")
        return {
            s.labels["check"]: s.value
            for f in text_string_to_metric_families(body)
            for s in f.samples
            if s.name == "itops_tls_certificate_expiry_timestamp_seconds"
        }

    assert expiry() == {"bip": 1.8e9, "poczta": 1.7e9}
    app.state.record(cert("bip", 1.9e9))
    app.state.forget_except({"bip"})
    assert expiry() == {"bip": 1.9e9}


def test_cached_availability_lines_follow_each_new_report(app: AppContext) -> None:
    from checks.availability.service import SERVICE

    registry = make_registry(app)

    def ratios() -> dict[str, float]:
        body = exposition(app, registry).decode("utf-8")
        return {
            s.labels["check"]: s.value
            for f in text_string_to_metric_families(body)
            for s in f.samples
            if s.name == "itops_availability_ratio"
        }

    assert ratios() == {}
    from itops.db.session import upgrade

    upgrade(app.settings.storage.url)
    app.settings = make_settings(
        app.settings.storage.url,
        checks=[{"name": "www", "kind": "tcp", "host": "127.0.0.1", "port": 9}],
    )
    SERVICE.of(app).refresh_year()
    assert set(ratios()) == {"www"}
    SERVICE.of(app).year = None
    assert ratios() == {}


def _ages(ctx: AppContext, registry: object) -> dict[str, float]:
    body = exposition(ctx, registry).decode("utf-8")  # type: ignore[arg-type]
    return {
        s.labels["snapshot"]: s.value
        for f in text_string_to_metric_families(body)
        for s in f.samples
        if s.name == "itops_metrics_snapshot_age_seconds"
    }


def test_the_year_figures_carry_their_age_and_change_with_each_refresh(tmp_path: Path) -> None:
    """The year's lines are cached per computed year: a scrape between two refreshes shows
    the figures of the last one with their age; the next refresh replaces them (the
    office's working time so far grew) and its age starts again at 0."""
    from checks.availability.service import SERVICE
    from itops.clock import FixedClock
    from itops.db.session import upgrade

    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    settings = make_settings(
        url, checks=[{"name": "www", "kind": "tcp", "host": "127.0.0.1", "port": 9}]
    )
    clock = FixedClock(AT)  # a Thursday, 11:00 in Warsaw: office hours
    ctx = AppContext.create(settings, tmp_path / "x.toml", clock=clock)

    def working() -> float:
        return samples(ctx)[("itops_office_working_seconds", "")]

    try:
        registry = make_registry(ctx)
        assert "availability_year" not in _ages(ctx, registry)  # not computed: no age
        SERVICE.of(ctx).refresh_year()
        before = working()
        clock.advance(timedelta(seconds=250))
        assert _ages(ctx, registry)["availability_year"] == 250
        ctx.state.record(result("www", Status.CRITICAL))  # a new result: not a new year
        assert working() == before
        assert ("itops_availability_ratio", "www") in samples(ctx)
        SERVICE.of(ctx).refresh_year()
        assert working() == before + 250
        assert _ages(ctx, registry)["availability_year"] == 0
    finally:
        ctx.engine.dispose()


def test_the_inventory_snapshot_age_counts_from_its_database_read(tmp_path: Path) -> None:
    from inventory import metrics as inventory_metrics
    from itops.clock import FixedClock
    from itops.db.session import upgrade

    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    clock = FixedClock(AT)
    ctx = AppContext.create(make_settings(url), tmp_path / "x.toml", clock=clock)
    try:
        registry = make_registry(ctx)
        inventory_metrics.note_agent_report(ctx, "demo-pc-01", AT)  # before any refresh
        assert "inventory" not in _ages(ctx, registry)
        inventory_metrics.refresh(ctx)
        clock.advance(timedelta(seconds=90))
        inventory_metrics.note_agent_report(ctx, "demo-pc-01", clock.now())
        assert _ages(ctx, registry)["inventory"] == 90  # a report adds a time, not a read
    finally:
        ctx.engine.dispose()


def steady(body: bytes) -> list[bytes]:
    """The body without the process's own figures (CPU seconds, memory: they move)."""
    return [line for line in body.splitlines() if not line.startswith((b"process_", b"# "))]


def test_a_scrape_is_quick_only_while_every_cache_is_in_step(app: AppContext) -> None:
    """The /metrics handler builds the body on the event loop only when it is quick;
    either way the body is the same bytes."""
    from itops.metrics import QUICK_RESULTS, exposition_is_quick

    registry = make_registry(app)
    app.state.record(result("router", Status.OK))
    assert not exposition_is_quick(app, registry)  # nothing rendered yet
    first = exposition(app, registry)
    assert exposition_is_quick(app, registry)
    app.state.record(result("router", Status.CRITICAL))  # a new result of a known check
    assert exposition_is_quick(app, registry)
    second = exposition(app, registry)
    assert steady(second) != steady(first)
    assert steady(second) == steady(exposition(app, make_registry(app)))
    app.state.record(result("drukarka", Status.OK))  # a new check: everything may move
    assert not exposition_is_quick(app, registry)
    exposition(app, registry)
    for i in range(QUICK_RESULTS + 1):
        app.state.record(result("router", Status.OK, i / 1000))
    assert not exposition_is_quick(app, registry)  # many results to render
    exposition(app, registry)
    assert exposition_is_quick(app, registry)
