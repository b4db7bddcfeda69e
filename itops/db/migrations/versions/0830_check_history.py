"""availability: the history of the configured checks (added, changed, removed)

Revision ID: 0830_check_history
Revises: 0820_outage_public_note
Create Date: 2026-12-02

``check_history`` records when each check was added to the config, changed (kind,
target, unit, counts_for_kpi) and removed, so a past period is computed with the checks
as they were then and a check is watched only from its first ``added`` row. For the
checks of an existing database that row is written here, at the check's first result
(raw result, rollup or probe outage); its config is not known to a migration, so the
columns describing it stay NULL until the daemon next starts and fills them in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import itops.db.types

revision = "0830_check_history"
down_revision = "0820_outage_public_note"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_name", sa.String(length=100), nullable=False),
        sa.Column("at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("target", sa.String(length=500), nullable=True),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("counts_for_kpi", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_history")),
    )
    op.create_index("ix_check_history_check_at", "check_history", ["check_name", "at"])
    op.execute(
        """
        INSERT INTO check_history (check_name, at, event)
        SELECT check_name, MIN(first_at), 'added' FROM (
            SELECT check_name, MIN(at) AS first_at FROM probe_result GROUP BY check_name
            UNION ALL
            SELECT check_name, MIN(start) AS first_at FROM probe_rollup GROUP BY check_name
            UNION ALL
            SELECT check_name, MIN(start) AS first_at FROM outage
            WHERE source = 'probe' GROUP BY check_name
        ) AS firsts
        GROUP BY check_name
        """
    )


def downgrade() -> None:
    op.drop_index("ix_check_history_check_at", table_name="check_history")
    op.drop_table("check_history")
