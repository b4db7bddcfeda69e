"""Who runs a CLI command on the machine, as the register records it beside ``--as``."""

from __future__ import annotations

import os
import pwd


def os_identity() -> str:
    """Who runs this process: the real user id's name (not ``$USER``, which anyone can
    set), the effective one if different, and ``SUDO_USER`` when sudo set it."""

    def name(uid: int) -> str:
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return f"uid {uid}"

    out = name(os.getuid())
    if os.geteuid() != os.getuid():
        out += f" as {name(os.geteuid())}"
    sudo = os.environ.get("SUDO_USER", "").strip()
    if sudo:
        out += f" (sudo: {sudo[:32]})"
    return out[:100]


def os_reader() -> str:
    """The read log's actor for a CLI read without ``--as``."""
    return f"os:{os_identity()}"[:64]
