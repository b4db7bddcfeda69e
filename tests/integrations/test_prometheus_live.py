"""Debian's Prometheus scrapes a running itops; the series and every dashboard query work."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.integrations.conftest import DOWN_CHECK, UP_CHECK, RunningItops, wait_for
from tests.integrations.test_grafana_dashboard import dashboard_exprs

REPO = Path(__file__).resolve().parents[2]
PROM = REPO / "config" / "prometheus"
GRAFANA_VARIABLES = {"$__range": "1h", "$__rate_interval": "1m", "$__interval": "15s"}


class Prometheus:
    def __init__(self, port: int, process: subprocess.Popen[bytes]) -> None:
        self.port = port
        self.process = process

    def api(self, path: str, **params: str) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - 127.0.0.1
                data: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            data = json.loads(exc.read())
        return data

    def query(self, expr: str) -> list[dict[str, Any]]:
        data = self.api("query", query=expr)
        assert data["status"] == "success", (expr, data)
        result: list[dict[str, Any]] = data["data"]["result"]
        return result

    def value(self, expr: str) -> float:
        (sample,) = self.query(expr)
        return float(sample["value"][1])


@pytest.fixture(scope="module")
def prometheus(
    running_itops: RunningItops, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Prometheus]:
    folder = tmp_path_factory.mktemp("prometheus")
    token = folder / "itops.token"
    token.write_text(running_itops.token + "\n", encoding="utf-8")
    config = folder / "prometheus.yml"
    config.write_text(
        f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {PROM / "itops-recording.yml"}
  - {PROM / "itops-alerts.yml"}
scrape_configs:
  - job_name: itops
    authorization:
      type: Bearer
      credentials_file: {token}
    static_configs:
      - targets: ["127.0.0.1:{running_itops.port}"]
""",
        encoding="utf-8",
    )
    port = free_port()
    log = (folder / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1h",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
    )
    prom = Prometheus(port, process)

    def scraped() -> bool:
        try:
            return (
                bool(prom.query('up{job="itops"} == 1'))
                and len(prom.query("itops_check_status")) == 2
            )
        except (OSError, AssertionError, KeyError, ValueError):
            return False

    try:
        wait_for(scraped, 60, "Prometheus to scrape itops", process)
        yield prom
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_prometheus_scrapes_itops_with_the_bearer_token(prometheus: Prometheus) -> None:
    assert prometheus.value('up{job="itops"}') == 1


def test_check_states_arrive_with_polish_names(prometheus: Prometheus) -> None:
    assert prometheus.value(f'itops_check_status{{check="{UP_CHECK}"}}') == 0
    assert prometheus.value(f'itops_check_status{{check="{DOWN_CHECK}"}}') == 2
    assert prometheus.value(f'itops_probe_success{{check="{DOWN_CHECK}"}}') == 0


def test_office_info_keeps_utf8(prometheus: Prometheus) -> None:
    (sample,) = prometheus.query("itops_office_info")
    assert sample["metric"]["name"] == "Urząd Testowy w Przykładowie"


def test_daemon_health_series_exist(prometheus: Prometheus) -> None:
    assert prometheus.value("itops_storage_up") == 1
    assert prometheus.value("itops_checks_configured") == 2
    age = prometheus.value("time() - itops_heartbeat_timestamp_seconds")
    assert age < 120
    kpi = {s["metric"]["check"] for s in prometheus.query("itops_check_counts_for_kpi")}
    assert kpi == {UP_CHECK, DOWN_CHECK}


def test_office_working_hours_reaches_prometheus_as_zero_or_one(prometheus: Prometheus) -> None:
    assert prometheus.value("itops_office_working_hours") in (0, 1)


def test_shipped_rules_load_without_errors(prometheus: Prometheus) -> None:
    groups = prometheus.api("rules")["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert len(rules) == 10
    assert [r["name"] for r in rules if r.get("health") == "err"] == []


@pytest.mark.parametrize("expr", dashboard_exprs())
def test_every_dashboard_query_runs(prometheus: Prometheus, expr: str) -> None:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    data = prometheus.api("query", query=expr)
    assert data["status"] == "success", data.get("error")
    assert "warnings" not in data, data["warnings"]


def rule_exprs() -> list[str]:
    import yaml

    return [
        rule["expr"]
        for name in ("itops-recording.yml", "itops-alerts.yml")
        for group in yaml.safe_load((PROM / name).read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    ]


@pytest.mark.parametrize("expr", rule_exprs())
def test_every_rule_expression_runs(prometheus: Prometheus, expr: str) -> None:
    data = prometheus.api("query", query=expr)
    assert data["status"] == "success", data.get("error")
