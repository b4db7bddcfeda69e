"""The database refuses a prune the service would refuse, whatever checkpoint it is shown.

The DELETE trigger cannot check a signature, so these checkpoints are forged with the
facts an attacker would choose; the trigger judges each deleted row against them and
against the database's own clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, update

from inventory.register.models import RegisterEntry
from itops.db.models import Employee
from itops.db.session import session_scope
from tests.register import attacks
from tests.register.attacks import OLD
from tests.register.conftest import Office


def _scene(office: Office) -> attacks.Scene:
    return attacks.Scene(
        sql=office.ctx.engine,
        owner=office.ctx.engine,
        verify=office.verify,
        anchor=None,  # type: ignore[arg-type]
        now=office.clock.now(),
        key_id="0" * 64,
    )


def _delete_under_forgery(office: Office, through: int, **forged: object) -> str:
    """Forge a checkpoint over 1..through, then delete them as a prune does (revocations
    last, as the trigger wants to see them beside their authorisation)."""
    scene = _scene(office)
    first = delete(RegisterEntry).where(
        RegisterEntry.seq <= through, RegisterEntry.kind != "revocation"
    )
    return scene.run(
        scene.sql,
        *scene.forged_checkpoint(through, **forged),  # type: ignore[arg-type]
        first,
        attacks._delete(through),
    )


def _expired_2015(office: Office) -> None:
    office.grant(at=OLD, valid_from=date(2015, 3, 1), valid_to=date(2015, 12, 31))


def test_an_expired_old_authorisation_may_go_under_a_checkpoint_with_lawful_dates(
    office: Office,
) -> None:
    _expired_2015(office)
    office.grant()
    assert _delete_under_forgery(office, 1) == ""


def test_a_cut_later_than_the_database_clock_allows_is_refused(office: Office) -> None:
    _expired_2015(office)
    office.grant()
    this_year = datetime.now(UTC).year
    refused = _delete_under_forgery(office, 1, cut_day=date(this_year - 9, 1, 1))
    assert "append-only" in refused


def test_a_retention_under_two_years_is_refused(office: Office) -> None:
    _expired_2015(office)
    office.grant()
    assert "append-only" in _delete_under_forgery(office, 1, retention_years=1)


def test_an_entry_recorded_after_the_cut_is_refused(office: Office) -> None:
    office.grant(valid_from=date(2026, 11, 1), valid_to=date(2026, 11, 3))  # expired, but new
    office.grant()
    assert "append-only" in _delete_under_forgery(office, 1, cut_day=date(2016, 1, 1))


def test_a_revoked_authorisation_goes_only_if_revoked_before_the_cut(office: Office) -> None:
    from inventory.register import service

    office.grant(at=OLD, valid_from=date(2015, 3, 1))
    with session_scope(office.ctx.sessions) as db:
        service.revoke(db, OLD + timedelta(days=5), office.admin, 1, "koniec zadania")
    office.grant()
    assert _delete_under_forgery(office, 2) == ""


def test_an_authorisation_revoked_only_this_year_is_refused(office: Office) -> None:
    from inventory.register import service

    office.grant(at=OLD, valid_from=date(2015, 3, 1))
    office.grant()
    with session_scope(office.ctx.sessions) as db:
        service.revoke(db, office.clock.now(), office.admin, 1, "koniec zadania")
    assert "append-only" in _delete_under_forgery(office, 1)


def test_a_notice_goes_only_when_the_employee_left_before_the_cut(office: Office) -> None:
    office.notice(office.jan, received_on=date(2015, 1, 1), at=OLD)
    office.grant()
    assert "append-only" in _delete_under_forgery(office, 1)  # Jan still works here
    with session_scope(office.ctx.sessions) as db:
        db.execute(
            update(Employee).where(Employee.code == office.jan).values(left_on=date(2015, 6, 30))
        )
    assert _delete_under_forgery(office, 1) == ""


def _old_act(office: Office) -> int:
    """#1 an authorisation of 2015, #2 one of 2026, #3 a notice of 2015, #4 an act of 2015."""
    office.grant(at=OLD, valid_from=date(2015, 3, 1), valid_to=date(2015, 12, 31))
    office.grant()
    office.notice(office.jan, received_on=date(2015, 1, 1), at=OLD)
    saved = office.clock.now()
    office.clock.set(OLD + timedelta(days=2))  # type: ignore[attr-defined]
    act = office.act(start=OLD + timedelta(days=1), end=OLD + timedelta(days=1, hours=1))
    office.clock.set(saved)  # type: ignore[attr-defined]
    return act


def _delete_act(office: Office, act: int) -> str:
    scene = _scene(office)
    return scene.run(
        scene.sql,
        *scene.forged_checkpoint(act),
        delete(RegisterEntry).where(RegisterEntry.seq == act),
    )


def test_an_old_act_that_ended_before_the_cut_may_go(office: Office) -> None:
    assert _delete_act(office, _old_act(office)) == ""


def test_an_old_act_corrected_to_end_after_the_cut_is_refused(office: Office) -> None:
    from inventory.register import service

    act = _old_act(office)
    with session_scope(office.ctx.sessions) as db:
        service.record_act(
            db,
            office.clock.now(),
            office.tz,
            office.officer,
            office.act_input(),
            corrects=act,
            reason="błędne daty (test)",
        )
    assert "append-only" in _delete_act(office, act)
