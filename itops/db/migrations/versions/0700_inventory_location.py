"""inventory: an asset's location as building and room instead of one free-text field

Revision ID: 0700_inventory_location
Revises: 0500_web
Create Date: 2026-11-26

The old ``location`` text is split with the same rule the CSV import uses
(``inventory.location.split_location``): "Budynek A, pok. 12" → building "Budynek A",
room "pok. 12"; a lone "Budynek B" is a building, any other lone value a room.
The column is dropped in place (SQLite ≥ 3.35 ``DROP COLUMN``), never by recreating
``inv_asset``: a table copy would trip the foreign keys of its ledger events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from inventory.location import join_location, split_location

revision = "0700_inventory_location"
down_revision = "0500_web"
branch_labels = None
depends_on = None

_asset = sa.table(
    "inv_asset",
    sa.column("id", sa.Integer),
    sa.column("location", sa.String),
    sa.column("building", sa.String),
    sa.column("room", sa.String),
)


def _drop(column: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE inv_asset DROP COLUMN {column}")
    else:
        op.drop_column("inv_asset", column)


def upgrade() -> None:
    op.add_column(
        "inv_asset", sa.Column("building", sa.String(200), nullable=False, server_default="")
    )
    op.add_column("inv_asset", sa.Column("room", sa.String(100), nullable=False, server_default=""))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_asset.c.id, _asset.c.location).where(_asset.c.location != "")
    ).all()
    for asset_id, text in rows:
        building, room = split_location(text)
        bind.execute(
            _asset.update()
            .where(_asset.c.id == asset_id)
            .values(building=building[:200], room=room[:100])
        )
    _drop("location")


def downgrade() -> None:
    op.add_column(
        "inv_asset", sa.Column("location", sa.String(200), nullable=False, server_default="")
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(_asset.c.id, _asset.c.building, _asset.c.room)).all()
    for asset_id, building, room in rows:
        text = join_location(building, room)
        if text:
            bind.execute(_asset.update().where(_asset.c.id == asset_id).values(location=text[:200]))
    _drop("room")
    _drop("building")
