"""The Windows agents: the Python one's PowerShell JSON, and the no-Python script's table.

The PowerShell script itself is never executed here (pwsh is not installable on this
machine); its shaping table is replayed on recorded samples by ``ps_shape``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from inventory.payload import AgentReport
from itops_agent import collect as agent_collect
from itops_agent.software import shape_uninstall_entries
from itops_agent.windows import parse_windows_status, shape_services
from tests.agent import ps_shape

SAMPLES = Path(__file__).parent / "samples"
SCRIPT = ps_shape.REPO / "agent/windows/itops-agent.ps1"


def _raw() -> dict[str, object]:
    raw: dict[str, object] = json.loads((SAMPLES / "windows-raw-server2022.json").read_text())
    return raw


def test_the_powershell_table_turns_a_recorded_server_into_a_valid_report() -> None:
    report = AgentReport.model_validate(ps_shape.shape(_raw()))
    assert report.hostname == "DEMO-SRV-PLIKI"
    assert report.os.pretty == "Windows Server 2022 Standard"
    assert [(f.mount, f.size_bytes, f.free_bytes) for f in report.filesystems] == [
        ("C:", 127326892032, 61203857408),
        ("D:", 2000263573504, 120015814656),
    ]
    assert report.memory is not None
    assert report.memory.total_bytes == 16776692 * 1024
    assert report.memory.swap_used_bytes == 310 * 1048576
    assert report.hardware.serial == "DEMO-SN-SRV-0001"
    assert report.hardware.chassis_type == 23
    assert [d.serial for d in report.disks] == ["DEMO-DSK-01", ""]  # "0" is a placeholder
    assert [n.mac for n in report.nics] == ["02:00:5e:10:00:01"]


def test_the_powershell_table_counts_security_updates_and_the_pending_reboot() -> None:
    report = AgentReport.model_validate(ps_shape.shape(_raw()))
    assert report.updates is not None
    assert (report.updates.pending, report.updates.security) == (3, 1)
    assert report.updates.reboot_required is True
    assert report.updates.last_success is not None
    assert report.updates.last_success.isoformat() == "2026-11-11T10:00:00+00:00"
    assert report.os.pending_updates == 3
    assert report.uptime_seconds == 86400.0  # booted 2026-11-25 09:00 UTC, a day before


def test_the_powershell_table_reports_services_and_hides_components_and_updates() -> None:
    report = AgentReport.model_validate(ps_shape.shape(_raw()))
    assert [(s.name, s.state, s.enabled) for s in report.services] == [
        ("LanmanServer", "running", True),
        ("Spooler", "stopped", False),
        ("DEMO-Backup", "missing", None),
    ]
    assert report.software is not None
    assert [(p.name, p.version) for p in report.software] == [
        ("7-Zip 19.00 (x64)", "19.00"),
        ("Mozilla Firefox (x64 pl)", "132.0.2"),
    ]


def test_a_computer_without_defender_or_update_search_reports_unknown_not_zero() -> None:
    raw = _raw()
    raw["defender"] = None
    raw["wu"] = {"Updates": None, "RebootRequired": None, "LastInstallationSuccessDate": None}
    report = AgentReport.model_validate(ps_shape.shape(raw))
    assert report.antivirus is None
    assert report.updates is not None
    assert (report.updates.pending, report.updates.security) == (None, None)
    assert report.os.pending_updates is None


def test_every_converter_of_the_table_exists_in_the_powershell_script() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    in_script = set(re.findall(r"^\s*'([a-z_]+)'\s*\{", script, re.M))
    used = {row[3] for row in ps_shape.TABLE["fields"]} | {
        f[2] for spec in ps_shape.TABLE["lists"].values() for f in spec["fields"]
    }
    assert used <= in_script, used - in_script
    sources = {spec["source"] for spec in ps_shape.TABLE["lists"].values()}
    assert sources <= set(re.findall(r"\$raw\.(\w+) = ", script))
    for source in {row[1] for row in ps_shape.TABLE["fields"]} - {"wu", "defender"}:
        assert re.search(rf"\b{source} = 'Win32_", script), source


def test_the_python_agent_reads_windows_update_state_from_powershell_json() -> None:
    status = json.dumps(
        {
            "defender": None,
            "last_hotfix": "/Date(1790000000000)/",
            "os": {
                "Caption": "Microsoft Windows 11 Pro",
                "Version": "10.0.26100",
                "BuildNumber": 26100,
                "LastBootUpTime": "2026-11-25T07:00:00Z",
            },
            "updates": {
                "Title": "2026-11 Cumulative Update (KB5046617)",
                "Categories": "Security Updates",
                "MsrcSeverity": "Critical",
            },
            "reboot_required": False,
            "last_install_success": "2026-11-20T12:00:00Z",
        }
    )
    parsed = parse_windows_status(status)
    assert parsed["updates"] == {
        "pending": 1,
        "security": 1,
        "reboot_required": False,
        "last_success": "2026-11-20T12:00:00+00:00",
    }
    report = AgentReport.model_validate(
        agent_collect.collect(system="Windows", windows_status=status, hostname="DEMO-PC-07")
    )
    assert report.os.pretty == "Windows 11 Pro"
    assert report.boot_time is not None and report.boot_time.hour == 7
    assert report.updates is not None and report.updates.security == 1


def test_uninstall_entries_are_shaped_like_programs_and_features() -> None:
    rows = shape_uninstall_entries(
        [
            {
                "DisplayName": "LibreOffice 24.8.2.1",
                "DisplayVersion": "24.8.2.1",
                "Publisher": "The Document Foundation",
            },
            {"DisplayName": "Update for Microsoft Office 2016 (KB1234)", "DisplayVersion": ""},
            {"DisplayName": "Hidden runtime", "SystemComponent": 1},
            {"DisplayVersion": "1.0"},
        ]
    )
    assert rows == [
        {
            "name": "LibreOffice 24.8.2.1",
            "version": "24.8.2.1",
            "publisher": "The Document Foundation",
        }
    ]


def test_windows_services_missing_or_stopped_are_named() -> None:
    rows = shape_services(
        ["Spooler", "W3SVC"],
        {"Spooler": {"status": "running", "start_type": "automatic"}, "W3SVC": None},
    )
    assert [(r["name"], r["state"], r["enabled"]) for r in rows] == [
        ("Spooler", "running", True),
        ("W3SVC", "missing", None),
    ]
