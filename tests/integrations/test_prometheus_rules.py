"""The shipped Prometheus files pass promtool: syntax, and unit tests of every alert."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROM = REPO / "config" / "prometheus"
RULE_FILES = [PROM / "itops-recording.yml", PROM / "itops-alerts.yml"]


def promtool(*args: str, cwd: Path = PROM) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def test_rule_files_pass_promtool_check_rules() -> None:
    result = promtool("check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in (result.stdout + result.stderr).upper()


def test_alert_unit_tests_pass_promtool_test_rules() -> None:
    result = promtool("test", "rules", "tests/itops-rules.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    "alert",
    [
        "ItopsKpiCheckDown",
        "ItopsBackupNotCompliant",
        "ItopsAntivirusNoncompliantHosts",
        "ItopsTlsCertificateExpiring",
        "ItopsDown",
        "ItopsHeartbeatStale",
    ],
)
def test_every_alert_has_a_unit_test(alert: str) -> None:
    tests = (PROM / "tests" / "itops-rules.test.yml").read_text(encoding="utf-8")
    assert f"alertname: {alert}\n        exp_alerts:\n          -" in tests


def test_example_scrape_config_passes_promtool_check_config(tmp_path: Path) -> None:
    text = (PROM / "prometheus.yml").read_text(encoding="utf-8")
    for rules in RULE_FILES:
        text = text.replace(f"/etc/prometheus/rules/{rules.name}", str(rules))
    token = tmp_path / "itops-metrics.token"
    token.write_text("token\n", encoding="utf-8")
    text = text.replace("/etc/prometheus/itops-metrics.token", str(token))
    (tmp_path / "prometheus.yml").write_text(text, encoding="utf-8")
    result = promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
