"""Issue 14's attacks on the §82 register, each against a real database on both engines.

The attacker's SQL connection is a real PostgreSQL role with SELECT, INSERT and DELETE on
every table (the role the issue used), or on SQLite the database file itself; the
"owner" may also drop triggers. Every attack must be refused by the database or caught
by ``verify`` (with the office's key file and an anchor taken before the attack).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from itops.db.session import make_engine
from tests.register import attacks
from tests.register.conftest import Office


@pytest.fixture
def sql_role(signed: Office) -> Iterator[Engine]:
    """An engine of an attacker who may SELECT, INSERT and DELETE but own nothing."""
    owner = signed.ctx.engine
    if owner.dialect.name == "sqlite":
        engine = make_engine(owner.url.render_as_string(hide_password=False))
        yield engine
        engine.dispose()
        return
    role = f"attacker_{uuid.uuid4().hex[:10]}"
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
        conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    engine = make_engine(
        make_url(owner.url).set(username=role).render_as_string(hide_password=False)
    )
    yield engine
    engine.dispose()
    with owner.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {role}"))
        conn.execute(text(f"DROP ROLE {role}"))


@pytest.fixture
def scene(signed: Office, sql_role: Engine) -> attacks.Scene:
    seeded = attacks.seed(signed)
    seeded.sql = sql_role
    assert seeded.verify([seeded.anchor]).ok, seeded.verify([seeded.anchor]).describe()
    return seeded


def _run(
    scene: attacks.Scene, attack: Callable[[attacks.Scene], list[attacks.Outcome]]
) -> list[attacks.Outcome]:
    outcomes = attack(scene)
    for o in outcomes:
        assert o.stopped, o.line()
    return outcomes


def test_a_forged_checkpoint_cannot_wipe_the_register(scene: attacks.Scene) -> None:
    by_role, by_owner = _run(scene, attacks.wipe_under_forged_checkpoint)
    assert "append-only" in by_role.refused
    assert by_owner.refused == "" and by_owner.caught
    assert any(
        "checkpoint #7: its signature does not match" in p for p in by_owner.verdict.problems
    ), by_owner.verdict.describe()
    assert any(
        "anchor" in p and "neither in the register nor covered" in p
        for p in by_owner.verdict.problems
    )


def test_an_authorisation_in_force_cannot_be_deleted_under_a_forged_checkpoint(
    scene: attacks.Scene,
) -> None:
    by_role, by_owner = _run(scene, attacks.delete_authorisation_in_force)
    assert "append-only" in by_role.refused and by_role.verdict.ok
    assert by_owner.caught and "entries #1–#2 are missing" in by_owner.verdict.describe()


def test_a_prune_the_law_allows_still_fails_verify_without_our_signature(
    scene: attacks.Scene,
) -> None:
    (outcome,) = _run(scene, attacks.lawful_looking_forged_prune)
    assert outcome.refused == ""  # the database cannot check Ed25519: verify does
    assert "checkpoint #7: its signature does not match" in outcome.verdict.problem


def test_an_unsigned_checkpoint_is_refused_by_the_database_and_by_verify(
    scene: attacks.Scene,
) -> None:
    by_role, by_owner = _run(scene, attacks.unsigned_checkpoint)
    assert "append-only" in by_role.refused
    assert any("checkpoint #7: it is unsigned" in p for p in by_owner.verdict.problems)


def test_a_checkpoint_signed_with_another_key_fails_verify(scene: attacks.Scene) -> None:
    (outcome,) = _run(scene, attacks.wrong_key_checkpoint)
    assert outcome.refused == ""
    assert "signed by another key" in outcome.verdict.problem


def test_rewriting_the_newest_entries_with_recomputed_hashes_fails_verify(
    scene: attacks.Scene,
) -> None:
    rewritten, seals_deleted, no_anchor = _run(scene, attacks.rewrite_newest_with_hashes)
    assert rewritten.refused == "" and "signed head" in rewritten.verdict.problem
    assert "another hash" in rewritten.verdict.problem
    assert seals_deleted.refused == ""
    assert any("anchor" in p and "another hash" in p for p in seals_deleted.verdict.problems)
    assert "no signed head covers them" in no_anchor.verdict.problem


def test_cutting_the_newest_entries_fails_verify(scene: attacks.Scene) -> None:
    (outcome,) = _run(scene, attacks.cut_the_tail)
    assert "cut off" in outcome.verdict.problem
