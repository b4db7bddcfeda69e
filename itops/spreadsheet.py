"""CSV files that come from, or go to, an office's spreadsheets.

Imports: a file is read only after its size is checked (a 100 MB file must be refused
at once, not read into memory), and the ``csv`` module's own errors (a cell over its
field limit) become a row-level reason instead of a traceback.
Exports: a cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab,
CR: OWASP's CSV injection list) is prefixed with an apostrophe, so it shows as text.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from itops.errors import ValidationError

MAX_IMPORT_BYTES = 16 * 1024 * 1024
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_MIB = 1024 * 1024


def neutralise(value: str) -> str:
    """Prefix a cell a spreadsheet would evaluate with an apostrophe (shown as text)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def read_import_file(path: str | os.PathLike[str], limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The bytes of an import file, refused before reading when larger than ``limit``."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ValidationError(f"{path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValidationError(f"{path}: not a regular file")
    if info.st_size > limit:
        raise ValidationError(
            f"{path}: the file is {info.st_size / _MIB:.1f} MiB; the import limit is "
            f"{limit / _MIB:.0f} MiB (split it into smaller files)"
        )
    with Path(path).open("rb") as fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:  # the file grew while we looked
        raise ValidationError(f"{path}: larger than the import limit of {limit / _MIB:.0f} MiB")
    return raw


def rows(reader: Iterable[list[str]], first: int = 1) -> Iterator[tuple[int, list[str] | str]]:
    """``(row number, cells)`` from a csv reader, or ``(row number, reason)`` on a csv error.

    After an error the reader cannot resume reliably, so iteration stops there: the
    caller reports the reason and rejects the file.
    """
    iterator = iter(reader)
    number = first
    while True:
        try:
            cells = next(iterator)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, f"unreadable CSV ({exc})"
            return
        yield number, cells
        number += 1
