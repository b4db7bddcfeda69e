"""web: failed-login counters (rate limiting, lockout) and session revocation

Revision ID: 0500_web
Revises: 0300_inventory
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import itops.db.types

revision = "0500_web"
down_revision = "0300_inventory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("locked_until", itops.db.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "session_revocation",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("before", itops.db.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_session_revocation_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_session_revocation")),
    )


def downgrade() -> None:
    op.drop_table("session_revocation")
    op.drop_table("login_throttle")
