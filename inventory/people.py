"""Employees and the trainings the IT officer runs for them.

Employees live in the core table (``itops.db.models.Employee``: holders, clearance and
the §82 register all point at it). The date of the written monitoring notice lives in
one place, the §82 register's notice entries: an employee added with it gets a register
entry in the same transaction, and the pages read it back from there. Trainings are
counted by the annual report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory import ledger
from inventory.models import Training, TrainingParticipant
from inventory.register.public import NoticeInput, notice_dates, record_notice
from itops.config import Settings
from itops.db.models import Employee
from itops.errors import ValidationError

TRAINING_KINDS = ("group", "individual")


@dataclass(frozen=True)
class EmployeeView:
    id: int
    code: str
    full_name: str
    unit_id: str
    position: str
    hired_on: date | None
    left_on: date | None


def view(emp: Employee) -> EmployeeView:
    return EmployeeView(
        emp.id, emp.code, emp.full_name, emp.unit_id, emp.position, emp.hired_on, emp.left_on
    )


def find_employee(session: Session, who: str) -> EmployeeView:
    """An employee by code, exact full name or id; ``ValidationError`` if there is none."""
    emp = ledger.find_employee(session, who)
    if emp is None and who.isdigit():
        emp = session.get(Employee, int(who))
    if emp is None:
        raise ValidationError(f'no employee "{who}" (give the code or the full name)')
    return view(emp)


def add_employee(
    session: Session,
    code: str,
    full_name: str,
    unit_id: str = "office",
    position: str = "",
    hired_on: date | None = None,
    left_on: date | None = None,
    *,
    notice: NoticeInput | None = None,
    settings: Settings | None = None,
) -> EmployeeView:
    """Add an employee (core table); with ``notice``, its §82 register notice entry in
    the same transaction (the register's roles and gates: a refusal adds nothing)."""
    code, full_name = code.strip(), full_name.strip()
    if not code or not full_name:
        raise ValidationError("code and full name are required")
    if notice is not None and settings is None:
        raise ValueError("a notice is recorded with the settings (policy version, zone)")
    if session.scalar(select(Employee.id).where(Employee.code == code)):
        raise ValidationError(f'employee code "{code}" already exists')
    emp = Employee(
        code=code,
        full_name=full_name,
        unit_id=unit_id,
        position=position,
        hired_on=hired_on,
        left_on=left_on,
    )
    session.add(emp)
    session.flush()
    if notice is not None and settings is not None:
        record_notice(session, settings, emp.code, notice)
    return view(emp)


@dataclass(frozen=True)
class EmployeeRow:
    """An employee on the "Pracownicy" page, with the monitoring notice's date (from the
    §82 register's notice entries)."""

    id: int
    code: str
    full_name: str
    unit_id: str
    position: str
    hired_on: date | None
    left_on: date | None
    notice: date | None


def employee_rows(session: Session) -> list[EmployeeRow]:
    """Every employee by full name."""
    notices = notice_dates(session)
    return [
        EmployeeRow(
            e.id,
            e.code,
            e.full_name,
            e.unit_id,
            e.position,
            e.hired_on,
            e.left_on,
            notices.get(e.id),
        )
        for e in session.scalars(select(Employee).order_by(Employee.full_name))
    ]


def holder_names(session: Session) -> dict[int, str]:
    """``{employee id: "Full Name (CODE)"}``: how an asset's holder is shown."""
    return {e.id: f"{e.full_name} ({e.code})" for e in session.scalars(select(Employee))}


def add_training(
    session: Session,
    held_on: date,
    topic: str,
    trainer: str,
    kind: str,
    participants: Iterable[str],
) -> int:
    """Record a training and who attended (codes or full names); returns its id."""
    if not topic.strip():
        raise ValidationError("the topic is empty")
    if kind not in TRAINING_KINDS:
        raise ValidationError('kind must be "group" or "individual"')
    training = Training(held_on=held_on, topic=topic.strip(), trainer=trainer.strip(), kind=kind)
    session.add(training)
    session.flush()
    for who in {p.strip() for p in participants if p.strip()}:
        emp = find_employee(session, who)
        session.add(TrainingParticipant(training_id=training.id, employee_id=emp.id))
    return training.id


@dataclass(frozen=True)
class TrainingRow:
    date: date
    topic: str
    trainer: str
    kind: str
    participants: int


def recent_trainings(session: Session, limit: int = 200) -> list[TrainingRow]:
    """The newest trainings first, with their number of participants."""
    trainings = session.scalars(
        select(Training).order_by(Training.held_on.desc()).limit(limit)
    ).all()
    counts: dict[int, int] = {}
    for tp in session.scalars(select(TrainingParticipant)):
        counts[tp.training_id] = counts.get(tp.training_id, 0) + 1
    return [
        TrainingRow(t.held_on, t.topic, t.trainer, t.kind, counts.get(t.id, 0)) for t in trainings
    ]
