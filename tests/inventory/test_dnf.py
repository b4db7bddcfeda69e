"""Pending updates on RPM systems: ``dnf check-update`` output and exit code 100.

No dnf on this machine: these test the parser only, on samples written in the layout
dnf 4 (RHEL 9) and dnf5 (Fedora 40+) print — not captured here from a live dnf run.
"""

from __future__ import annotations

from pathlib import Path

from inventory.collect import parse_dnf_check_update

SAMPLES = Path(__file__).parent / "samples"


def test_exit_100_counts_each_package_line_once() -> None:
    text = (SAMPLES / "dnf4-check-update.txt").read_text()
    assert parse_dnf_check_update(100, text) == 7


def test_a_wrapped_long_package_name_counts_once() -> None:
    text = (SAMPLES / "dnf4-check-update.txt").read_text()
    head = text.split("Obsoleting")[0]
    assert parse_dnf_check_update(100, head) == 7
    assert "selinux-policy" in head


def test_obsoleting_section_is_not_counted_again() -> None:
    text = (SAMPLES / "dnf4-check-update.txt").read_text()
    without = text.split("Obsoleting Packages")[0]
    assert parse_dnf_check_update(100, text) == parse_dnf_check_update(100, without)


def test_dnf5_repository_loading_lines_are_not_packages() -> None:
    text = (SAMPLES / "dnf5-check-update.txt").read_text()
    assert parse_dnf_check_update(100, text) == 3


def test_exit_0_means_no_pending_updates() -> None:
    assert parse_dnf_check_update(0, "Last metadata expiration check: 0:01:00 ago.\n") == 0


def test_exit_1_is_an_error_and_tells_nothing() -> None:
    error = "Error: Cache-only enabled but no cache for 'baseos'\n"
    assert parse_dnf_check_update(1, error) is None
