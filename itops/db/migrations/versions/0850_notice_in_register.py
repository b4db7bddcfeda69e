"""inventory + register: the §82 notice date lives only in the register's notice entries

Revision ID: 0850_notice_in_register
Revises: 0840_backup_job_duration
Create Date: 2026-12-02

The inventory kept its own date of the written monitoring notice
(``inv_employee_profile.monitoring_notice_on``) beside the register's notice entries,
so an employee could show a date in the inventory and be refused "NO NOTICE" by the
register, or the reverse. From here the register's notice entries are the one source.

Upgrade: every employee with a date in the column and no notice entry of the register
gets one, carrying that date, appended to the chain the register's own way (next
``seq``, ``prev_hash`` = the head's hash, ``hash`` = SHA-256 of the canonical form of
``inventory.register.chain``), so ``itops register verify`` still passes. The entry is
recorded now, by ``migration:0850`` (no login can contain ":", so it is never a user),
with the operating-system user running ``itops db upgrade`` in ``os_user`` like every
CLI write; the policy version the employee was shown is not known, so it stays NULL and
``reason`` says where the date came from. An employee who already has a notice entry
keeps the register's date (the one the act gate has judged by). An employee who left
before the cut day of a retention prune gets none: their notices were lawfully removed
and must not come back. Then the table, which held nothing else, is dropped.

This is done in the migration, not in a later Python step: the canonical form is fixed
by the columns ``register_entry`` has at this revision (listed below, frozen like any
migration; later columns may only be optional ones, absent from the canonical form when
NULL, or every old hash would break), so the hash written here is the one the register
computes, whatever the models look like later. Appends take the register's lock
(PostgreSQL advisory lock; SQLite's migration holds the write lock).

Downgrade: the table comes back with a row for every employee, the date being the
earliest notice in force in the register (corrections applied). The register's entries
stay: it is append-only.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import itops.db.types

revision = "0850_notice_in_register"
down_revision = "0840_backup_job_duration"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
APPEND_LOCK = 0x69746F707382  # inventory.register.chain.APPEND_LOCK
RECORDED_BY = "migration:0850"
REASON = (
    "Data przeniesiona z ewidencji (Pracownicy: powiadomienie o monitoringu) przy "
    "aktualizacji bazy danych (migracja 0850); wersja zasad nieznana."
)
# register_entry's columns at this revision, in inventory.register.chain's canonical form
CHAINED = (
    "seq",
    "kind",
    "recorded_at",
    "recorded_by",
    "corrects_seq",
    "ref_seq",
    "reason",
    "subject_login",
    "scopes",
    "valid_from",
    "valid_to",
    "employee_id",
    "received_on",
    "policy_version",
    "inspector",
    "resource",
    "purpose",
    "justification",
    "start",
    "end",
    "outcome",
    "prev_hash",
)
OPTIONAL = ("os_user",)

ENTRY = sa.table(
    "register_entry",
    *(sa.column(name) for name in CHAINED if name not in ("recorded_at", "received_on")),
    sa.column("recorded_at", itops.db.types.UtcDateTime()),
    sa.column("received_on", sa.Date()),
    sa.column("os_user"),
    sa.column("hash"),
)
PROFILE = sa.table(
    "inv_employee_profile",
    sa.column("employee_id"),
    sa.column("monitoring_notice_on", sa.Date()),
)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _hash(entry: dict[str, Any]) -> str:
    data = {name: _value(entry.get(name)) for name in CHAINED}
    data.update({n: _value(entry[n]) for n in OPTIONAL if entry.get(n) is not None})
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _os_user() -> str:
    """inventory.register.identity.os_identity as of this revision."""

    def name(uid: int) -> str:
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return f"uid {uid}"

    out = name(os.getuid())
    if os.geteuid() != os.getuid():
        out += f" as {name(os.geteuid())}"
    sudo = os.environ.get("SUDO_USER", "").strip()
    if sudo:
        out += f" (sudo: {sudo[:32]})"
    return out[:100]


def _missing_notices(conn: sa.Connection) -> list[tuple[int, date]]:
    """(employee id, date) of the column's dates the register has no notice for."""
    rows = conn.execute(
        sa.text(
            """
            SELECT p.employee_id, p.monitoring_notice_on
            FROM inv_employee_profile p JOIN employee e ON e.id = p.employee_id
            WHERE p.monitoring_notice_on IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM register_entry r
                              WHERE r.kind = 'notice' AND r.employee_id = p.employee_id)
              AND NOT EXISTS (SELECT 1 FROM register_checkpoint c
                              WHERE e.left_on IS NOT NULL AND e.left_on < c.cut_day)
            ORDER BY p.employee_id
            """
        ).columns(sa.column("employee_id"), sa.column("monitoring_notice_on", sa.Date()))
    ).all()
    return [(int(r[0]), r[1]) for r in rows]


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
    missing = _missing_notices(conn)
    if missing:
        head = conn.execute(
            sa.text("SELECT seq, hash FROM register_entry ORDER BY seq DESC LIMIT 1")
        ).first()
        seq, prev = (0, GENESIS) if head is None else (int(head[0]), str(head[1]))
        at = datetime.now(UTC)
        os_user = _os_user()
        for employee_id, received_on in missing:
            seq += 1
            entry: dict[str, Any] = dict.fromkeys(CHAINED)
            entry.update(
                seq=seq,
                kind="notice",
                recorded_at=at,
                recorded_by=RECORDED_BY,
                reason=REASON,
                employee_id=employee_id,
                received_on=received_on,
                prev_hash=prev,
                os_user=os_user,
            )
            entry["hash"] = prev = _hash(entry)
            conn.execute(ENTRY.insert().values(**entry))
    op.drop_table("inv_employee_profile")


def _notice_dates(conn: sa.Connection) -> dict[int, date]:
    """The earliest notice in force of each employee (inventory.register.queries)."""
    rows = conn.execute(
        sa.text(
            "SELECT seq, corrects_seq, employee_id, received_on FROM register_entry "
            "WHERE kind = 'notice' ORDER BY seq"
        ).columns(
            sa.column("seq"),
            sa.column("corrects_seq"),
            sa.column("employee_id"),
            sa.column("received_on", sa.Date()),
        )
    ).all()
    known: set[int] = set()
    superseded: set[int] = set()
    for seq, corrects, _emp, _day in rows:
        if corrects is not None and corrects in known:
            superseded.add(corrects)
        known.add(seq)
    out: dict[int, date] = {}
    for seq, _corrects, emp, day in rows:
        if seq not in superseded and emp is not None and day is not None:
            out[emp] = min(out.get(emp, day), day)
    return out


def downgrade() -> None:
    op.create_table(
        "inv_employee_profile",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("monitoring_notice_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_inv_employee_profile_employee_id_employee"),
        ),
        sa.PrimaryKeyConstraint("employee_id", name=op.f("pk_inv_employee_profile")),
    )
    conn = op.get_bind()
    dates = _notice_dates(conn)
    ids = [int(i) for i in conn.execute(sa.text("SELECT id FROM employee ORDER BY id")).scalars()]
    if ids:
        conn.execute(
            PROFILE.insert(),
            [{"employee_id": i, "monitoring_notice_on": dates.get(i)} for i in ids],
        )
