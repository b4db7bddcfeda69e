"""availability: public notes on ongoing outages for the status page

Revision ID: 0820_outage_public_note
Revises: 0810_software_licences
Create Date: 2026-12-02

``outage_public_note`` holds the short Polish notes the IT officer writes for residents
on an ongoing outage (shown on ``/status``); append-only, the newest one per outage wins.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import itops.db.types

revision = "0820_outage_public_note"
down_revision = "0810_software_licences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outage_public_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outage_id", sa.Integer(), nullable=False),
        sa.Column("at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["outage_id"], ["outage.id"], name=op.f("fk_outage_public_note_outage_id_outage")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage_public_note")),
    )
    op.create_index(op.f("ix_outage_public_note_outage_id"), "outage_public_note", ["outage_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outage_public_note_outage_id"), table_name="outage_public_note")
    op.drop_table("outage_public_note")
