"""integrations: notification de-duplication state

Revision ID: 0600_integrations
Revises: 0400_register
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import itops.db.types

revision = "0600_integrations"
down_revision = "0400_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_state",
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("sent_at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("recovery", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("rule", "family", "subject", name=op.f("pk_notification_state")),
    )


def downgrade() -> None:
    op.drop_table("notification_state")
