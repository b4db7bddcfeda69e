"""The hash chain over ``register_entry``: canonical form, append, verify, anchor.

Canonical form of an entry (what its ``hash`` is the SHA-256 of, as UTF-8):
JSON of every column of ``register_entry`` except ``hash`` itself (so ``seq`` and
``prev_hash`` are included), keys sorted, separators ``","`` and ``":"``, non-ASCII
kept as is (``ensure_ascii=False``); datetimes as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``,
dates as ``YYYY-MM-DD``, missing values as ``null``, integers as JSON numbers.

An entry is intact when its ``seq`` is the previous one's plus one (the first is 1),
its ``prev_hash`` equals the previous entry's ``hash`` (64 zeros for the first) and its
``hash`` equals the SHA-256 of its canonical form. Editing a field, deleting a row or
swapping rows breaks at least one of the three at the first affected entry. A chain
alone cannot see its newest entries cut off: an anchor (head ``seq`` + ``hash`` kept
elsewhere) can.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from inventory.register.models import RegisterEntry
from itops.errors import ValidationError

GENESIS = "0" * 64
CHAINED_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in RegisterEntry.__table__.columns if c.name != "hash"
)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a register entry")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def canonical(entry: RegisterEntry) -> bytes:
    """The entry's canonical form (module docstring), the input of its hash."""
    data = {name: _value(getattr(entry, name)) for name in CHAINED_COLUMNS}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def entry_hash(entry: RegisterEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def lock_for_append(session: Session) -> None:
    """Serialise appends so two writers never fork the chain.

    SQLite: the core opens every transaction with BEGIN IMMEDIATE, which already holds
    the database's single write lock. PostgreSQL: an exclusive table lock (readers go
    on; a second appender waits until the first commits, then sees its entry). The
    primary key on ``seq`` and the unique ``hash`` are the last line of defence.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE register_entry IN SHARE ROW EXCLUSIVE MODE"))


def append(session: Session, entry: RegisterEntry) -> RegisterEntry:
    """Give ``entry`` the next ``seq``, link it to the head and add it (caller commits)."""
    lock_for_append(session)
    head = session.execute(
        select(RegisterEntry.seq, RegisterEntry.hash).order_by(RegisterEntry.seq.desc()).limit(1)
    ).first()
    entry.seq = 1 if head is None else head.seq + 1
    entry.prev_hash = GENESIS if head is None else head.hash
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    """Result of recomputing the chain."""

    ok: bool
    count: int
    head_seq: int | None
    head_hash: str | None
    broken_seq: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            if self.head_seq is None:
                return "register intact: empty"
            return f"register intact: {self.count} entries, head #{self.head_seq} {self.head_hash}"
        return f"register BROKEN at entry #{self.broken_seq}: {self.problem}"


CHECKPOINT = "checkpoint"


def checkpoint_reason(through_seq: int, through_hash: str, before: date, count: int) -> str:
    """What a retention checkpoint records: the pruned head's seq and hash (for ``verify``)."""
    return json.dumps(
        {"pruned_through": through_seq, "hash": through_hash, "before": before.isoformat(),
         "count": count},
        sort_keys=True, separators=(",", ":"),
    )


def _pruned_heads(session: Session) -> dict[int, str]:
    """``{pruned_through: hash}`` of every checkpoint entry still in the register."""
    out: dict[int, str] = {}
    for reason in session.scalars(
        select(RegisterEntry.reason).where(RegisterEntry.kind == CHECKPOINT)
    ):
        try:
            data = json.loads(reason or "")
            out[int(data["pruned_through"])] = str(data["hash"])
        except (ValueError, KeyError, TypeError):
            continue  # a malformed checkpoint vouches for nothing
    return out


def verify(session: Session, anchor: Anchor | None = None) -> Verification:
    """Recompute the whole chain; with ``anchor``, also require the anchored entry.

    After retention pruning the chain starts at ``seq`` S > 1: that is intact only when a
    checkpoint entry (itself chained, so not forgeable without breaking the chain or an
    anchor) records S - 1 as pruned with a hash equal to the first entry's ``prev_hash``.
    """
    expected_seq, prev, count, last = 1, GENESIS, 0, None
    first_seq = session.scalar(select(func.min(RegisterEntry.seq)))
    pruned = _pruned_heads(session) if first_seq and first_seq > 1 else {}
    if first_seq and first_seq - 1 in pruned:
        expected_seq, prev = first_seq, pruned[first_seq - 1]
    rows = session.scalars(select(RegisterEntry).order_by(RegisterEntry.seq)).yield_per(500)
    for entry in rows:
        count += 1
        problem = ""
        if entry.seq != expected_seq:
            problem = (
                f"sequence jumps from #{expected_seq - 1} to #{entry.seq} "
                "(an entry is missing or rows were reordered)"
            )
        elif entry.prev_hash != prev:
            problem = "its link to the previous entry does not match (previous entry altered)"
        elif entry_hash(entry) != entry.hash:
            problem = "its content does not match its hash (the entry was altered)"
        if problem:
            return Verification(False, count, last, prev, entry.seq, problem)
        expected_seq, prev, last = entry.seq + 1, entry.hash, entry.seq
    if anchor is not None:
        if last is None or last < anchor.seq:
            return Verification(
                False,
                count,
                last,
                prev if last else None,
                anchor.seq,
                f"the anchor of {anchor.anchored_at.isoformat()} names entry #{anchor.seq} "
                f"but the register ends at #{last or 0}: entries were cut off",
            )
        anchored = session.get(RegisterEntry, anchor.seq)
        if anchored is None and first_seq and anchor.seq < first_seq and (
            max(pruned, default=0) >= anchor.seq
        ):
            # Anchored before a retention prune removed that entry: the checkpoint covers it.
            if anchor.seq not in pruned or pruned[anchor.seq] == anchor.hash:
                return Verification(True, count, last, prev if last else None)
        if anchored is None or anchored.hash != anchor.hash:
            return Verification(
                False,
                count,
                last,
                prev,
                anchor.seq,
                "the entry differs from the anchored one (the register was rewritten)",
            )
    return Verification(True, count, last, prev if last else None)


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at one moment, kept outside the database."""

    seq: int
    hash: str
    anchored_at: datetime
    office: str = ""

    def dumps(self) -> str:
        return json.dumps(
            {
                "register": "itops §82",
                "office": self.office,
                "seq": self.seq,
                "hash": self.hash,
                "anchored_at": _value(self.anchored_at),
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def load(cls, path: Path) -> Anchor:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            at = datetime.fromisoformat(str(data["anchored_at"]).replace("Z", "+00:00"))
            return cls(int(data["seq"]), str(data["hash"]), at, str(data.get("office", "")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValidationError(f"{path}: not a register anchor file ({exc})") from None


def current_anchor(session: Session, at: datetime, office: str = "") -> Anchor | None:
    """The anchor for the current head, or None while the register is empty."""
    head = session.execute(
        select(RegisterEntry.seq, RegisterEntry.hash).order_by(RegisterEntry.seq.desc()).limit(1)
    ).first()
    if head is None:
        return None
    return Anchor(head.seq, head.hash, at, office)


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Write atomically (a half-written anchor must never replace a good one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(anchor.dumps() + "\n", encoding="utf-8")
    tmp.replace(path)


def entry_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(RegisterEntry)) or 0)
