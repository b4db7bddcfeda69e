"""The importer's reasons are English for the CLI and logs; the dashboard shows them in Polish."""

from __future__ import annotations

import pytest

from inventory.i18n import SUMMARIES
from inventory.importers import CsvRejected, parse_inventory
from inventory.web_list import import_problem_rows
from itops import i18n

HEADER = ";".join(
    (
        "inventory_no",
        "category",
        "manufacturer",
        "model",
        "serial",
        "purchase_date",
        "purchase_document",
        "price",
        "location",
        "holder",
        "status",
        "retired_date",
        "unit",
    )
)
BAD_ROWS = [
    "INV-TEST-0001;toaster;Dell;A;;2026-13-01;FV/1;abc;p. 1;;broken;;office",
    "INV-TEST-0002;desktop;Dell;A;;2026-01-01;FV/1;-5;p. 1;;retired;;office",
    "INV-TEST-0003;desktop;Dell;A;;2026-02-01;FV/1;5;p. 1;;retired;2026-01-01;office",
    "INV-TEST-0003;desktop;Dell;A;;2026-02-01;FV/1;5;p. 1;;in_use;;nowhere",
    ";desktop;Dell;A;;2026-02-01;FV/1;5;p. 1;;in_use;;office",
    "INV-TEST-0006;desktop;Dell",
]


@pytest.fixture(autouse=True)
def _patterns() -> None:
    i18n.register_summaries(SUMMARIES)


def _reasons(raw: bytes) -> list[str]:
    """The reasons as the dashboard shows them (row and number split off)."""
    try:
        _, problems = parse_inventory(raw, {"office"})
    except CsvRejected as exc:
        problems = exc.problems
    return [row["reason"] for row in import_problem_rows(problems)]


def test_every_reason_for_a_bad_row_reads_in_polish() -> None:
    reasons = _reasons("\n".join([HEADER, *BAD_ROWS]).encode())
    parts = [part for reason in reasons for part in reason.split("; ")]
    assert len(parts) >= 10
    for part in parts:
        assert i18n.summary(part, "pl") != part, part


def test_a_file_that_is_not_utf8_is_named_in_polish() -> None:
    [reason] = _reasons(HEADER.encode() + "\nINV-TEST-0001;Zażółć".encode("cp1250"))
    assert i18n.summary(reason, "pl").startswith("plik nie jest zapisany w UTF-8")


def test_a_reason_keeps_its_subject_and_unknown_parts_stay_as_they_are() -> None:
    text = 'INV-TEST-0001: price "x" is not a number; something new'
    assert i18n.summary(text, "pl") == "INV-TEST-0001: price: „x” nie jest liczbą; something new"


def test_english_readers_get_the_reason_unchanged() -> None:
    assert i18n.summary("price is negative", "en") == "price is negative"
