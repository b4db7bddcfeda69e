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


def test_promtool_check_metrics_reports_nothing_on_a_real_scrape(
    running_itops: RunningItops,
) -> None:
    status, body = running_itops.get("/metrics", running_itops.token)
    assert status == 200
    result = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == ""
    assert result.stderr.decode().strip() == ""


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
