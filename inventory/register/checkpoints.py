"""Signed retention checkpoints: the facts a prune relied on, and their judgement.

A prune appends a ``checkpoint`` entry to the chain and a ``register_checkpoint`` row
holding the facts as canonical JSON (sorted keys, no spaces)::

    v, checkpoint_seq, first_seq, through_seq, through_hash, count,
    cut_day, cut_at, retention_years, timezone, pruned_at,
    newest_recorded_at   the latest recorded_at among the pruned entries
    in_force_until       the last day any pruned record was in force (or null)
    left_on              {employee id: leaving day} for every pruned notice

The entry's ``reason`` names the pruned head and the facts' SHA-256, so the chain vouches
for the facts; the row's Ed25519 signature covers ``CHECKPOINT_DOMAIN``, the entry's hash,
a newline and the facts, so only the key's holder can make one, and the row can still be
judged after a later prune removed its entry.

``judge`` refuses a checkpoint that is unsigned, signed by another key or wrongly, whose
facts disagree with its entry or its columns, or whose facts describe an unlawful prune:
retention under two years, a cut later than 1 January of (the prune's year − retention),
a pruned entry recorded on or after the cut, a record in force on the cut day, or a
notice pruned for an employee whom the employee records no longer show as gone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inventory.register.chain import CHECKPOINT, parse_utc, utc_text
from inventory.register.models import RegisterCheckpoint, RegisterEntry
from inventory.register.signing import CHECKPOINT_DOMAIN, PublicKey, SigningKey

MIN_RETENTION_YEARS = 2


def canonical(facts: dict[str, Any]) -> bytes:
    return json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def entry_reason(facts: dict[str, Any]) -> str:
    """The checkpoint entry's ``reason``: the pruned head and the facts' digest."""
    return json.dumps(
        {
            "pruned_through": facts["through_seq"],
            "hash": facts["through_hash"],
            "before": facts["cut_day"],
            "count": facts["count"],
            "facts_sha256": hashlib.sha256(canonical(facts)).hexdigest(),
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def _message(entry_hash: str, facts: str) -> bytes:
    return CHECKPOINT_DOMAIN + entry_hash.encode("ascii") + b"\n" + facts.encode("utf-8")


def signed_row(entry: RegisterEntry, facts: dict[str, Any], key: SigningKey) -> RegisterCheckpoint:
    """The ``register_checkpoint`` row of a just appended checkpoint ``entry``."""
    text = canonical(facts).decode("utf-8")
    return RegisterCheckpoint(
        seq=entry.seq,
        through_seq=facts["through_seq"],
        cut_day=date.fromisoformat(facts["cut_day"]),
        cut_at=parse_utc(facts["cut_at"]),
        retention_years=facts["retention_years"],
        entry_hash=entry.hash,
        facts=text,
        key_id=key.public.key_id,
        signature=key.sign(_message(entry.hash, text)),
    )


def retention_bound(pruned_at: datetime, tz: ZoneInfo, years: int) -> date:
    """The latest lawful cut day for a prune at ``pruned_at``: 1 January of (year − years).

    The year is the smaller of the local and the UTC year, so the database (which knows
    only UTC) and the service agree on New Year's night.
    """
    year = min(pruned_at.astimezone(tz).year, pruned_at.astimezone(UTC).year)
    return date(min(year - years, year - 1), 1, 1)


@dataclass(frozen=True)
class Verdict:
    """One checkpoint judged: ``problem`` is empty when it is genuine, signed and lawful."""

    seq: int
    first_seq: int
    through_seq: int
    through_hash: str
    cut_day: date
    retention_years: int
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def _lawful(facts: dict[str, Any], left_now: dict[int, date | None]) -> str:
    """Why the facts describe an unlawful prune ("" when they do not)."""
    years = int(facts["retention_years"])
    tz = ZoneInfo(str(facts["timezone"]))
    cut_day = date.fromisoformat(facts["cut_day"])
    cut_at = parse_utc(facts["cut_at"])
    pruned_at = parse_utc(facts["pruned_at"])
    if years < MIN_RETENTION_YEARS:
        return f"it kept the register only {years} years (at least {MIN_RETENTION_YEARS})"
    bound = retention_bound(pruned_at, tz, years)
    if cut_day > bound:
        return (
            f"it pruned up to {cut_day}, but a prune on {pruned_at.date()} with {years} years "
            f"of retention may only remove entries recorded before {bound}"
        )
    if cut_at != datetime.combine(cut_day, time(0), tzinfo=tz).astimezone(UTC):
        return "its cut time is not local midnight of its cut day"
    if parse_utc(facts["newest_recorded_at"]) >= cut_at:
        return "it removed an entry recorded on or after its cut (younger than the retention)"
    until = facts.get("in_force_until")
    if until is not None and date.fromisoformat(until) >= cut_day:
        return f"it removed a record still in force on {until} (cut {cut_day})"
    for emp, left in sorted(dict(facts.get("left_on") or {}).items()):
        if date.fromisoformat(left) >= cut_day:
            return f"it removed the notice of employee #{emp}, who left only on {left}"
        now = left_now.get(int(emp))
        if now is None or now >= cut_day:
            state = "still employed" if now is None else f"leaving on {now}"
            return (
                f"it relied on employee #{emp} having left on {left}, but the employee "
                f"records now show them {state}: the notice was still needed"
            )
    if int(facts["count"]) != int(facts["through_seq"]) - int(facts["first_seq"]) + 1:
        return "its count does not match the pruned range"
    if not int(facts["first_seq"]) <= int(facts["through_seq"]) < int(facts["checkpoint_seq"]):
        return "its pruned range does not lie before the checkpoint"
    return ""


def _consistent(row: RegisterCheckpoint, entry: RegisterEntry | None, facts: dict[str, Any]) -> str:
    """Why the row, its facts and its entry disagree ("" when they agree)."""
    columns = (
        facts["checkpoint_seq"] == row.seq
        and facts["through_seq"] == row.through_seq
        and facts["cut_day"] == row.cut_day.isoformat()
        and facts["cut_at"] == utc_text(row.cut_at)
        and facts["retention_years"] == row.retention_years
    )
    if not columns:
        return "its table columns differ from its signed facts"
    if entry is None:
        return ""
    if entry.kind != CHECKPOINT or entry.hash != row.entry_hash:
        return "it does not belong to the checkpoint entry of the same number"
    try:
        reason = json.loads(entry.reason or "")
    except ValueError:
        reason = {}
    if (
        not isinstance(reason, dict)
        or reason.get("facts_sha256") != hashlib.sha256(row.facts.encode("utf-8")).hexdigest()
        or reason.get("pruned_through") != row.through_seq
    ):
        return "its entry names other facts"
    return ""


def judge(
    row: RegisterCheckpoint | None,
    entry: RegisterEntry | None,
    key: PublicKey | None,
    left_now: dict[int, date | None],
) -> Verdict:
    """Judge one checkpoint (module docstring); ``row`` None means it was never signed."""
    seq = row.seq if row is not None else (entry.seq if entry is not None else 0)
    blank = Verdict(seq, 0, (entry.ref_seq or 0) if entry else 0, "", date.min, 0)
    if row is None:
        return _with(blank, "it is unsigned (no signed retention facts)")
    if key is None:
        return _with(blank, "its signature cannot be checked: no public key")
    if row.key_id != key.key_id:
        return _with(blank, "it is signed by another key, not this register's")
    if not key.verifies(_message(row.entry_hash, row.facts), row.signature):
        return _with(blank, "its signature does not match (forged or altered)")
    try:
        facts = json.loads(row.facts)
        verdict = Verdict(
            row.seq,
            int(facts["first_seq"]),
            int(facts["through_seq"]),
            str(facts["through_hash"]),
            date.fromisoformat(facts["cut_day"]),
            int(facts["retention_years"]),
        )
        problem = _consistent(row, entry, facts) or _lawful(facts, left_now)
    except (ValueError, KeyError, TypeError, ZoneInfoNotFoundError) as exc:
        return _with(blank, f"its signed facts are malformed ({exc})")
    return _with(verdict, problem)


def _with(verdict: Verdict, problem: str) -> Verdict:
    return replace(verdict, problem=problem)
