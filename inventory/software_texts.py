"""The refusals of the software search and the licences ledger, as message codes.

Why: the page "Oprogramowanie i licencje" is Polish and its refusals were English prose
(issue 14.4); see ``inventory.register.texts`` for the pattern.
"""

from __future__ import annotations

from collections.abc import Mapping

Table = Mapping[str, Mapping[str, str]]

SOFTWARE: Table = {
    "software.name_empty": {
        "pl": "podaj fragment nazwy programu",
        "en": "give a fragment of the program's name",
    },
    "software.too_long": {
        "pl": "nazwa najwyżej 255 znaków, wersja najwyżej 128",
        "en": "name at most 255 characters, version at most 128",
    },
    "software.product_empty": {"pl": "brak nazwy produktu", "en": "product is empty"},
    "software.match_empty": {
        "pl": "podaj nazwę instalacji do liczenia",
        "en": "give the installed name to count",
    },
    "software.seats_negative": {
        "pl": "liczba licencji nie może być ujemna",
        "en": "seats must not be negative",
    },
    "software.seats_whole": {
        "pl": "liczba licencji: podaj liczbę całkowitą",
        "en": "seats: give a whole number",
    },
    "software.field.product": {"pl": "produkt", "en": "product"},
    "software.field.match": {"pl": "nazwa instalacji", "en": "match"},
    "software.field.document": {"pl": "dokument", "en": "document"},
    "software.field.note": {"pl": "uwagi", "en": "note"},
    "software.field_long": {
        "pl": "pole „{name}”: najwyżej {most} znaków",
        "en": "{name}: at most {most} characters",
    },
}

TEXTS: Table = SOFTWARE
