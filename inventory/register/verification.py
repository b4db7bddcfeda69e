"""``verify``: is the register whole, and was every removal lawful and signed?

1. The chain is recomputed from its first stored entry (``chain.walk``).
2. Every checkpoint, stored entry or signed-facts row, is judged
   (``checkpoints.judge``): unsigned, wrongly signed, inconsistent or unlawful fails.
3. A chain starting after #1 must be covered from #1 by genuine, lawful checkpoints,
   the last naming exactly the first stored entry's link.
4. Every signed head (``register_seal``) must be genuine and name an entry that is
   stored with that hash, or that a genuine lawful checkpoint covers; its time-stamp
   token, if any, must verify. Entries recorded more than two seal intervals ago must
   be covered by a genuine signed head: removing signatures to rewrite the newest
   entries fails here.
5. Every anchor given (``--anchor``) is checked the same way, and its own signature,
   if it has one, must be the register's.

The public key comes from the signing key file or from ``--public-key`` (the printed
one): the database never holds it. Without any key, nothing signed can be vouched for,
so a register with a checkpoint fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.register import chain, checkpoints, seals, tsa
from inventory.register.anchors import Anchor
from inventory.register.config import EMPLOYEE_MONITORING
from inventory.register.models import RegisterCheckpoint, RegisterEntry
from inventory.register.signing import KeyFileError, PublicKey, load_key_file
from itops.config import Settings
from itops.db.models import Employee


@dataclass(frozen=True)
class Policy:
    """What ``verify`` checks against: key, clock, seal interval, the TSA's CA."""

    key: PublicKey | None = None
    key_problem: str = ""  # a key is configured but cannot be used
    now: datetime | None = None
    seal_interval: timedelta | None = None
    tsa_ca_file: Path | None = None


def policy_for(settings: Settings, now: datetime, public_key: str | None = None) -> Policy:
    """The policy of this installation; ``public_key`` (printed text) overrides the file."""
    cfg = settings.section(EMPLOYEE_MONITORING)
    key, problem = None, ""
    if public_key:
        key = PublicKey.from_text(public_key)
    elif cfg.signing_key_file is not None:
        try:
            key = load_key_file(cfg.signing_key_file).public
        except KeyFileError as exc:
            problem = str(exc)
    signing = key is not None or bool(problem)
    return Policy(key, problem, now, cfg.seal_interval if signing else None, cfg.tsa_ca_file)


@dataclass(frozen=True)
class Verification:
    """The verdict; ``problem``/``broken_seq`` repeat the first problem for short views."""

    ok: bool
    count: int
    head_seq: int | None
    head_hash: str | None
    broken_seq: int | None = None
    problem: str = ""
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    stale: bool = False  # entries older than two seal intervals are not signed

    @property
    def only_stale(self) -> bool:
        """The one problem is unsigned old entries: after the daemon was down, the head
        may be signed again (the gap is reported); anything else must not be signed."""
        return self.stale and len(self.problems) == 1

    def describe(self) -> str:
        if self.ok:
            first = (
                "register intact: empty"
                if self.head_seq is None
                else f"register intact: {self.count} entries, "
                f"head #{self.head_seq} {self.head_hash}"
            )
        else:
            where = f" at entry #{self.broken_seq}" if self.broken_seq is not None else ""
            first = f"register BROKEN{where}: {self.problem}"
            first += "".join(f"\n  also: {p}" for p in self.problems[1:])
        return first + "".join(f"\n  {n}" for n in self.notes)


@dataclass
class _Run:
    walk: chain.Walk
    policy: Policy
    verdicts: dict[int, checkpoints.Verdict] = field(default_factory=dict)
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stale: bool = False

    def fail(self, seq: int | None, problem: str) -> None:
        self.problems.append((seq, problem))

    def lawful(self) -> list[checkpoints.Verdict]:
        return [v for v in self.verdicts.values() if v.ok]

    def covered(self, seq: int, hash_: str | None = None) -> bool:
        """``seq`` removed under a genuine lawful checkpoint (with ``hash_`` if its head)."""
        for v in self.lawful():
            if v.first_seq <= seq <= v.through_seq:
                return hash_ is None or seq != v.through_seq or v.through_hash == hash_
        return False


def _judge_checkpoints(session: Session, run: _Run) -> None:
    rows = {r.seq: r for r in session.scalars(select(RegisterCheckpoint))}
    entries = {
        e.seq: e
        for e in session.scalars(
            select(RegisterEntry).where(RegisterEntry.kind == chain.CHECKPOINT)
        )
    }
    left = {int(i): d for i, d in session.execute(select(Employee.id, Employee.left_on))}
    first = run.walk.first_seq or 0
    for seq in sorted(set(rows) | set(entries)):
        entry = entries.get(seq)
        if entry is None and seq >= first and seq in run.walk.hashes:
            entry = session.get(RegisterEntry, seq)  # a stored entry of another kind
        verdict = checkpoints.judge(rows.get(seq), entry, run.policy.key, left)
        run.verdicts[seq] = verdict
        if verdict.problem and (entry is not None or seq >= first):
            run.fail(seq, f"checkpoint #{seq}: {verdict.problem}")
    for v in run.lawful():
        run.notes.append(
            f"checkpoint #{v.seq}: entries #{v.first_seq}–#{v.through_seq} pruned lawfully "
            f"(recorded before {v.cut_day}, retention {v.retention_years} years, signed)"
        )


def _check_start(run: _Run) -> None:
    first = run.walk.first_seq
    if first is None or first == 1:
        return
    links = [
        v
        for v in run.lawful()
        if v.through_seq == first - 1 and v.through_hash == run.walk.first_prev
    ]
    missing = [s for s in range(1, first) if not run.covered(s)]
    if not links or missing:
        run.fail(
            first,
            (
                f"entries #1–#{first - 1} are missing and no genuine, signed, lawful "
                "checkpoint covers them (deleted outside itops)"
            ),
        )


def _check_head(run: _Run, anchor: Anchor, what: str) -> int | None:
    """Problems of one signed head or anchor; its seq when it matches the register."""
    hashes, head = run.walk.hashes, run.walk.head_seq or 0
    if anchor.seq in hashes:
        if hashes[anchor.seq] != anchor.hash:
            run.fail(
                anchor.seq,
                f"{what} names entry #{anchor.seq} with another hash (the register was rewritten)",
            )
            return None
        return anchor.seq
    if anchor.seq > head:
        run.fail(
            anchor.seq,
            f"{what} names entry #{anchor.seq} but the register ends at "
            f"#{head}: entries were cut off",
        )
    elif not run.covered(anchor.seq, anchor.hash):
        run.fail(
            anchor.seq,
            f"{what} names entry #{anchor.seq}, which is neither in the "
            "register nor covered by a genuine, signed, lawful checkpoint",
        )
    else:
        return anchor.seq
    return None


def _check_stamp(run: _Run, anchor: Anchor, what: str) -> None:
    if anchor.tsa_token is None:
        return
    if run.policy.tsa_ca_file is None:
        run.notes.append(f"{what}: time stamp not checked (no tsa_ca_file configured)")
        return
    stamp = tsa.check_token(anchor.tsa_token, anchor.stamp_digest(), run.policy.tsa_ca_file)
    if not stamp.ok:
        run.fail(anchor.seq, f"{what}: {stamp.problem}")
    elif stamp.at is not None:
        run.notes.append(f"{what}: time-stamped by the TSA at {chain.utc_text(stamp.at)}")


def _check_seals(session: Session, run: _Run) -> int:
    """Judge every signed head; the highest seq a genuine one covers (0: none)."""
    key, best = run.policy.key, 0
    rows = seals.all_seals(session)
    if rows and key is None:
        run.notes.append(f"{len(rows)} signed heads not checked: no public key")
        return 0
    for row in rows:
        assert key is not None  # noqa: S101 - returned above
        what = f"signed head of {chain.utc_text(row.signed_at)}"
        if not seals.genuine(row, key):
            run.fail(row.seq, f"{what} (#{row.seq}) is not signed by the register's key")
            continue
        anchor = seals.to_anchor(row)
        matched = _check_head(run, anchor, what)
        _check_stamp(run, anchor, what)
        best = max(best, matched or 0)
    if rows:
        run.notes.append(f"{len(rows)} signed heads checked; newest covers #{best}")
    return best


def _check_fresh(run: _Run, covered: int) -> None:
    policy = run.policy
    if policy.key is None or policy.seal_interval is None or policy.now is None:
        return
    limit = policy.now - 2 * policy.seal_interval
    stale = [s for s, at in run.walk.recorded.items() if s > covered and at < limit]
    if stale:
        run.stale = True
        run.fail(
            min(stale),
            (
                f"entries #{min(stale)}–#{max(stale)} were recorded before {chain.utc_text(limit)} "
                "but no signed head covers them: signed heads were removed, or the register "
                "has not been signed for two intervals (is the daemon running?)"
            ),
        )


def _check_anchor(run: _Run, anchor: Anchor) -> None:
    what = f"anchor of {chain.utc_text(anchor.anchored_at)}"
    if anchor.signature is not None:
        key = run.policy.key
        if (
            key is None
            or anchor.key_id != key.key_id
            or not key.verifies(anchor.signed_message(), anchor.signature)
        ):
            run.fail(anchor.seq, f"{what} is not signed by the register's key")
            return
    else:
        run.notes.append(f"{what}: unsigned (an anchor of before signing)")
    if _check_head(run, anchor, what) is not None:
        run.notes.append(f"{what}: entry #{anchor.seq} matches")
    _check_stamp(run, anchor, what)


def verify(session: Session, policy: Policy, anchors: Sequence[Anchor] = ()) -> Verification:
    """The whole verdict (module docstring)."""
    run = _Run(chain.walk(session), policy)
    if run.walk.broken_seq is not None:
        run.fail(run.walk.broken_seq, run.walk.problem)
    if policy.key_problem:
        run.fail(None, policy.key_problem)
    _judge_checkpoints(session, run)
    _check_start(run)
    _check_fresh(run, _check_seals(session, run))
    for anchor in anchors:
        _check_anchor(run, anchor)
    if policy.key is None and not policy.key_problem:
        run.notes.append(
            "not signed: no signing key configured ([employee_monitoring] signing_key_file)"
        )
    w = run.walk
    first = run.problems[0] if run.problems else (None, "")
    return Verification(
        ok=not run.problems,
        count=w.count,
        head_seq=w.head_seq,
        head_hash=w.head_hash,
        broken_seq=first[0],
        problem=first[1],
        problems=tuple(p for _, p in run.problems),
        notes=tuple(run.notes),
        stale=run.stale,
    )


def verify_settings(
    session: Session,
    settings: Settings,
    now: datetime,
    anchors: Sequence[Anchor] = (),
    public_key: str | None = None,
) -> Verification:
    """``verify`` with this installation's policy (pages, jobs, exports, the report)."""
    return verify(session, policy_for(settings, now, public_key), anchors)
