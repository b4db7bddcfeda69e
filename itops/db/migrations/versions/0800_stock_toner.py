"""inventory: printer supplies, cartridges that fit them, stock movements

Revision ID: 0800_stock_toner
Revises: 0720_register_signing
Create Date: 2026-11-27

Toner and drum levels read over SNMP meet the consumables stock ("zamów toner"):
``inv_printer_supply`` keeps each supply's newest level, ``inv_cartridge_fit`` says
which stock item fits which printer model or supply, ``inv_stock_movement`` records
every change of a quantity (a cartridge put in, parts for a repair, a count).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import itops.db.types

revision = "0800_stock_toner"
down_revision = "0720_register_signing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inv_cartridge_fit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumable_id", sa.Integer(), nullable=False),
        sa.Column("printer_model", sa.String(length=200), nullable=False),
        sa.Column("supply_match", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumable_id"],
            ["inv_consumable.id"],
            name=op.f("fk_inv_cartridge_fit_consumable_id_inv_consumable"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_cartridge_fit")),
        sa.UniqueConstraint(
            "consumable_id",
            "printer_model",
            "supply_match",
            name=op.f("uq_inv_cartridge_fit_consumable_id"),
        ),
    )
    op.create_index(
        op.f("ix_inv_cartridge_fit_consumable_id"), "inv_cartridge_fit", ["consumable_id"]
    )
    op.create_table(
        "inv_printer_supply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("printer", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("supply", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("seen_at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("short_since", itops.db.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_printer_supply")),
        sa.UniqueConstraint("printer", "supply", name=op.f("uq_inv_printer_supply_printer")),
    )
    op.create_table(
        "inv_stock_movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumable_id", sa.Integer(), nullable=False),
        sa.Column("at", itops.db.types.UtcDateTime(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("printer", sa.String(length=100), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumable_id"],
            ["inv_consumable.id"],
            name=op.f("fk_inv_stock_movement_consumable_id_inv_consumable"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inv_stock_movement")),
    )
    op.create_index(
        "ix_inv_stock_movement_consumable_at", "inv_stock_movement", ["consumable_id", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_inv_stock_movement_consumable_at", table_name="inv_stock_movement")
    op.drop_table("inv_stock_movement")
    op.drop_table("inv_printer_supply")
    op.drop_index(op.f("ix_inv_cartridge_fit_consumable_id"), table_name="inv_cartridge_fit")
    op.drop_table("inv_cartridge_fit")
