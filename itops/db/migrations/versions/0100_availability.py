"""Availability (checks): outages, reclassifications, maintenance, raw results, rollups.

Revision ID: 0100_availability
Revises: 0600_integrations
Create Date: 2026-11-26 16:01:06.990311
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import itops.db.types

revision = "0100_availability"
down_revision = "0600_integrations"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "maintenance_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("check_names", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("start", itops.db.types.UtcDateTime(), nullable=True),
        sa.Column("end", itops.db.types.UtcDateTime(), nullable=True),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("hours", sa.String(length=20), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("silence_alerts", sa.Boolean(), nullable=False),
        sa.Column("exclude_from_availability", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_window")),
    )
    op.create_table(
        "outage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_name", sa.String(length=100), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("start", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("end", itops.db.types.UtcDateTime(), nullable=True),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage")),
    )
    with op.batch_alter_table("outage", schema=None) as batch_op:
        batch_op.create_index("ix_outage_check_start", ["check_name", "start"], unique=False)
        batch_op.create_index("ix_outage_end", ["end"], unique=False)

    op.create_table(
        "probe_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_name", sa.String(length=100), nullable=False),
        sa.Column("at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probe_result")),
    )
    with op.batch_alter_table("probe_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_probe_result_at"), ["at"], unique=False)
        batch_op.create_index("ix_probe_result_check_at", ["check_name", "at"], unique=False)

    op.create_table(
        "probe_rollup",
        sa.Column("check_name", sa.String(length=100), nullable=False),
        sa.Column("start", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("unknowns", sa.Integer(), nullable=False),
        sa.Column("latency_min", sa.Float(), nullable=False),
        sa.Column("latency_sum", sa.Float(), nullable=False),
        sa.Column("latency_max", sa.Float(), nullable=False),
        sa.Column("latency_p95", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("check_name", "start", name=op.f("pk_probe_rollup")),
    )
    op.create_table(
        "outage_reclassification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outage_id", sa.Integer(), nullable=False),
        sa.Column("at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("from_cause", sa.String(length=16), nullable=False),
        sa.Column("to_cause", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outage_id"], ["outage.id"], name=op.f("fk_outage_reclassification_outage_id_outage")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage_reclassification")),
    )
    with op.batch_alter_table("outage_reclassification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outage_reclassification_outage_id"), ["outage_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("outage_reclassification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outage_reclassification_outage_id"))

    op.drop_table("outage_reclassification")
    op.drop_table("probe_rollup")
    with op.batch_alter_table("probe_result", schema=None) as batch_op:
        batch_op.drop_index("ix_probe_result_check_at")
        batch_op.drop_index(batch_op.f("ix_probe_result_at"))

    op.drop_table("probe_result")
    with op.batch_alter_table("outage", schema=None) as batch_op:
        batch_op.drop_index("ix_outage_end")
        batch_op.drop_index("ix_outage_check_start")

    op.drop_table("outage")
    op.drop_table("maintenance_window")
