"""Tamper evidence: hash chain, anchors, append-only triggers, serialised appends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from inventory.register import anchors, chain, queries, seals, service, verification
from inventory.register.models import RegisterEntry, RegisterRead
from itops.db.session import session_scope
from tests.register.conftest import T0, Office

TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER register_entry_no_update",
        "DROP TRIGGER register_entry_no_delete",
    ],
    "postgresql": ["DROP TRIGGER register_entry_append_only ON register_entry"],
}


def _raw(engine: Engine, *statements: str) -> None:
    """Tamper with the database the way an attacker with SQL access would."""
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _drop_triggers(engine: Engine) -> None:
    _raw(engine, *TRIGGERS[engine.dialect.name])


@pytest.fixture
def filled(office: Office) -> Iterator[Office]:
    """Five entries: authorisation, two notices, two acts."""
    office.grant()
    office.notice(office.jan)
    office.notice(office.anna)
    office.act()
    office.act(employee=office.anna, resource="skrzynka anna.test@example.invalid")
    yield office


def _verify(office: Office, anchor: anchors.Anchor | None = None) -> verification.Verification:
    with session_scope(office.ctx.sessions) as db:
        policy = verification.Policy(now=office.clock.now())
        return verification.verify(db, policy, [anchor] if anchor else [])


def test_an_intact_register_verifies_with_its_head_hash(filled: Office) -> None:
    result = _verify(filled)
    with session_scope(filled.ctx.sessions) as db:
        head = db.get(RegisterEntry, 5)
        assert head is not None
        assert result.ok and result.head_seq == 5 and result.head_hash == head.hash
        assert head.hash == chain.entry_hash(head)


def test_the_canonical_form_is_sorted_json_with_utc_times(filled: Office) -> None:
    with session_scope(filled.ctx.sessions) as db:
        entry = db.get(RegisterEntry, 1)
        assert entry is not None
        form = chain.canonical(entry).decode()
    assert form == (
        '{"corrects_seq":null,"employee_id":null,"end":null,"inspector":null,'
        '"justification":null,"kind":"authorisation","outcome":null,"policy_version":null,'
        '"prev_hash":"' + "0" * 64 + '","purpose":null,"reason":null,"received_on":null,'
        '"recorded_at":"2026-11-02T08:00:00.000000Z","recorded_by":"adam.admin",'
        '"ref_seq":null,"resource":null,"scopes":"computer_content,work_email","seq":1,'
        '"start":null,"subject_login":"marek.monitor","valid_from":"2026-11-01",'
        '"valid_to":null}'
    )


def test_the_app_cannot_update_a_register_row(filled: Office) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with session_scope(filled.ctx.sessions) as db:
            entry = db.get(RegisterEntry, 4)
            assert entry is not None
            entry.outcome = "zmieniony wynik"
    assert _verify(filled).ok


def test_the_app_cannot_delete_a_register_row(filled: Office) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with session_scope(filled.ctx.sessions) as db:
            db.delete(db.get(RegisterEntry, 5))
    assert _verify(filled).ok


def test_raw_sql_cannot_update_or_delete_while_the_triggers_stand(filled: Office) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(filled.ctx.engine, "UPDATE register_entry SET outcome = 'x' WHERE seq = 4")
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(filled.ctx.engine, "DELETE FROM register_entry")


def test_the_read_log_is_append_only_too(filled: Office) -> None:
    with session_scope(filled.ctx.sessions) as db:
        queries.log_read(db, T0, filled.auditor, "cli", "list")
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(filled.ctx.engine, "DELETE FROM register_read_log")
    with session_scope(filled.ctx.sessions) as db:
        assert db.query(RegisterRead).count() == 1


def test_verify_catches_a_field_edited_with_raw_sql(filled: Office) -> None:
    _drop_triggers(filled.ctx.engine)
    _raw(filled.ctx.engine, "UPDATE register_entry SET outcome = 'wynik zmieniony' WHERE seq = 4")
    result = _verify(filled)
    assert not result.ok and result.broken_seq == 4
    assert "altered" in result.problem


def test_verify_catches_an_edit_with_a_recomputed_hash_at_the_next_entry(filled: Office) -> None:
    _drop_triggers(filled.ctx.engine)
    with session_scope(filled.ctx.sessions) as db:
        entry = db.get(RegisterEntry, 3)
        assert entry is not None
        entry.received_on = date(2026, 1, 1)
        forged = chain.entry_hash(entry)
    with filled.ctx.engine.begin() as conn:
        conn.execute(
            text("UPDATE register_entry SET received_on = :d, hash = :h WHERE seq = 3"),
            {"d": date(2026, 1, 1), "h": forged},
        )
    result = _verify(filled)
    assert not result.ok and result.broken_seq == 4


def test_verify_catches_a_deleted_middle_row(filled: Office) -> None:
    _drop_triggers(filled.ctx.engine)
    _raw(filled.ctx.engine, "DELETE FROM register_entry WHERE seq = 3")
    result = _verify(filled)
    assert not result.ok and result.broken_seq == 4
    assert "missing" in result.problem


def test_verify_catches_reordered_rows(filled: Office) -> None:
    _drop_triggers(filled.ctx.engine)
    _raw(
        filled.ctx.engine,
        "UPDATE register_entry SET seq = 100 WHERE seq = 2",
        "UPDATE register_entry SET seq = 2 WHERE seq = 3",
        "UPDATE register_entry SET seq = 3 WHERE seq = 100",
    )
    result = _verify(filled)
    assert not result.ok and result.broken_seq == 2


def test_a_truncated_tail_passes_the_chain_but_not_the_anchor(
    filled: Office, tmp_path: Path
) -> None:
    path = tmp_path / "anchor.json"
    with session_scope(filled.ctx.sessions) as db:
        anchor = seals.current(db, filled.clock.now(), "Urząd Testowy")
    assert anchor is not None
    anchors.write(path, anchor)
    _drop_triggers(filled.ctx.engine)
    _raw(filled.ctx.engine, "DELETE FROM register_entry WHERE seq >= 4")
    assert _verify(filled).ok
    result = _verify(filled, anchors.load(str(path)))
    assert not result.ok and result.broken_seq == 5
    assert "cut off" in result.problem


def test_an_anchor_of_the_intact_register_verifies(filled: Office, tmp_path: Path) -> None:
    path = tmp_path / "anchor.json"
    with session_scope(filled.ctx.sessions) as db:
        anchor = seals.current(db, filled.clock.now())
    assert anchor is not None
    anchors.write(path, anchor)
    filled.act()
    assert _verify(filled, anchors.load(str(path))).ok


def test_a_rewritten_register_does_not_match_its_anchor(filled: Office, tmp_path: Path) -> None:
    path = tmp_path / "anchor.json"
    with session_scope(filled.ctx.sessions) as db:
        anchor = seals.current(db, filled.clock.now())
    assert anchor is not None
    anchors.write(path, anchor)
    _drop_triggers(filled.ctx.engine)
    _raw(filled.ctx.engine, "DELETE FROM register_entry WHERE seq = 5")
    filled.act(resource="INV-TEST-0099")  # a new entry #5 replaces the cut one
    result = _verify(filled, anchors.load(str(path)))
    assert not result.ok and "rewritten" in result.problem


def test_concurrent_acts_never_fork_the_chain(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def record(n: int) -> None:
        try:
            barrier.wait()
            for i in range(3):
                office.act(resource=f"INV-TEST-{n:02d}{i:02d}")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = _verify(office)
    assert result.ok and result.count == 2 + 12 and result.head_seq == 14


def test_revoking_twice_is_refused(office: Office) -> None:
    seq = office.grant()
    when = datetime(2026, 11, 3, tzinfo=UTC)
    with session_scope(office.ctx.sessions) as db:
        service.revoke(db, when, office.admin, seq, "koniec zadania")
    with session_scope(office.ctx.sessions) as db, pytest.raises(Exception, match="already"):
        service.revoke(db, when, office.admin, seq, "koniec zadania")


def test_emptying_the_whole_register_is_refused(filled: Office) -> None:
    """PostgreSQL's TRUNCATE bypasses row triggers, so it has a statement trigger."""
    pg = filled.ctx.engine.dialect.name == "postgresql"
    statement = "TRUNCATE register_entry" if pg else "DELETE FROM register_entry"
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(filled.ctx.engine, statement)
    assert _verify(filled).count == 5
