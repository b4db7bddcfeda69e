"""TOML nested too deep for tomllib: found by a scan of the text, and in the parsed data.

Kept apart from ``itops.config``: a guard on the raw file, independent of any model.
"""

from __future__ import annotations

from typing import Any

# No itops key nests more than a few levels; tomllib itself recurses past ~450.
MAX_DEPTH = 32
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep (no itops setting is)"


def deep_value(text: str) -> tuple[str, int] | None:
    """The key and line of the first array or inline table nested past ``MAX_DEPTH``.

    A scan of the text before tomllib sees it: tomllib parses nesting recursively and
    dies with ``RecursionError`` on a value 500 levels deep. Strings and comments are
    skipped, so a "[" inside a string counts for nothing.
    """
    depth, line, pos, n = 0, 1, 0, len(text)
    table, key = "", ""
    line_start = 0
    while pos < n:
        char = text[pos]
        if char == "\n":
            line += 1
            line_start = pos + 1
        elif char == "#":
            end = text.find("\n", pos)
            pos = n if end < 0 else end
            continue
        elif char in "\"'":
            quote = text[pos : pos + 3] if text[pos : pos + 3] in ('"""', "'''") else char
            end = pos + len(quote)
            while True:
                end = text.find(quote, end)
                if end < 0:
                    return None  # unterminated: tomllib names the line
                if quote[0] == '"' and _escaped(text, end):
                    end += 1
                    continue
                break
            line += text.count("\n", pos, end)
            pos = end + len(quote)
            continue
        elif depth == 0 and char == "[" and not text[line_start:pos].strip():
            close = text.find("]", pos)
            table = text[pos:close].strip("[] ") if close > 0 else table
            pos = n if close < 0 else close + 1
            continue
        elif depth == 0 and char == "=":
            key = text[line_start:pos].strip()
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return (f"{table}.{key}" if table else key) or "(top level)", line
        elif char in "]}":
            depth = max(0, depth - 1)
        pos += 1
    return None


def _escaped(text: str, pos: int) -> bool:
    """Whether the quote at ``pos`` is preceded by an odd number of backslashes."""
    count = 0
    while pos > 0 and text[pos - 1] == "\\":
        count += 1
        pos -= 1
    return count % 2 == 1


def deep_key(data: Any) -> tuple[int | str, ...] | None:
    """Where parsed data nests past ``MAX_DEPTH`` (dotted keys ``a.b.c…`` nest too)."""
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if len(loc) > MAX_DEPTH:
            return loc[: MAX_DEPTH + 1]
        if isinstance(node, dict):
            stack.extend(((*loc, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*loc, i), v) for i, v in enumerate(node))
    return None
