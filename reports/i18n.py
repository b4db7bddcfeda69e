"""English for the reports feature (source strings are Polish)."""

from __future__ import annotations

TRANSLATIONS: dict[str, str] = {
    "Raporty": "Reports",
}
