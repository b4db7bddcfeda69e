"""The ``itops`` root command loads a feature's commands only when one of them is named."""

from __future__ import annotations

import subprocess
import sys

import click

from itops.plugins import FEATURE_COMMANDS, FEATURES, feature


def test_the_command_table_names_exactly_what_each_feature_registers() -> None:
    for path in FEATURES:
        feat = feature(path)
        group = click.Group("probe")
        if feat.cli:
            feat.cli(group)
        assert sorted(group.commands) == sorted(FEATURE_COMMANDS.get(path, ())), path


def test_no_two_features_claim_one_command() -> None:
    names = [name for path in FEATURES for name in FEATURE_COMMANDS.get(path, ())]
    assert len(names) == len(set(names))


def _modules_after(*argv: str) -> set[str]:
    """The feature plugin modules imported by running ``itops ARGV`` in a fresh process."""
    script = (
        "import sys\n"
        "from itops.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(','.join(m for m in {list(FEATURES)!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    return set(done.stderr.strip().splitlines()[-1].split(",")) - {""}


def test_a_feature_command_imports_only_its_own_feature() -> None:
    assert _modules_after("kpi", "--help") == {"reports.plugin"}
    assert _modules_after("outages", "--help") == {"checks.availability.plugin"}


def test_help_lists_the_commands_of_every_feature() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "itops", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    listed = {
        line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line.strip()
    }
    for names in FEATURE_COMMANDS.values():
        assert set(names) <= listed
