"""The §82 notice date has one source, the register's notice entries (issue 13).

``itops inventory employee add --notice`` (a subprocess, the real CLI) and the dashboard's
employee form record a register notice entry; the inventory's page reads the date back
from the register; migration 0850 carries the old inventory column into entries whose
chain verifies, and its downgrade restores the column from the entries.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from inventory.register import chain, queries, service
from inventory.register.models import RegisterEntry
from itops import auth
from itops.context import AppContext
from itops.db.models import Employee, OrgUnit
from itops.db.session import make_engine, session_scope, upgrade
from tests.conftest import write_config
from tests.inventory.conftest import RunningServer
from tests.inventory.test_web import PASSWORD, Client

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ADMIN, OFFICER, IT = "adam.admin", "marek.monitor", "iwona.it"


def _users(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        for login, role in ((ADMIN, auth.ADMIN), (OFFICER, auth.MONITORING_OFFICER)):
            auth.add_user(db, login, role, PASSWORD, T0)
        auth.add_user(db, IT, auth.IT_OFFICER, PASSWORD, T0)
        db.flush()
        service.grant(db, T0, ADMIN, OFFICER, "computer_content", date(2026, 11, 1))


def _itops(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "itops", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _act(config: Path, employee: str) -> subprocess.CompletedProcess[str]:
    end = datetime.now(UTC) - timedelta(minutes=1)
    return _itops(
        config,
        "register",
        "act",
        "--as",
        OFFICER,
        "--employee",
        employee,
        "--resource",
        "INV-TEST-0001 (laptop)",
        "--scope",
        "computer_content",
        "--purpose",
        "proper_use",
        "--justification",
        "Zgłoszenie testowe.",
        "--start",
        (end - timedelta(hours=1)).isoformat(),
        "--end",
        end.isoformat(),
        "--outcome",
        "Nie stwierdzono nieprawidłowości.",
    )


def test_an_employee_added_with_notice_on_the_cli_passes_the_registers_notice_gate(
    ctx: AppContext, db_url: str, tmp_path: Path
) -> None:
    """Failed on main: --notice only filled the inventory's column, the act was refused."""
    _users(ctx)
    config = write_config(tmp_path / "itops.toml", db_url)
    added = _itops(
        config,
        "inventory",
        "employee",
        "add",
        "EMP-TEST-0009",
        "Ewa Testowa",
        "--hired",
        "2020-01-01",
        "--notice",
        "2026-10-01",
        "--as",
        ADMIN,
        "--policy-version",
        "Regulamin 2026 (test)",
    )
    assert added.returncode == 0, added.stderr
    listed = _itops(config, "register", "notices", "--as", ADMIN)
    assert "EMP-TEST-0009\tEwa Testowa\toffice\treceived 01.10.2026" in listed.stdout
    acted = _act(config, "EMP-TEST-0009")
    assert acted.returncode == 0, acted.stderr
    with session_scope(ctx.sessions) as db:
        entry = db.scalar(select(RegisterEntry).where(RegisterEntry.kind == "notice"))
        assert entry is not None
        assert (entry.recorded_by, entry.received_on) == (ADMIN, date(2026, 10, 1))
        assert entry.os_user  # who ran the command, as every CLI write of the register
        assert chain.walk(db).broken_seq is None


def test_a_refused_notice_adds_no_employee(ctx: AppContext, db_url: str, tmp_path: Path) -> None:
    """One transaction: without an acting user who may record notices, nothing is added."""
    _users(ctx)
    config = write_config(tmp_path / "itops.toml", db_url)
    for extra in ((), ("--as", IT)):
        done = _itops(
            config, "inventory", "employee", "add", "EMP-TEST-0009", "Ewa Testowa",
            "--notice", "2026-10-01", "--policy-version", "Regulamin 2026 (test)", *extra,
        )  # fmt: skip
        assert done.returncode != 0
        assert "record a notice" in done.stderr
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(Employee).where(Employee.code == "EMP-TEST-0009")) is None
    plain = _itops(config, "inventory", "employee", "add", "EMP-TEST-0009", "Ewa Testowa")
    assert plain.returncode == 0, plain.stderr
    assert _act(config, "EMP-TEST-0009").returncode != 0  # no notice: refused


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield Client(s, server.url)


async def test_the_employees_page_shows_the_registers_notice_and_its_form_records_one(
    ctx: AppContext, http: Client
) -> None:
    from inventory.people import add_employee

    _users(ctx)
    with session_scope(ctx.sessions) as db:
        add_employee(db, "EMP-TEST-0001", "Jan Testowy", hired_on=date(2020, 3, 1))
        db.flush()
        service.record_notice(db, T0, ADMIN, "EMP-TEST-0001", date(2026, 10, 7), "Regulamin")
    await http.login(ADMIN)
    status, body = await http.get("/inventory/employees")
    assert status == 200
    row = body.split("EMP-TEST-0001", 1)[1].split("</tr>", 1)[0]
    assert "07.10.2026" in row
    status, body = await http.post(
        "/inventory/employees/add",
        {
            "code": "EMP-TEST-0002",
            "full_name": "Anna Przykładowa",
            "unit_id": "office",
            "hired_on": "2026-09-01",
            "notice_on": "2026-08-28",
            "policy_version": "Regulamin 2026 (test)",
        },
    )
    assert status == 200, body
    assert "28.08.2026" in body.split("EMP-TEST-0002", 1)[1].split("</tr>", 1)[0]
    with session_scope(ctx.sessions) as db:
        emp = db.scalar(select(Employee).where(Employee.code == "EMP-TEST-0002"))
        assert emp is not None
        state = service.load_state(db)
        assert [n.received_on for n in state.notices_of(emp.id)] == [date(2026, 8, 28)]
        assert state.notices_of(emp.id)[0].recorded_by == ADMIN


async def test_an_it_officer_adds_employees_without_the_notice_field(
    ctx: AppContext, http: Client
) -> None:
    """The register lets only an admin or a monitoring officer record a notice."""
    _users(ctx)
    await http.login(IT)
    status, body = await http.get("/inventory/employees")
    assert status == 200 and 'name="notice_on"' not in body
    status, body = await http.post(
        "/inventory/employees/add",
        {"code": "EMP-TEST-0003", "full_name": "Ola Testowa", "notice_on": "2026-08-28"},
    )
    assert status == 403
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(Employee).where(Employee.code == "EMP-TEST-0003")) is None


def _seed_before(db: Session) -> dict[str, int]:
    """Employees at revision 0840: dates in the inventory column, one also in the register."""
    auth.add_user(db, ADMIN, auth.ADMIN, PASSWORD, T0)
    db.add(OrgUnit(id="office", name="Urząd"))
    db.flush()
    ids = {}
    for code, left in (("A", None), ("B", None), ("C", None), ("D", date(2026, 3, 1))):
        emp = Employee(code=f"EMP-TEST-{code}", full_name=f"Test {code}", unit_id="office")
        emp.left_on = left
        db.add(emp)
        db.flush()
        ids[code] = emp.id
    db.flush()
    # B has a register notice (a corrected one): the register's date wins
    first = service.record_notice(db, T0, ADMIN, "EMP-TEST-B", date(2026, 2, 1), "Regulamin")
    service.record_notice(
        db, T0, ADMIN, "EMP-TEST-B", date(2026, 2, 3), "Regulamin", first.seq, "literówka"
    )
    for code, day in (("A", date(2026, 1, 5)), ("B", date(2025, 1, 1)), ("D", date(2026, 1, 9))):
        db.execute(
            text("INSERT INTO inv_employee_profile VALUES (:e, :d)"),
            {"e": ids[code], "d": str(day)},
        )
    db.execute(text("INSERT INTO inv_employee_profile VALUES (:e, NULL)"), {"e": ids["C"]})
    return ids


def test_migration_0850_carries_the_column_into_register_entries_and_back(
    empty_db_url: str,
) -> None:
    from alembic import command

    from itops.db.session import alembic_config

    upgrade(empty_db_url, "0840_backup_job_duration")
    engine = make_engine(empty_db_url)
    try:
        with Session(engine) as db, db.begin():
            ids = _seed_before(db)
        upgrade(empty_db_url)
        with Session(engine) as db:
            assert chain.walk(db).broken_seq is None
            assert chain.walk(db).count == 4
            assert queries.notice_dates(db) == {
                ids["A"]: date(2026, 1, 5),
                ids["B"]: date(2026, 2, 3),
                ids["D"]: date(2026, 1, 9),
            }
            carried = db.scalars(select(RegisterEntry).where(RegisterEntry.seq > 2)).all()
            assert {e.recorded_by for e in carried} == {"migration:0850"}
            assert all(e.os_user and e.policy_version is None for e in carried)
            # the act gate now sees A's notice
            state = service.load_state(db)
            assert [n.received_on for n in state.notices_of(ids["A"])] == [date(2026, 1, 5)]
            tables = db.execute(text("SELECT * FROM employee")).all()
            assert len(tables) == 4
        command.downgrade(alembic_config(empty_db_url), "0840_backup_job_duration")
        with Session(engine) as db:
            rows = dict(
                db.execute(
                    text("SELECT employee_id, monitoring_notice_on FROM inv_employee_profile")
                ).all()
            )
            assert {k: v and str(v) for k, v in rows.items()} == {
                ids["A"]: "2026-01-05",
                ids["B"]: "2026-02-03",
                ids["C"]: None,
                ids["D"]: "2026-01-09",
            }
            assert chain.walk(db).count == 4  # append-only: the entries stay
        upgrade(empty_db_url)  # again: nobody gets a second entry
        with Session(engine) as db:
            walk = chain.walk(db)
            assert (walk.count, walk.broken_seq) == (4, None)
    finally:
        engine.dispose()
