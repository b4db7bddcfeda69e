"""The hash chain over ``register_entry``: canonical form, append, verify, anchor.

Canonical form of an entry (what its ``hash`` is the SHA-256 of, as UTF-8):
JSON of every column of ``register_entry`` except ``hash`` itself (so ``seq`` and
``prev_hash`` are included), keys sorted, separators ``","`` and ``":"``, non-ASCII
kept as is (``ensure_ascii=False``); datetimes as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``,
dates as ``YYYY-MM-DD``, missing values as ``null``, integers as JSON numbers.
Columns added later (``OPTIONAL_COLUMNS``: ``os_user``) appear only when set, so the
hashes of entries written before them never change.

An entry is intact when its ``seq`` is the previous one's plus one (the first is 1),
its ``prev_hash`` equals the previous entry's ``hash`` (64 zeros for the first) and its
``hash`` equals the SHA-256 of its canonical form. Editing a field, deleting a row or
swapping rows breaks at least one of the three at the first affected entry. A chain
alone cannot see its newest entries cut off or rewritten with recomputed hashes, nor
tell a lawful prune from a wipe: signed checkpoints, signed heads and anchors kept
elsewhere can (``inventory.register.verification``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from inventory.register.models import RegisterEntry

GENESIS = "0" * 64
CHECKPOINT = "checkpoint"
OPTIONAL_COLUMNS: tuple[str, ...] = ("os_user",)
CHAINED_COLUMNS: tuple[str, ...] = tuple(
    c.name
    for c in RegisterEntry.__table__.columns
    if c.name != "hash" and c.name not in OPTIONAL_COLUMNS
)
# pg_advisory_xact_lock key of the register's appends ("§82" in the low bytes)
APPEND_LOCK = 0x69746F707382


def utc_text(value: datetime) -> str:
    """A datetime as the canonical form writes it (UTC, microseconds, ``Z``)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime in a register entry")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value}: no time zone")
    return parsed.astimezone(UTC)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def canonical(entry: RegisterEntry) -> bytes:
    """The entry's canonical form (module docstring), the input of its hash."""
    data = {name: _value(getattr(entry, name)) for name in CHAINED_COLUMNS}
    for name in OPTIONAL_COLUMNS:
        if getattr(entry, name) is not None:
            data[name] = _value(getattr(entry, name))
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def entry_hash(entry: RegisterEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def lock_for_append(session: Session) -> None:
    """Serialise appends so two writers never fork the chain.

    SQLite: the core opens every transaction with BEGIN IMMEDIATE, which already holds
    the database's single write lock. PostgreSQL: a transaction-scoped advisory lock
    (readers go on; a second appender waits until the first commits, then sees its
    entry). Not ``LOCK TABLE``: that needs UPDATE or DELETE on the table, which the
    dashboard's role must not have. The primary key on ``seq`` and the unique ``hash``
    are the last line of defence against a writer that skips the lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})


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


@dataclass
class Walk:
    """The chain as stored, recomputed from its first present entry to its head.

    ``first_seq``/``first_prev`` say where it starts (1 and 64 zeros unless pruned or
    cut); ``hashes`` maps every present ``seq`` to its hash (for signed heads and
    anchors); ``broken_seq``/``problem`` name the first entry that breaks the chain.
    """

    count: int = 0
    first_seq: int | None = None
    first_prev: str | None = None
    head_seq: int | None = None
    head_hash: str | None = None
    broken_seq: int | None = None
    problem: str = ""
    hashes: dict[int, str] = field(default_factory=dict)
    recorded: dict[int, datetime] = field(default_factory=dict)


def walk(session: Session) -> Walk:
    """Recompute every stored entry's hash and link, in ``seq`` order."""
    out = Walk()
    rows = session.scalars(select(RegisterEntry).order_by(RegisterEntry.seq)).yield_per(500)
    for entry in rows:
        out.count += 1
        if out.first_seq is None:
            out.first_seq, out.first_prev = entry.seq, entry.prev_hash
        elif out.broken_seq is None:
            if entry.seq != (out.head_seq or 0) + 1:
                out.broken_seq, out.problem = (
                    entry.seq,
                    (
                        f"sequence jumps from #{out.head_seq} to #{entry.seq} "
                        "(an entry is missing or rows were reordered)"
                    ),
                )
            elif entry.prev_hash != out.head_hash:
                out.broken_seq, out.problem = (
                    entry.seq,
                    ("its link to the previous entry does not match (previous entry altered)"),
                )
        if out.broken_seq is None and entry_hash(entry) != entry.hash:
            out.broken_seq = entry.seq
            out.problem = "its content does not match its hash (the entry was altered)"
        out.hashes[entry.seq] = entry.hash
        out.recorded[entry.seq] = entry.recorded_at
        out.head_seq, out.head_hash = entry.seq, entry.hash
    if out.first_seq == 1 and out.first_prev != GENESIS and out.broken_seq is None:
        out.broken_seq, out.problem = 1, "the first entry does not start the chain"
    return out


def head(session: Session) -> tuple[int, str] | None:
    """(seq, hash) of the newest entry, or None while the register is empty."""
    row = session.execute(
        select(RegisterEntry.seq, RegisterEntry.hash).order_by(RegisterEntry.seq.desc()).limit(1)
    ).first()
    return None if row is None else (int(row.seq), str(row.hash))


def entry_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(RegisterEntry)) or 0)
