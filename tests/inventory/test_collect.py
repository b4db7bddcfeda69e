"""Collection from a canned filesystem root (no real /sys needed)."""

from __future__ import annotations

from pathlib import Path

from inventory.collect import collect, parse_windows_status, read_block_devices, read_dmi
from inventory.payload import fingerprint
from tests.inventory.conftest import make_root


def test_dmi_fields_come_from_the_injected_root(canned_root: Path) -> None:
    hw = read_dmi(canned_root)
    assert (hw.vendor, hw.product, hw.serial, hw.chassis_type) == (
        "Dell Inc.",
        "OptiPlex 7010",
        "INV-TEST-SN-0001",
        3,
    )
    assert hw.uuid == "00000000-0000-4000-8000-000000000001"


def test_a_placeholder_serial_is_not_an_identity(tmp_path: Path) -> None:
    root = make_root(tmp_path, serial="To Be Filled By O.E.M.")
    assert read_dmi(root).serial == ""


def test_an_unreadable_dmi_tree_gives_empty_values(tmp_path: Path) -> None:
    hw = read_dmi(tmp_path)
    assert (hw.vendor, hw.serial, hw.chassis_type) == ("", "", None)


def test_loop_devices_are_not_disks(canned_root: Path) -> None:
    disks = read_block_devices(canned_root)
    assert [(d.device, d.model, d.serial, d.size_bytes) for d in disks] == [
        ("sda", "TEST SSD 500", "DISK-TEST-0", 500_107_862_016)
    ]


def test_linux_report_names_the_os_and_cpu_from_the_root(canned_root: Path) -> None:
    report = collect(canned_root, system="Linux", hostname="pc-test-01.urzad.local")
    assert report.hostname == "pc-test-01"
    assert report.os.pretty == "Debian GNU/Linux 12 (bookworm)"
    assert report.cpu.model == "Test CPU 3000"
    assert report.memory_bytes > 0


def test_a_disk_change_changes_the_fingerprint(tmp_path: Path) -> None:
    one = fingerprint(collect(make_root(tmp_path / "a"), system="Linux", hostname="pc"))
    two = fingerprint(collect(make_root(tmp_path / "b", disks=2), system="Linux", hostname="pc"))
    assert one["disks"] != two["disks"]
    assert {k: v for k, v in one.items() if k != "disks"} == {
        k: v for k, v in two.items() if k != "disks"
    }


def test_powershell_7_iso_dates_and_missing_defender_are_handled() -> None:
    status = parse_windows_status(
        '{"defender": null, "last_hotfix": "2026-10-15T00:00:00", '
        '"os": {"Caption": "Microsoft Windows Server 2022 Standard", "BuildNumber": 20348}}'
    )
    assert status["antivirus"] is None
    assert status["last_update"] == "2026-10-15T00:00:00+00:00"
    assert status["os_build"] == "20348"


def test_a_signed_document_renders_as_pdf_with_polish_text(tmp_path: Path) -> None:
    import subprocess

    from inventory.clearance import render_pdf

    pdf = render_pdf("<html><body><h1>Karta obiegowa – Zażółć gęślą jaźń</h1></body></html>")
    assert pdf.startswith(b"%PDF")
    out = tmp_path / "doc.pdf"
    out.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Zażółć gęślą jaźń" in text
