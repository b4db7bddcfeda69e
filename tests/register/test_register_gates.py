"""Hard gates of the §82 register: each refusal names its reason and writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from inventory.register import queries, service
from inventory.register.models import RegisterEntry
from inventory.register.state import load_state
from inventory.register.verification import Policy, verify
from itops.db.session import session_scope
from itops.errors import PermissionDenied, ValidationError
from tests.register.conftest import Office

REVOKED_AT = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def _count(office: Office) -> int:
    with session_scope(office.ctx.sessions) as db:
        return int(db.scalar(select(func.count()).select_from(RegisterEntry)) or 0)


def _refused(office: Office, gate: str, **kw: object) -> None:
    before = _count(office)
    with pytest.raises(service.GateRefused) as info:
        office.act(**kw)
    assert info.value.gate == gate
    assert _count(office) == before


def test_an_authorised_act_on_a_notified_employee_is_recorded(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    seq = office.act()
    with session_scope(office.ctx.sessions) as db:
        assert verify(db, Policy()).ok
        assert db.get(RegisterEntry, seq).kind == "act"  # type: ignore[union-attr]


def test_an_inspector_without_any_authorisation_is_refused(office: Office) -> None:
    office.notice(office.jan)
    _refused(office, "authorisation")


def test_an_expired_authorisation_is_refused(office: Office) -> None:
    office.grant(valid_to=date(2026, 11, 19))
    office.notice(office.jan)
    _refused(office, "authorisation")


def test_an_authorisation_not_yet_valid_is_refused(office: Office) -> None:
    office.grant(valid_from=date(2026, 11, 21))
    office.notice(office.jan)
    _refused(office, "authorisation")


def test_an_authorisation_recorded_after_the_act_started_is_refused(office: Office) -> None:
    office.grant(at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC), valid_from=date(2026, 11, 1))
    office.notice(office.jan)
    _refused(office, "authorisation")


def test_a_revoked_authorisation_is_refused(office: Office) -> None:
    seq = office.grant()
    office.notice(office.jan)
    with session_scope(office.ctx.sessions) as db:
        service.revoke(db, REVOKED_AT, office.admin, seq, "zmiana stanowiska")
    _refused(office, "authorisation")


def test_an_act_before_the_revocation_stays_valid(office: Office) -> None:
    seq = office.grant()
    office.notice(office.jan)
    with session_scope(office.ctx.sessions) as db:
        service.revoke(db, REVOKED_AT, office.admin, seq, "zmiana stanowiska")
    office.act(
        start=datetime(2026, 11, 9, 9, 0, tzinfo=UTC), end=datetime(2026, 11, 9, 9, 30, tzinfo=UTC)
    )


def test_an_act_against_an_employee_without_a_notice_is_refused(office: Office) -> None:
    office.grant()
    _refused(office, "notice")


def test_a_notice_received_on_the_day_of_the_act_is_not_prior(office: Office) -> None:
    office.grant()
    office.notice(office.jan, received_on=date(2026, 11, 20), at=office.clock.now())
    _refused(office, "notice")


def test_an_act_whose_scope_exceeds_the_authorisation_is_refused(office: Office) -> None:
    office.grant(scopes="computer_content")
    office.notice(office.jan)
    _refused(office, "scope", scopes="computer_content,work_email")


def test_a_purpose_outside_the_statute_is_refused(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    _refused(office, "purpose", purpose="curiosity")


def test_an_act_ending_before_it_starts_is_refused(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    _refused(
        office,
        "time",
        start=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        end=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )


def test_an_act_ending_in_the_future_is_refused(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    _refused(office, "time", end=datetime(2026, 11, 27, 9, 0, tzinfo=UTC))


def test_a_missing_justification_is_refused(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    with pytest.raises(ValidationError, match="justification is required"):
        office.act(justification="  ")


def test_content_beyond_the_metadata_bounds_is_refused(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    with pytest.raises(ValidationError, match="metadata only"):
        office.act(outcome="Treść wiadomości: " + "x" * 5000)
    assert _count(office) == 2


def test_only_a_monitoring_officer_may_record_an_act(office: Office) -> None:
    office.notice(office.jan)
    for login in (office.admin, office.auditor, office.it, "nikt"):
        with pytest.raises(PermissionDenied):
            office.act(inspector=login)


def test_only_an_admin_may_grant_an_authorisation(office: Office) -> None:
    for login in (office.officer, office.auditor, office.it):
        with session_scope(office.ctx.sessions) as db, pytest.raises(PermissionDenied):
            service.grant(
                db, office.clock.now(), login, office.officer, "work_email", date(2026, 11, 1)
            )


def test_only_a_monitoring_officer_can_be_authorised(office: Office) -> None:
    with session_scope(office.ctx.sessions) as db, pytest.raises(ValidationError, match="role"):
        service.grant(
            db, office.clock.now(), office.admin, office.it, "work_email", date(2026, 11, 1)
        )


def test_an_auditor_may_not_record_a_notice(office: Office) -> None:
    with session_scope(office.ctx.sessions) as db, pytest.raises(PermissionDenied):
        service.record_notice(
            db, office.clock.now(), office.auditor, office.jan, date(2026, 10, 1), "Regulamin 2026"
        )


def test_a_correction_is_a_new_entry_referencing_the_corrected_one(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    first = office.act()
    with session_scope(office.ctx.sessions) as db:
        fixed = service.record_act(
            db,
            office.clock.now(),
            office.tz,
            office.officer,
            office.act_input(outcome="Stwierdzono wydruki prywatne (dane testowe)."),
            corrects=first,
            reason="błędnie wpisany wynik",
        )
        assert fixed.corrects_seq == first
        state = load_state(db)
        assert db.get(RegisterEntry, first).outcome == "Nie stwierdzono nieprawidłowości."  # type: ignore[union-attr]
        assert state.acts[first].seq == fixed.seq
        assert list(state.acts) == [first]


def test_an_already_corrected_entry_cannot_be_corrected_again(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    first = office.act()
    with session_scope(office.ctx.sessions) as db:
        service.record_act(
            db,
            office.clock.now(),
            office.tz,
            office.officer,
            office.act_input(),
            corrects=first,
            reason="poprawka",
        )
    with session_scope(office.ctx.sessions) as db, pytest.raises(ValidationError, match="already"):
        service.record_act(
            db,
            office.clock.now(),
            office.tz,
            office.officer,
            office.act_input(),
            corrects=first,
            reason="druga poprawka",
        )


def test_notices_missing_lists_only_employees_without_one(office: Office) -> None:
    office.notice(office.jan)
    with session_scope(office.ctx.sessions) as db:
        rows = queries.employee_notices(db, date(2026, 11, 26))
    missing = [r.code for r in rows if r.received_on is None]
    assert missing == [office.anna]
