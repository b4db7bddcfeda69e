"""Running the few fixed system commands the agent needs, injectable for tests."""

from __future__ import annotations

import shutil
import subprocess  # noqa: S404 - fixed argument lists, no user input
from collections.abc import Callable, Sequence

# (argv, timeout) -> (exit code, stdout); exit code None = the program is missing or hung.
Runner = Callable[[Sequence[str], float], tuple[int | None, str]]

SAFE_ENV = {"LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


def run_command(argv: Sequence[str], timeout: float) -> tuple[int | None, str]:
    """Run ``argv`` with a C locale and a fixed PATH; (None, "") when it cannot run."""
    program = shutil.which(argv[0])
    if program is None:
        return None, ""
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [program, *argv[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=SAFE_ENV,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None, ""
    return done.returncode, done.stdout
