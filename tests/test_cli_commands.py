"""The ``itops`` root command loads a feature's commands only when one of them is named."""

from __future__ import annotations

import subprocess
import sys

import click

from itops.cli import FeatureGroup
from itops.plugins import COMMAND_HELP, DERIVE_FEATURES, FEATURE_COMMANDS, FEATURES, feature


def test_the_command_table_names_exactly_what_each_feature_registers() -> None:
    for path in FEATURES:
        feat = feature(path)
        group = click.Group("probe")
        if feat.cli:
            feat.cli(group)
        assert sorted(group.commands) == sorted(FEATURE_COMMANDS.get(path, ())), path


def test_the_help_table_is_each_commands_own_one_line_help() -> None:
    group = click.Group("probe")
    for path in FEATURES:
        feat = feature(path)
        if feat.cli:
            feat.cli(group)
    assert {name: cmd.get_short_help_str(10**6) for name, cmd in group.commands.items()} == (
        COMMAND_HELP
    )


def test_the_listing_from_the_table_is_clicks_own_listing() -> None:
    """Same rows and truncation as click listing the imported commands, at two widths."""
    lazy = FeatureGroup("itops")
    lazy.add_command(click.Command("run", help="Run the daemon."))
    eager = click.Group("itops")
    eager.add_command(click.Command("run", help="Run the daemon."))
    for path in FEATURES:
        feat = feature(path)
        if feat.cli:
            feat.cli(eager)
    for width in (80, 50):
        texts = []
        for group in (lazy, eager):
            formatter = click.HelpFormatter(width=width)
            group.format_commands(click.Context(group), formatter)
            texts.append(formatter.getvalue())
        assert texts[0] == texts[1]
        assert "availability" in texts[0]
    assert lazy.loaded == set()


def test_the_derive_table_names_exactly_the_features_with_a_derive_hook() -> None:
    assert [path for path in FEATURES if feature(path).derive is not None] == list(DERIVE_FEATURES)


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
    return set(done.stderr.rstrip("\n").split("\n")[-1].split(",")) - {""}


def test_a_feature_command_imports_only_its_own_feature() -> None:
    assert _modules_after("--help") == set()
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
