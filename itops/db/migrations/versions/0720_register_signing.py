"""§82 register: signed checkpoints and heads; a DELETE only for a lawful prune

Revision ID: 0720_register_signing
Revises: 0710_register_retention
Create Date: 2026-12-01

- ``register_entry.os_user``: who ran a CLI write (operating-system user, SUDO_USER).
- ``register_checkpoint`` (signed facts of each prune) and ``register_seal`` (signed
  heads), both append-only like the register.
- The DELETE guard of ``register_entry`` no longer trusts any later row of kind
  ``checkpoint``: a row may be deleted only under a checkpoint entry with a
  ``register_checkpoint`` row whose retention is at least 2 years, whose cut day is no
  later than 1 January of (the database's current UTC year − that retention), and
  under which the row is recorded before the cut and no longer in force: an
  authorisation expired before the cut day or revoked before the cut, an act (and its
  direct corrections) ended before the cut, a notice (and its direct corrections) of an
  employee who left before the cut day; revocations and checkpoints only by date.
  The database cannot check the Ed25519 signature: ``itops register verify`` does. What
  the trigger guarantees is that even a forged checkpoint removes nothing the
  retention rules keep.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import itops.db.types

revision = "0720_register_signing"
down_revision = "0710_register_retention"
branch_labels = None
depends_on = None

NEW_TABLES = ("register_checkpoint", "register_seal")


_LAWFUL = """EXISTS (
        SELECT 1 FROM register_checkpoint c
        JOIN register_entry e ON e.seq = c.seq
        WHERE e.kind = 'checkpoint' AND e.ref_seq = c.through_seq
          AND c.seq > OLD.seq AND c.through_seq >= OLD.seq
          AND c.retention_years >= 2
          AND c.cut_day <= NOW_YEAR
          AND c.cut_at <= PLUS_14H
          AND OLD.recorded_at < c.cut_at
          AND COALESCE(CASE OLD.kind
            WHEN 'authorisation' THEN COALESCE(OLD.valid_to < c.cut_day, FALSE) OR EXISTS (
                SELECT 1 FROM register_entry r WHERE r.kind = 'revocation'
                AND r.ref_seq = OLD.seq AND r.recorded_at < c.cut_at)
            WHEN 'act' THEN OLD."end" < c.cut_at AND NOT EXISTS (
                SELECT 1 FROM register_entry x WHERE x.kind = 'act'
                AND x.corrects_seq = OLD.seq AND NOT x."end" < c.cut_at)
            WHEN 'notice' THEN EXISTS (
                SELECT 1 FROM employee m WHERE m.id = OLD.employee_id
                AND m.left_on < c.cut_day) AND NOT EXISTS (
                SELECT 1 FROM register_entry x WHERE x.kind = 'notice'
                AND x.corrects_seq = OLD.seq AND NOT EXISTS (
                    SELECT 1 FROM employee m WHERE m.id = x.employee_id
                    AND m.left_on < c.cut_day))
            WHEN 'revocation' THEN TRUE
            WHEN 'checkpoint' THEN TRUE
            ELSE FALSE END, FALSE)
    )"""


def _lawful(now_year: str, plus_14h: str) -> str:
    """The SQL condition "OLD may be deleted", with either engine's date functions."""
    return _LAWFUL.replace("NOW_YEAR", now_year).replace("PLUS_14H", plus_14h)


PG_LAWFUL = _lawful(
    "make_date(extract(year FROM now() AT TIME ZONE 'UTC')::int - c.retention_years, 1, 1)",
    "(c.cut_day + interval '14 hours') AT TIME ZONE 'UTC'",
)
SQLITE_LAWFUL = _lawful(
    "printf('%04d-01-01', CAST(strftime('%Y', 'now') AS INTEGER) - c.retention_years)",
    "datetime(c.cut_day, '+14 hours')",
)


def upgrade() -> None:
    with op.batch_alter_table("register_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("os_user", sa.String(length=100), nullable=True))
    op.create_table(
        "register_checkpoint",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("through_seq", sa.Integer(), nullable=False),
        sa.Column("cut_day", sa.Date(), nullable=False),
        sa.Column("cut_at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_register_checkpoint")),
    )
    op.create_table(
        "register_seal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("tsa_token", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_seal")),
    )
    with op.batch_alter_table("register_seal", schema=None) as batch_op:
        batch_op.create_index("ix_register_seal_seq", ["seq"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_postgresql() -> None:
    for table in NEW_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION itops_register_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION itops_register_append_only()"
        )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION itops_register_entry_guard() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND {PG_LAWFUL} THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION '% is append-only: % refused (no lawful signed checkpoint)',
                TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$
        """
    )


def _upgrade_sqlite() -> None:
    for table in NEW_TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )
    op.execute("DROP TRIGGER register_entry_no_delete")
    op.execute(
        "CREATE TRIGGER register_entry_no_delete BEFORE DELETE ON register_entry "
        f"WHEN NOT {SQLITE_LAWFUL} "
        "BEGIN SELECT RAISE(ABORT, 'register_entry is append-only: DELETE refused "
        "(no lawful signed checkpoint)'); END"
    )


_COVERED_0710 = (
    "EXISTS (SELECT 1 FROM register_entry c WHERE c.kind = 'checkpoint' "
    "AND c.ref_seq >= OLD.seq AND c.seq > OLD.seq)"
)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION itops_register_entry_guard() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND {_COVERED_0710} THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END;
            $$
            """
        )
    for table in NEW_TABLES:
        op.drop_table(table)  # its triggers go with it
    with op.batch_alter_table("register_entry", schema=None) as batch_op:
        batch_op.drop_column("os_user")
    if op.get_bind().dialect.name != "postgresql":
        # the batch copy of register_entry lost its triggers: recreate those of 0710
        op.execute("DROP TRIGGER IF EXISTS register_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS register_entry_no_delete")
        op.execute(
            "CREATE TRIGGER register_entry_no_update BEFORE UPDATE ON register_entry "
            "BEGIN SELECT RAISE(ABORT, 'register_entry is append-only: UPDATE refused'); END"
        )
        op.execute(
            "CREATE TRIGGER register_entry_no_delete BEFORE DELETE ON register_entry "
            f"WHEN NOT {_COVERED_0710} "
            "BEGIN SELECT RAISE(ABORT, 'register_entry is append-only: DELETE refused'); END"
        )
