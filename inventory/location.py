"""An asset's location as the issue models it: building and room, not one free-text field.

Old data and spreadsheets still carry a single ``location`` cell; ``split_location``
turns it into (building, room) the same way in the migration, the CSV import and the
form, and ``join_location`` gives the one-cell form back for the export and the lists.
"""

from __future__ import annotations

import re

# A lone value naming a building ("Budynek B", "bud. A", "Building 2") is a building;
# any other lone value ("Pokój 12", "Sekretariat") is a room: most offices have one
# building and their spreadsheets list rooms.
_BUILDING_WORDS = re.compile(r"^\s*(?:(?:budynek|building|gmach|siedziba)\b|bud\.)", re.IGNORECASE)
_SEPARATORS = (",", ";", "/")


def split_location(text: str | None) -> tuple[str, str]:
    """``"Budynek A, pok. 12"`` → ``("Budynek A", "pok. 12")``; one part → building or room."""
    text = " ".join((text or "").split())
    if not text:
        return "", ""
    for sep in _SEPARATORS:
        if sep in text:
            building, _, room = text.partition(sep)
            return building.strip(), room.strip()
    if _BUILDING_WORDS.match(text):
        return text, ""
    return "", text


def join_location(building: str | None, room: str | None) -> str:
    """The one-cell form: ``"Budynek A, pok. 12"``, or whichever part is set."""
    return ", ".join(p for p in ((building or "").strip(), (room or "").strip()) if p)
