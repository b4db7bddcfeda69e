"""/metrics of a running daemon: token protection and a promtool-clean exposition."""

from __future__ import annotations

import subprocess

from prometheus_client.parser import text_string_to_metric_families

from tests.integrations.conftest import DOWN_CHECK, UP_CHECK, RunningItops


def test_metrics_without_token_is_refused(running_itops: RunningItops) -> None:
    status, _ = running_itops.get("/metrics")
    assert status == 401


def test_metrics_with_wrong_token_is_refused(running_itops: RunningItops) -> None:
    status, _ = running_itops.get("/metrics", "not-the-token")
    assert status == 401


# The one deliberate exception: the availability issue names this 0/1 gauge
# ``itops_office_working_hours`` and alert rules and dashboards are built on it; promtool
# reads "hours" in the name as a non-base time unit. Nothing else may warn.
KNOWN_LINT = {'itops_office_working_hours use base unit "seconds" instead of "hours"'}


def test_promtool_check_metrics_reports_nothing_else_on_a_real_scrape(
    running_itops: RunningItops,
) -> None:
    status, body = running_itops.get("/metrics", running_itops.token)
    assert status == 200
    assert b"\nitops_office_working_hours " in body
    result = subprocess.run(
        ["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30
    )
    problems = set(result.stderr.decode().splitlines()) | set(result.stdout.decode().splitlines())
    assert problems - KNOWN_LINT == set(), problems


def test_scrape_keeps_polish_label_values_and_check_states(running_itops: RunningItops) -> None:
    _, body = running_itops.get("/metrics", running_itops.token)
    samples = {
        (s.name, s.labels.get("check", "")): s.value
        for family in text_string_to_metric_families(body.decode("utf-8"))
        for s in family.samples
    }
    assert samples[("itops_check_status", UP_CHECK)] == 0
    assert samples[("itops_check_status", DOWN_CHECK)] == 2
    assert samples[("itops_probe_success", DOWN_CHECK)] == 0
    assert samples[("itops_office_info", "")] == 1
    assert samples[("itops_storage_up", "")] == 1
    assert samples[("itops_checks_configured", "")] == 2
    assert 'name="Urząd Testowy w Przykładowie"' in body.decode("utf-8")


def test_the_engine_counts_its_probes_by_kind_and_result_and_their_lateness(
    running_itops: RunningItops,
) -> None:
    _, body = running_itops.get("/metrics", running_itops.token)
    families = {f.name: f for f in text_string_to_metric_families(body.decode("utf-8"))}
    probes = {
        (s.labels["kind"], s.labels["result"]): s.value
        for s in families["itops_probes"].samples
        if s.name == "itops_probes_total"
    }
    assert probes[("tcp", "ok")] >= 1 and probes[("tcp", "critical")] >= 1
    assert families["itops_probes"].type == "counter"
    lateness = families["itops_probe_lateness_seconds"]
    assert lateness.type == "histogram"
    [count] = [s.value for s in lateness.samples if s.name.endswith("_count")]
    assert count >= sum(probes.values())  # every finished probe was started, and timed
    skipped = {s.labels["reason"] for s in families["itops_probes_skipped"].samples}
    assert skipped == {"still_running", "missed_slot"}
