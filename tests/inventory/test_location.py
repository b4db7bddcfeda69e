"""An asset's location is a building and a room (issue: "location (building, room)")."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inventory.location import join_location, split_location
from itops.db.session import make_engine, upgrade


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Budynek A, pok. 12", ("Budynek A", "pok. 12")),
        ("Ratusz; 104", ("Ratusz", "104")),
        ("Budynek B", ("Budynek B", "")),
        ("bud. C", ("bud. C", "")),
        ("Sekretariat", ("", "Sekretariat")),
        ("  Pokój   7 ", ("", "Pokój 7")),
        ("", ("", "")),
    ],
)
def test_free_text_location_splits_into_building_and_room(
    text: str, expected: tuple[str, str]
) -> None:
    assert split_location(text) == expected


def test_joined_location_splits_back_to_the_same_parts() -> None:
    for parts in [("Budynek A", "pok. 12"), ("", "Sekretariat"), ("Budynek B", "")]:
        assert split_location(join_location(*parts)) == parts


def test_migration_moves_the_old_location_text_into_building_and_room(
    empty_db_url: str,
) -> None:
    upgrade(empty_db_url, "0500_web")
    engine = make_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO org_unit (id, name) VALUES ('office', 'Urząd Testowy')"))
        for no, location in [
            ("INV-MIG-1", "Budynek A, pok. 12"),
            ("INV-MIG-2", "Archiwum"),
            ("INV-MIG-3", ""),
        ]:
            conn.execute(
                sa.text(
                    "INSERT INTO inv_asset (inventory_no, category, manufacturer, model, "
                    "purchase_document, supplier, location, holder_text, unit_id, status, "
                    "confirmed, facts, notes) VALUES (:no, 'desktop', '', '', '', '', :loc, '', "
                    "'office', 'in_use', true, '{}', '')"
                ),
                {"no": no, "loc": location},
            )
    engine.dispose()
    upgrade(empty_db_url, "0700_inventory_location")
    engine = make_engine(empty_db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT inventory_no, building, room FROM inv_asset ORDER BY inventory_no")
        ).all()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("inv_asset")}
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("INV-MIG-1", "Budynek A", "pok. 12"),
        ("INV-MIG-2", "", "Archiwum"),
        ("INV-MIG-3", "", ""),
    ]
    assert "location" not in columns
