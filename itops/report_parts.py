"""Sections of an agent report stored by another feature, inside the report's transaction.

Why a typed hook and not an event: an event subscriber runs after the inventory commit,
so a failing antivirus write was only logged while the agent already had its 200
("acknowledged, then lost"). A part is parsed together with the rest of the report,
before anything is written (a bad part refuses the whole report with 422 naming its
field), and stored in the same transaction; what must wait for the commit (in-memory
snapshots, notifications) is handed back as a callback.

The inventory feature owns the report and the feature owning a part (antivirus) owns
the part's schema; both depend on this contract only, never on each other. A feature
offers its parts through ``Feature.report_parts``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

P = TypeVar("P")

AfterCommit = Callable[[], None]


class PartRefused(ValueError):
    """A part cannot be stored: each problem is (field path inside the part, reason)."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{path}: {why}" if path else why for path, why in problems))


@dataclass(frozen=True)
class PartItem(Generic[P]):
    """One report's parsed part: the reporting host (lower case) and when it was received."""

    host: str
    value: P
    at: datetime


class ReportPart(Protocol[P]):
    """The contract of one report section (``key`` is its top-level field, e.g. "antivirus")."""

    @property
    def key(self) -> str:
        """The report's field this part owns."""
        ...

    def parse(self, value: Mapping[str, Any], now: datetime) -> P:
        """Validate the raw section (no I/O); raise ``PartRefused`` naming the fields."""
        ...

    def store(self, session: Session, items: Sequence[PartItem[P]]) -> AfterCommit:
        """Write every item in the caller's transaction (never commit); return what to
        run once that transaction has committed (it must not raise)."""
        ...


__all__ = ["AfterCommit", "PartItem", "PartRefused", "ReportPart"]
