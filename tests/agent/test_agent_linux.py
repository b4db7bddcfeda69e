"""Linux health and software from a canned root and recorded command output."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inventory.payload import AgentReport
from itops_agent import collect as agent_collect
from itops_agent import linux, software
from tests.inventory.conftest import make_root

SAMPLES = Path(__file__).parent / "samples"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
RECORDED = {
    ("apt-get", "-s"): (0, "apt-simulate-upgrade.txt"),
    ("systemctl", "show"): (0, "systemctl-show.txt"),
    ("rpm", "-qa"): (0, "rpm-qa.txt"),
}


def recorded_run(argv: Sequence[str], timeout: float) -> tuple[int | None, str]:
    """Recorded output of the commands the agent runs; anything else is "not installed"."""
    found = RECORDED.get((argv[0], argv[1]))
    if found is None:
        return None, ""
    return found[0], (SAMPLES / found[1]).read_text()


def health_root(base: Path) -> Path:
    root = make_root(base)
    (root / "proc/self").mkdir(parents=True)
    (root / "srv/dane").mkdir(parents=True)
    (root / "proc/self/mounts").write_text(
        "/dev/sda1 / ext4 rw,relatime 0 0\n"
        "proc /proc proc rw 0 0\n"
        "tmpfs /run tmpfs rw 0 0\n"
        "/dev/sdb1 /srv/dane xfs rw 0 0\n"
        "/dev/sdb1 /srv/dane/bind xfs rw 0 0\n"
        "/dev/sdc1 /media/gone ext4 rw 0 0\n"
    )
    (root / "proc/meminfo").write_text(
        "MemTotal:       16314736 kB\nMemFree:         1200000 kB\n"
        "MemAvailable:    4078684 kB\nSwapTotal:       2097148 kB\nSwapFree:        1048574 kB\n"
    )
    (root / "proc/loadavg").write_text("3.52 2.10 1.05 2/345 12345\n")
    (root / "proc/uptime").write_text("93600.25 180000.00\n")
    (root / "var/log/apt").mkdir(parents=True)
    (root / "var/log/apt/history.log").write_text((SAMPLES / "apt-history.log").read_text())
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text((SAMPLES / "dpkg-status").read_text())
    (root / "run").mkdir()
    (root / "run/reboot-required").write_text("*** System restart required ***\n")
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return health_root(tmp_path / "root")


def test_data_filesystems_are_reported_once_with_size_and_free_space(root: Path) -> None:
    found = linux.read_filesystems(root)
    assert [(f["mount"], f["fstype"]) for f in found] == [("/", "ext4"), ("/srv/dane", "xfs")]
    st = os.statvfs(root / "srv/dane")
    assert found[1]["size_bytes"] == st.f_blocks * st.f_frsize
    assert 0 <= found[1]["free_bytes"] <= found[1]["size_bytes"]


def test_memory_swap_load_and_uptime_come_from_proc(root: Path) -> None:
    assert linux.read_memory(root) == {
        "total_bytes": 16314736 * 1024,
        "available_bytes": 4078684 * 1024,
        "swap_total_bytes": 2097148 * 1024,
        "swap_used_bytes": 1048574 * 1024,
    }
    assert linux.read_load(root, 4) == {
        "load1": 3.52,
        "load5": 2.10,
        "load15": 1.05,
        "cpu_count": 4,
        "cpu_percent": None,
    }
    report = AgentReport.model_validate(
        agent_collect.collect(root, system="Linux", hostname="demo-srv", now=NOW, run=recorded_run)
    )
    assert report.uptime_seconds == 93600.2
    assert report.boot_time is not None
    assert report.boot_time.isoformat().startswith("2026-11-25T06:59:59.75")


def test_the_last_successful_upgrade_skips_failed_runs_and_plain_installs(root: Path) -> None:
    found = linux.last_update(root)
    assert found is not None
    local = datetime(2026, 11, 10, 6, 25, 9).astimezone(UTC)
    assert found == local


def test_apt_simulation_counts_pending_and_security_updates(root: Path) -> None:
    (root / "var/lib/update-notifier").mkdir(parents=True, exist_ok=True)
    got = linux.pending_updates(root, recorded_run, commands=True)
    assert got == {"pending": 3, "security": 2, "reboot_required": True}


def test_update_notifier_text_is_read_without_any_command(root: Path) -> None:
    (root / "var/lib/update-notifier").mkdir(parents=True)
    (root / "var/lib/update-notifier/updates-available").write_text(
        "\n12 updates can be applied immediately.\n5 of these updates are standard security "
        "updates.\nTo see these additional updates run: apt list --upgradable\n"
    )
    (root / "run/reboot-required").unlink()

    def no_commands(argv: Sequence[str], timeout: float) -> tuple[int | None, str]:
        raise AssertionError(f"ran {argv}")

    assert linux.pending_updates(root, no_commands, commands=True) == {
        "pending": 12,
        "security": 5,
        "reboot_required": False,
    }


def test_a_canned_root_without_commands_cannot_tell_the_pending_updates(root: Path) -> None:
    assert linux.pending_updates(root, recorded_run, commands=False)["pending"] is None


def test_dnf_security_advisories_count_packages_once() -> None:
    text = (SAMPLES / "dnf-updateinfo-security.txt").read_text()
    assert linux.parse_dnf_security(0, text) == 3
    assert linux.parse_dnf_security(1, text) is None


def test_named_systemd_units_report_running_failed_and_missing() -> None:
    got = linux.service_states(["smbd", "cups", "nothere"], recorded_run)
    assert [(s["name"], s["state"], s["enabled"]) for s in got] == [
        ("smbd", "running", True),
        ("cups", "failed", True),
        ("nothere", "missing", False),
    ]


def test_units_are_unknown_when_systemctl_cannot_answer() -> None:
    got = linux.service_states(["smbd"], lambda argv, timeout: (1, ""))
    assert got[0]["state"] == "unknown"


def test_installed_dpkg_packages_are_listed_without_removed_ones(root: Path) -> None:
    rows = software.linux_software(root, recorded_run, commands=False)
    assert rows == [
        {"name": "p7zip-full", "version": "16.02+dfsg-8", "publisher": "DEMO Maintainer"},
        {
            "name": "samba",
            "version": "2:4.17.12+dfsg-0+deb12u1",
            "publisher": "Debian Samba Maintainers",
        },
    ]


def test_rpm_packages_are_listed_without_gpg_keys(tmp_path: Path) -> None:
    rows = software.linux_software(tmp_path, recorded_run, commands=True)
    assert rows is not None
    assert [(r["name"], r["publisher"]) for r in rows] == [
        ("bash", "Rocky Enterprise Software Foundation"),
        ("p7zip", "DEMO Vendor"),
    ]


def test_the_whole_linux_report_validates_against_the_server_schema(root: Path) -> None:
    report = AgentReport.model_validate(
        agent_collect.collect(
            root,
            system="Linux",
            hostname="demo-srv-pliki",
            services=["smbd", "cups", "nothere"],
            run=recorded_run,
            now=NOW,
        )
    )
    assert report.updates is not None
    assert (report.updates.pending, report.updates.security, report.updates.reboot_required) == (
        3,
        2,
        True,
    )
    assert report.os.pending_updates == 3
    assert [s.state for s in report.services] == ["running", "failed", "missing"]
    assert report.software is not None and len(report.software) == 2
    assert report.memory is not None and report.memory.swap_used_bytes > 0


def test_without_software_the_list_is_absent_not_empty(root: Path) -> None:
    report = AgentReport.model_validate(
        agent_collect.collect(
            root, system="Linux", hostname="demo-pc", with_software=False, now=NOW
        )
    )
    assert report.software is None
