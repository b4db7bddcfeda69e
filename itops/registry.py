"""KindRegistry: the one way to look up a kind (check kinds, backup engines, antivirus engines).

A registry is a table kind → ``"module:Class"`` owned by the feature whose kinds it lists
(``checks.kinds.CHECK_KINDS``, ``checks.backups.kinds.BACKUP_KINDS`` …); the core only
defines the class. Classes are imported on first use, so a config can name every kind
without importing aiohttp, icmplib … until an entry of that kind exists. A kind is built
from a spec (``itops.check.KindSpec``: name, kind, interval, timeout, options), whatever
section the spec comes from.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

    from itops.check import Check, KindSpec

K = TypeVar("K", bound="Check[Any]")


class KindRegistry(Mapping[str, str], Generic[K]):
    """kind → ``"module:Class"``, read like a mapping; ``cls(kind)`` imports the class.

    ``what`` names the kind of kind in messages ("check", "backup").
    """

    def __init__(self, what: str, rows: Mapping[str, str]) -> None:
        self.what = what
        self._rows = dict(rows)
        self._classes: dict[str, type[K]] = {}

    def __getitem__(self, kind: str) -> str:
        return self._rows[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"KindRegistry({self.what!r}, {sorted(self._rows)})"

    def cls(self, kind: str) -> type[K]:
        """The class of ``kind`` (``KeyError`` for an unknown kind)."""
        found = self._classes.get(kind)
        if found is None:
            module, _, name = self._rows[kind].partition(":")
            found = self._classes[kind] = getattr(importlib.import_module(module), name)
        return found

    def options_model(self, kind: str) -> type[BaseModel]:
        """The pydantic model of ``kind``'s own config keys."""
        return self.cls(kind).Options

    def create(self, spec: KindSpec, **extra: Any) -> K:
        """An instance of the spec's kind; ``extra`` goes to the constructor (clock …)."""
        return self.cls(spec.kind)(spec, **extra)
