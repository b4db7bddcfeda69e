"""§82 register retention: a delete is allowed only under a checkpoint entry

Revision ID: 0710_register_retention
Revises: 0700_inventory_location
Create Date: 2026-11-26

The append-only triggers of ``register_entry`` still refuse every UPDATE, TRUNCATE and
any DELETE, except a DELETE of an entry that a later ``checkpoint`` entry of the chain
covers (``kind = 'checkpoint'``, ``ref_seq >= seq``): retention pruning first appends
the checkpoint (which records the pruned head's hash, so ``verify`` can still link the
first kept entry), then deletes. Trigger names are unchanged. ``register_read_log``
keeps its plain append-only triggers.
"""

from __future__ import annotations

from alembic import op

revision = "0710_register_retention"
down_revision = "0700_inventory_location"
branch_labels = None
depends_on = None

_COVERED = (
    "EXISTS (SELECT 1 FROM register_entry c WHERE c.kind = 'checkpoint' "
    "AND c.ref_seq >= OLD.seq AND c.seq > OLD.seq)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION itops_register_entry_guard() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND {_COVERED} THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END;
            $$
            """
        )
        op.execute("DROP TRIGGER register_entry_append_only ON register_entry")
        op.execute(
            "CREATE TRIGGER register_entry_append_only BEFORE UPDATE OR DELETE ON "
            "register_entry FOR EACH ROW EXECUTE FUNCTION itops_register_entry_guard()"
        )
    else:
        op.execute("DROP TRIGGER register_entry_no_delete")
        op.execute(
            "CREATE TRIGGER register_entry_no_delete BEFORE DELETE ON register_entry "
            f"WHEN NOT {_COVERED} "
            "BEGIN SELECT RAISE(ABORT, 'register_entry is append-only: DELETE refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER register_entry_append_only ON register_entry")
        op.execute(
            "CREATE TRIGGER register_entry_append_only BEFORE UPDATE OR DELETE ON "
            "register_entry FOR EACH ROW EXECUTE FUNCTION itops_register_append_only()"
        )
        op.execute("DROP FUNCTION itops_register_entry_guard()")
    else:
        op.execute("DROP TRIGGER register_entry_no_delete")
        op.execute(
            "CREATE TRIGGER register_entry_no_delete BEFORE DELETE ON register_entry "
            "BEGIN SELECT RAISE(ABORT, 'register_entry is append-only: DELETE refused'); END"
        )
