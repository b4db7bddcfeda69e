"""CONTRIBUTING.md's promise for a new kind: its registry row and the example config agree."""

from __future__ import annotations

import tomllib
from pathlib import Path

from checks.backups.kinds import BACKUP_KINDS
from checks.kinds import CHECK_KINDS

REPO = Path(__file__).resolve().parents[1]


def test_every_registered_kind_has_an_example_in_the_example_config() -> None:
    example = tomllib.loads((REPO / "config" / "itops.example.toml").read_text("utf-8"))
    shown = {
        "checks": {c["kind"] for c in example.get("checks", [])},
        "backups": {b["kind"] for b in example.get("backups", [])},
    }
    assert set(CHECK_KINDS) <= shown["checks"], set(CHECK_KINDS) - shown["checks"]
    assert set(BACKUP_KINDS) <= shown["backups"], set(BACKUP_KINDS) - shown["backups"]


def test_contributing_names_the_files_a_new_kind_touches() -> None:
    text = (REPO / "CONTRIBUTING.md").read_text("utf-8")
    for path in ("checks/kinds/__init__.py", "checks/kinds/texts.py", "config/itops.example.toml"):
        assert path in text, path
        assert (REPO / path).exists(), path
