"""The attacks of issue 14 on the §82 register, run the way an attacker with SQL runs them.

Each attack is a function on a ``Scene``: a signed office register with a signed head
and an anchor kept "elsewhere" (in memory here), an ``sql`` connection of an attacker
who may SELECT, INSERT and DELETE but not change the schema (PostgreSQL: a real role with
exactly those privileges; SQLite: the database file, whose triggers stay) and an
``owner`` connection that may also drop the triggers. The attacker knows all of the
public code (canonical form, hashes, the checkpoint format) but not the signing key.

An attack returns an ``Outcome``: what the database refused, and what ``verify`` (with the
office's real key file and the earlier anchor) reported. Used by
``tests/register/test_register_attacks.py`` and ``bench/register_attacks.py``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from inventory.register import chain, checkpoints
from inventory.register.anchors import Anchor
from inventory.register.models import RegisterCheckpoint, RegisterEntry
from inventory.register.signing import SigningKey
from inventory.register.verification import Verification

if TYPE_CHECKING:
    from tests.register.conftest import Office

OLD = datetime(2015, 3, 2, 8, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Warsaw")

DROP_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER register_entry_no_update",
        "DROP TRIGGER register_entry_no_delete",
        "DROP TRIGGER register_seal_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER register_entry_append_only ON register_entry",
        "DROP TRIGGER register_seal_append_only ON register_seal",
    ],
}


@dataclass(frozen=True)
class Outcome:
    name: str
    refused: str  # the database's refusal, "" when it let the attacker through
    verdict: Verification

    @property
    def caught(self) -> bool:
        return not self.verdict.ok

    @property
    def stopped(self) -> bool:
        return bool(self.refused) or self.caught

    def line(self) -> str:
        db = f"database refused ({self.refused[:70]})" if self.refused else "database let it"
        found = f"verify: {self.verdict.problem[:90]}" if self.caught else "verify PASSED"
        return f"{self.name}: {db}; {found}"


@dataclass
class Scene:
    """The office under attack (see the module docstring)."""

    sql: Engine
    owner: Engine
    verify: Callable[[list[Anchor]], Verification]
    anchor: Anchor  # taken by the office before the attack and kept off the machine
    now: datetime
    key_id: str  # the register's public key id: printed in every report, so known

    def run(self, engine: Engine, *statements: Any) -> str:
        """Execute in one transaction; the database's error text, or "" if it committed."""
        try:
            with engine.begin() as conn:
                for statement in statements:
                    conn.execute(text(statement) if isinstance(statement, str) else statement)
        except DBAPIError as exc:
            return str(exc.orig).strip().splitlines()[0]
        return ""

    def drop_triggers(self) -> None:
        assert self.run(self.owner, *DROP_TRIGGERS[self.owner.dialect.name]) == ""

    def rows(self) -> list[RegisterEntry]:
        with self.owner.connect() as conn:
            return [
                RegisterEntry(**dict(r._mapping))
                for r in conn.execute(select(RegisterEntry.__table__).order_by("seq"))
            ]

    def outcome(self, name: str, refused: str) -> Outcome:
        return Outcome(name, refused, self.verify([self.anchor]))

    def forged_checkpoint(
        self,
        through: int,
        key: SigningKey | None = None,
        cut_day: date = date(2016, 1, 1),
        signature: str | None = None,
        retention_years: int = 10,
    ) -> list[Any]:
        """INSERTs of a checkpoint entry naming entry ``through`` and its "signed" facts.

        With ``key`` the facts are consistent, lawful-looking and really signed (by
        that key); without, the signature is ``signature`` or 64 random-looking bytes.
        """
        rows = self.rows()
        head = rows[-1]
        pruned = next(r for r in rows if r.seq == through)
        cut_at = datetime.combine(cut_day, time(0), tzinfo=TZ).astimezone(UTC)
        facts: dict[str, Any] = {
            "v": 1,
            "checkpoint_seq": head.seq + 1,
            "first_seq": rows[0].seq,
            "through_seq": through,
            "through_hash": pruned.hash,
            "count": through - rows[0].seq + 1,
            "cut_day": cut_day.isoformat(),
            "cut_at": chain.utc_text(cut_at),
            "retention_years": retention_years,
            "timezone": "Europe/Warsaw",
            "pruned_at": chain.utc_text(self.now),
            "newest_recorded_at": chain.utc_text(OLD),
            "in_force_until": None,
            "left_on": {},
        }
        entry = RegisterEntry(
            seq=head.seq + 1,
            kind=chain.CHECKPOINT,
            recorded_at=self.now,
            recorded_by="itops",
            ref_seq=through,
            prev_hash=head.hash,
            reason=checkpoints.entry_reason(facts),
        )
        entry.hash = chain.entry_hash(entry)
        if key is not None:
            row = checkpoints.signed_row(entry, facts, key)
        else:
            row = checkpoints.signed_row(entry, facts, SigningKey(Ed25519PrivateKey.generate()))
            row.key_id = self.key_id
            row.signature = signature or base64.b64encode(b"\x01" * 64).decode()
        return [
            insert(RegisterEntry.__table__).values(_values(entry, RegisterEntry)),
            insert(RegisterCheckpoint.__table__).values(_values(row, RegisterCheckpoint)),
        ]


def _values(obj: object, model: type) -> dict[str, Any]:
    return {c.name: getattr(obj, c.name) for c in model.__table__.columns}  # type: ignore[attr-defined]


def _delete(through: int) -> Any:
    """``DELETE FROM register_entry WHERE seq <= :through`` (plain SQL, no trigger skipped)."""
    return delete(RegisterEntry.__table__).where(RegisterEntry.seq <= through)


# --- the attacks ----------------------------------------------------------------------


def wipe_under_forged_checkpoint(scene: Scene) -> list[Outcome]:
    """Issue 14: forge a checkpoint over the head, delete every entry (this year's too)."""
    head = scene.rows()[-1].seq
    refused = scene.run(scene.sql, *scene.forged_checkpoint(head), _delete(head))
    first = scene.outcome("forged checkpoint + delete everything (SQL role)", refused)
    scene.drop_triggers()
    refused = scene.run(scene.owner, *scene.forged_checkpoint(head), _delete(head))
    return [
        first,
        scene.outcome("forged checkpoint + delete everything (owner, no triggers)", refused),
    ]


def delete_authorisation_in_force(scene: Scene) -> list[Outcome]:
    """Forge a checkpoint over #1 and #2 (#2: an authorisation of 2015 still in force)."""
    refused = scene.run(scene.sql, *scene.forged_checkpoint(2), _delete(2))
    first = scene.outcome("delete an authorisation still in force (SQL role)", refused)
    scene.drop_triggers()
    refused = scene.run(scene.owner, *scene.forged_checkpoint(2), _delete(2))
    return [first, scene.outcome("delete an authorisation still in force (owner)", refused)]


def lawful_looking_forged_prune(scene: Scene) -> list[Outcome]:
    """Delete #1 (expired in 2015: the law allows it) under an unsigned-by-us checkpoint."""
    refused = scene.run(scene.sql, *scene.forged_checkpoint(1), _delete(1))
    return [scene.outcome("lawful dates, forged signature (SQL role)", refused)]


def unsigned_checkpoint(scene: Scene) -> list[Outcome]:
    """A checkpoint entry as before signing existed (no signed facts), then the DELETE."""
    statements = scene.forged_checkpoint(1)[:1]  # the entry only
    refused = scene.run(scene.sql, *statements, _delete(1))
    first = scene.outcome("unsigned checkpoint (SQL role)", refused)
    scene.drop_triggers()
    refused = scene.run(scene.owner, *statements, _delete(1))
    return [first, scene.outcome("unsigned checkpoint (owner)", refused)]


def wrong_key_checkpoint(scene: Scene) -> list[Outcome]:
    """Consistent, lawful facts really signed, but with the attacker's own key."""
    theirs = SigningKey(Ed25519PrivateKey.generate())
    refused = scene.run(scene.sql, *scene.forged_checkpoint(1, key=theirs), _delete(1))
    return [scene.outcome("checkpoint signed with a wrong key (SQL role)", refused)]


def rewrite_newest_with_hashes(scene: Scene) -> list[Outcome]:
    """Rewrite the newest entries and recompute every hash after them (owner)."""
    scene.drop_triggers()
    rows = scene.rows()
    statements: list[Any] = []
    prev = next(r.hash for r in rows if r.seq == rows[-2].seq - 1)
    for entry in rows[-2:]:
        if entry.kind == "act":
            entry.outcome = "Wynik zmieniony przez atakującego."
        entry.prev_hash = prev
        entry.hash = chain.entry_hash(entry)
        prev = entry.hash
        statements.append(
            update(RegisterEntry.__table__)
            .where(RegisterEntry.seq == entry.seq)
            .values(outcome=entry.outcome, prev_hash=entry.prev_hash, hash=entry.hash)
        )
    refused = scene.run(scene.owner, *statements)
    first = scene.outcome("rewrite the newest entries, hashes recomputed (owner)", refused)
    refused = scene.run(scene.owner, "DELETE FROM register_seal")
    verdict = scene.verify([])  # without the anchor kept elsewhere
    return [
        first,
        scene.outcome("… and delete the signed heads (owner)", refused),
        Outcome("… and no anchor at hand (owner)", refused, verdict),
    ]


def cut_the_tail(scene: Scene) -> list[Outcome]:
    """Delete the newest entries (owner): the chain alone still links."""
    scene.drop_triggers()
    head = scene.rows()[-1].seq
    refused = scene.run(
        scene.owner, delete(RegisterEntry.__table__).where(RegisterEntry.seq >= head - 1)
    )
    return [scene.outcome("cut the newest entries (owner)", refused)]


ATTACKS: tuple[Callable[[Scene], list[Outcome]], ...] = (
    wipe_under_forged_checkpoint,
    delete_authorisation_in_force,
    lawful_looking_forged_prune,
    unsigned_checkpoint,
    wrong_key_checkpoint,
    rewrite_newest_with_hashes,
    cut_the_tail,
)


def seed(office: Office) -> Scene:
    """The register under attack, then a signed head and an anchor of it.

    #1 an authorisation of 2015 that expired in 2015 (the law allows pruning it),
    #2 an authorisation of 2015 still in force, #3 one of 2026, #4 and #5 notices,
    #6 an act; the head is signed, and three hours pass before the attack.
    """
    office.grant(at=OLD, valid_from=date(2015, 3, 1), valid_to=date(2015, 12, 31))
    office.grant(at=OLD, valid_from=date(2015, 3, 1))
    office.grant()
    office.notice(office.jan)
    office.notice(office.anna)
    office.act()
    anchor = office.seal()
    assert anchor is not None
    office.clock.set(office.clock.now() + timedelta(hours=3))  # type: ignore[attr-defined]
    return Scene(
        sql=office.ctx.engine,
        owner=office.ctx.engine,
        verify=office.verify,
        anchor=anchor,
        now=office.clock.now(),
        key_id=office.key.public.key_id,
    )
