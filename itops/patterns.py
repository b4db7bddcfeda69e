"""Regular expressions written by users (``body_regex`` …) run on RE2, in linear time.

Python's ``re`` backtracks: ``(a+)+$`` on a 30-byte body froze the daemon for 40 s, and no
timeout of a check can interrupt a regex search running on the event loop. RE2 has no
backreferences or lookaround, so every search takes time linear in the text; a pattern
RE2 cannot compile is refused when the config is loaded, naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import re2

_OPTIONS: Any = re2.Options()
_OPTIONS.log_errors = False  # the refusal is reported once, by the config loader
# Bounds the compiled program; a pattern past it is refused ("pattern too large").
_OPTIONS.max_mem = 8 << 20


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why."""


@dataclass(frozen=True)
class UserPattern:
    """A compiled user pattern; ``search`` answers whether it occurs in a text."""

    source: str
    _compiled: Any

    def search(self, text: str) -> bool:
        return self._compiled.search(text) is not None


def compile_pattern(source: str) -> UserPattern:
    """Compile ``source`` with RE2, or raise ``PatternError`` with RE2's reason."""
    try:
        compiled = re2.compile(source, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"not a pattern RE2 accepts ({reason}); RE2 has no backreferences or "
            "lookaround, see https://github.com/google/re2/wiki/Syntax"
        ) from None
    return UserPattern(source, compiled)
