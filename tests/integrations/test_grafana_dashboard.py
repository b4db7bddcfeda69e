"""The Grafana dashboard JSON and provisioning files are well-formed and consistent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "config" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "itops.json"


def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return data


def query_panels() -> list[dict[str, Any]]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def dashboard_exprs() -> list[str]:
    return [t["expr"] for p in query_panels() for t in p["targets"]]


def test_panel_ids_are_unique_positive_integers() -> None:
    ids = [p["id"] for p in dashboard()["panels"]]
    assert all(isinstance(i, int) and i > 0 for i in ids)
    assert len(ids) == len(set(ids))


def test_every_query_panel_uses_the_datasource_variable() -> None:
    variables = {v["name"]: v for v in dashboard()["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in query_panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]


def test_every_query_panel_has_targets_with_unique_ref_ids_and_an_expression() -> None:
    for panel in query_panels():
        refs = [t["refId"] for t in panel["targets"]]
        assert refs and len(refs) == len(set(refs)), panel["title"]
        assert all(t["expr"].strip() for t in panel["targets"]), panel["title"]


def test_panels_fit_the_24_column_grid_without_overlapping() -> None:
    cells: set[tuple[int, int]] = set()
    for panel in dashboard()["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        area = {
            (x, y)
            for x in range(pos["x"], pos["x"] + pos["w"])
            for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not cells & area, panel["title"]
        cells |= area


def test_dashboard_covers_every_area_of_the_wall_board() -> None:
    text = " ".join(dashboard_exprs())
    for metric in (
        "itops_check_status",
        'itops_availability_ratio{period="year"}',
        'itops_office_availability_ratio{unit="office",period="year"}',
        "vector(1)",
        "itops_kpi_repair_ratio",
        "itops_kpi_purchase_ratio",
        "itops_backup_status",
        "itops_antivirus_compliant",
        "itops_inventory_assets",
        "itops_office_working_hours",
    ):
        assert metric in text, metric


def test_provisioning_points_at_the_dashboard_and_a_prometheus_datasource() -> None:
    datasources = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "itops.yml").read_text(encoding="utf-8")
    )
    assert datasources["apiVersion"] == 1
    assert [d["type"] for d in datasources["datasources"]] == ["prometheus"]
    providers = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "itops.yml").read_text(encoding="utf-8")
    )
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"].endswith("/itops")
    assert dashboard()["uid"] == "itops-overview"
