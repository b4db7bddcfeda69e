"""Where the config file is: a module of its own so ``itops --help`` need not load pydantic."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_PATH = Path("/etc/itops/itops.toml")


def resolve_path(cli_path: str | os.PathLike[str] | None) -> Path:
    """``--config`` first, then ``$ITOPS_CONFIG``, then ``/etc/itops/itops.toml``."""
    if cli_path:
        return Path(cli_path)
    env = os.environ.get("ITOPS_CONFIG")
    return Path(env) if env else DEFAULT_PATH
