"""Every bench script starts as documented: no file in bench/ shadows a package of ours."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
PACKAGES = {p.parent.name for p in ROOT.glob("*/__init__.py")}


def test_no_bench_script_is_named_like_a_package() -> None:
    """``python bench/X.py`` puts bench/ first on sys.path: a bench/checks.py would be
    imported instead of the checks package."""
    assert SCRIPTS
    assert {p.stem for p in SCRIPTS} & PACKAGES == set()


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_bench_script_imports_and_answers_help(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
