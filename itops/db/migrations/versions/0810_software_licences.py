"""inventory: installed software per host and the licences ledger

Revision ID: 0810_software_licences
Revises: 0800_stock_toner
Create Date: 2026-11-27

``inv_software`` holds each host's installed packages from its newest agent report
(searchable: "which computers still run 7-Zip 19?"); ``inv_licence`` the licences
(product, seats, document, expiry) that installations are counted against.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import itops.db.types

revision = "0810_software_licences"
down_revision = "0800_stock_toner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inv_software",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=128), nullable=False),
        sa.Column("publisher", sa.String(length=255), nullable=False),
        sa.Column("seen_at", itops.db.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_software")),
    )
    op.create_index("ix_inv_software_host", "inv_software", ["host"])
    op.create_table(
        "inv_licence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("match", sa.String(length=255), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_licence")),
    )


def downgrade() -> None:
    op.drop_table("inv_licence")
    op.drop_index("ix_inv_software_host", table_name="inv_software")
    op.drop_table("inv_software")
