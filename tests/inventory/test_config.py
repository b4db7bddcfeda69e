"""The [kpi] and [inventory] config sections."""

from __future__ import annotations

from datetime import date

import pytest

from itops.config import validate
from itops.errors import ConfigError

OFFICE = {"name": "Urząd Testowy"}


def test_defaults_match_the_issue_targets_and_groups() -> None:
    settings = validate({"office": OFFICE})
    assert (settings.kpi.repairs_target, settings.kpi.purchases_target) == (0.10, 0.15)
    assert settings.kpi.computer_categories == ["desktop", "laptop", "server"]
    assert "printer" in settings.kpi.equipment_categories
    win10 = next(r for r in settings.kpi.os_end_of_support if r.match == "Windows 10")
    assert win10.end == date(2025, 10, 14)


def test_an_unknown_category_is_an_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"kpi.computer_categories: unknown categories toaster"):
        validate(
            {"office": OFFICE, "kpi": {"computer_categories": ["desktop", "toaster"]}}, "itops.toml"
        )


def test_a_misspelt_key_suggests_the_known_one() -> None:
    with pytest.raises(
        ConfigError,
        match=r"kpi.repair_target: unknown key \(did you mean "
        r'"repairs_target"\?\)',
    ):
        validate({"office": OFFICE, "kpi": {"repair_target": 0.2}})


def test_the_end_of_support_list_can_be_replaced() -> None:
    settings = validate(
        {
            "office": OFFICE,
            "kpi": {"os_end_of_support": [{"match": "Windows 11 Home 23H2", "end": "2025-11-11"}]},
        }
    )
    assert [r.match for r in settings.kpi.os_end_of_support] == ["Windows 11 Home 23H2"]
