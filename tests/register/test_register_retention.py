"""Retention: old entries no longer in force are pruned under a signed checkpoint; the
chain still verifies, entries still needed by the gates stay, and tampering is still
caught. Every office here signs its register (the ``signed`` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from inventory.register import anchors, retention, seals, verification
from inventory.register.models import RegisterEntry
from itops.db.models import Employee
from itops.db.session import session_scope
from tests.register.conftest import T0, Office

OLD = datetime(2015, 3, 2, 8, 0, tzinfo=UTC)  # recorded long before a 10-year cut


def _seqs(office: Office) -> list[int]:
    with session_scope(office.ctx.sessions) as db:
        return list(db.scalars(select(RegisterEntry.seq).order_by(RegisterEntry.seq)))


def _prune(office: Office, actor: str | None = None, **kw: object) -> retention.PruneResult:
    return office.prune(actor, **kw)


def _verify(office: Office, anchor: anchors.Anchor | None = None) -> verification.Verification:
    """Verify as the daemon would after its periodic signature of the head."""
    office.seal()
    return office.verify([anchor] if anchor else [])


@pytest.fixture
def aged(signed: Office) -> Office:
    """#1 an authorisation of 2015 that expired in 2015, #2 a notice of 2015 for Anna who
    left in 2015, #3 an act of 2015, then #4 a current authorisation and #5 a notice."""
    office = signed
    office.grant(at=OLD, valid_from=date(2015, 3, 1), valid_to=date(2015, 12, 31))
    with session_scope(office.ctx.sessions) as db:
        anna = db.scalar(select(Employee).where(Employee.code == office.anna))
        assert anna is not None
        anna.hired_on, anna.left_on = date(2015, 1, 1), date(2015, 12, 31)
    office.notice(office.anna, received_on=date(2015, 1, 1), at=OLD)
    _old_act(office)
    office.grant()
    office.notice(office.jan)
    return office


def _old_act(office: Office) -> None:
    """An act recorded in 2015 (the clock moved back for it)."""
    saved = office.clock.now()
    office.clock.set(OLD + timedelta(days=2))  # type: ignore[attr-defined]
    try:
        office.act(
            employee=office.anna,
            start=OLD + timedelta(days=1),
            end=OLD + timedelta(days=1, hours=1),
        )
    finally:
        office.clock.set(saved)  # type: ignore[attr-defined]


def test_old_finished_entries_are_pruned_and_the_chain_still_verifies(aged: Office) -> None:
    before = _verify(aged)
    result = _prune(aged)
    assert (result.through_seq, result.count, result.checkpoint_seq) == (3, 3, 6)
    assert _seqs(aged) == [4, 5, 6]
    after = _verify(aged)
    assert after.ok, after.describe()
    assert after.head_seq == 6 and before.head_seq == 5


def test_the_checkpoint_records_the_pruned_head_hash(aged: Office) -> None:
    with session_scope(aged.ctx.sessions) as db:
        third = db.get(RegisterEntry, 3)
        assert third is not None
        expected = third.hash
    _prune(aged)
    with session_scope(aged.ctx.sessions) as db:
        checkpoint = db.get(RegisterEntry, 6)
        fourth = db.get(RegisterEntry, 4)
        assert checkpoint is not None and fourth is not None
        assert checkpoint.kind == "checkpoint" and checkpoint.ref_seq == 3
        assert expected in (checkpoint.reason or "") and fourth.prev_hash == expected


def test_entries_within_the_retention_period_are_kept(signed: Office) -> None:
    office = signed
    office.grant(valid_to=date(2026, 11, 15))
    office.notice(office.jan)
    result = _prune(office)
    assert result.count == 0 and _seqs(office) == [1, 2]


def test_a_notice_of_an_employee_still_working_stops_pruning(signed: Office) -> None:
    office = signed
    office.notice(office.jan, received_on=date(2015, 1, 1), at=OLD)
    office.grant(at=OLD, valid_from=date(2015, 3, 1), valid_to=date(2015, 12, 31))
    result = _prune(office)
    assert result.count == 0 and result.stopped_at == 1
    assert "had not left" in result.reason
    assert _seqs(office) == [1, 2]


def test_an_authorisation_still_in_force_is_never_pruned(signed: Office) -> None:
    office = signed
    office.grant(at=OLD, valid_from=date(2015, 3, 1))
    assert _prune(office).count == 0 and _seqs(office) == [1]


def test_the_year_of_the_annual_report_is_kept_even_with_the_shortest_retention(
    office: Office,
) -> None:
    settings = office.ctx.settings.model_copy(
        update={
            "employee_monitoring": office.ctx.settings.employee_monitoring.model_copy(
                update={"retention_years": 2}
            )
        }
    )
    # 2026: 2024 and 2025 (the annual report's year) are kept.
    assert retention.cutoff_day(settings, office.clock.now()) == date(2024, 1, 1)


def test_dry_run_changes_nothing(aged: Office) -> None:
    result = _prune(aged, dry_run=True)
    assert result.count == 3 and result.checkpoint_seq is None
    assert _seqs(aged) == [1, 2, 3, 4, 5]


def test_a_row_not_covered_by_a_checkpoint_still_cannot_be_deleted(aged: Office) -> None:
    _prune(aged)
    with pytest.raises(DBAPIError, match="append-only"):
        with aged.ctx.engine.begin() as conn:
            conn.execute(text("DELETE FROM register_entry WHERE seq = 4"))
    with pytest.raises(DBAPIError, match="append-only"):
        with aged.ctx.engine.begin() as conn:
            conn.execute(text("UPDATE register_entry SET reason = 'x' WHERE seq = 6"))


def test_deleting_the_first_kept_entry_after_a_prune_is_caught(aged: Office) -> None:
    _prune(aged)
    with aged.ctx.engine.begin() as conn:
        if aged.ctx.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER register_entry_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER register_entry_append_only ON register_entry"))
        conn.execute(text("DELETE FROM register_entry WHERE seq = 4"))
    result = _verify(aged)
    assert not result.ok and result.broken_seq == 5


def test_without_a_checkpoint_a_missing_first_entry_is_caught(aged: Office) -> None:
    with aged.ctx.engine.begin() as conn:
        if aged.ctx.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER register_entry_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER register_entry_append_only ON register_entry"))
        conn.execute(text("DELETE FROM register_entry WHERE seq <= 3"))
    result = _verify(aged)
    assert not result.ok and result.broken_seq == 4


def test_an_anchor_taken_before_the_prune_still_verifies(aged: Office) -> None:
    with session_scope(aged.ctx.sessions) as db:
        anchor = seals.current(db, T0)
    assert anchor is not None and anchor.seq == 5
    _prune(aged)
    assert _verify(aged, anchor).ok


def test_the_daemon_prunes_daily_only_when_configured(aged: Office) -> None:
    from inventory.register.jobs import prune_job
    from inventory.register.plugin import _jobs

    assert "register-prune" not in [j.id for j in _jobs(aged.ctx, None)]
    aged.configure(prune=True)
    jobs = {j.id: j for j in _jobs(aged.ctx, None)}
    assert jobs["register-prune"].seconds == 86400
    prune_job(aged.ctx)
    assert _seqs(aged) == [4, 5, 6] and _verify(aged).ok
