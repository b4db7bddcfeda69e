"""``[availability]`` and ``[[maintenance]]`` config: mistakes are errors naming the key."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from checks.availability.maintenance import from_config, is_silenced
from itops.config import validate
from itops.errors import ConfigError

OFFICE = {"name": "Urząd Testowy"}
BIP = {"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 1}
WARSAW = ZoneInfo("Europe/Warsaw")


def problems(**sections: Any) -> str:
    with pytest.raises(ConfigError) as info:
        validate({"office": OFFICE, "checks": [BIP], **sections})
    return str(info.value)


def test_window_needs_either_dates_or_weekdays() -> None:
    text = problems(
        maintenance=[
            {
                "name": "x",
                "start": "2026-01-01T08:00:00",
                "end": "2026-01-01T09:00:00",
                "weekdays": ["monday"],
                "hours": "08:00-09:00",
            }
        ]
    )
    assert "maintenance[0](x)" in text and "either start and end" in text


def test_window_naming_an_unknown_check_is_refused() -> None:
    text = problems(
        maintenance=[
            {"name": "x", "checks": ["nie-ma"], "weekdays": ["monday"], "hours": "08:00-09:00"}
        ]
    )
    assert "unknown checks nie-ma" in text


def test_misspelt_availability_key_suggests_the_right_one() -> None:
    assert 'did you mean "target"' in problems(availability={"targe": 0.99})


def test_target_above_one_is_refused() -> None:
    assert "availability.target" in problems(availability={"target": 1.5})


def test_recurring_window_silences_only_inside_its_local_hours() -> None:
    settings = validate(
        {
            "office": OFFICE,
            "checks": [BIP],
            "maintenance": [
                {
                    "name": "kopie",
                    "weekdays": ["sunday"],
                    "hours": "02:00-04:00",
                    "exclude_from_availability": False,
                }
            ],
        }
    )
    window = from_config(settings.maintenance[0], WARSAW)
    # Sunday 29 March 2026 is the spring DST change: 02:00-03:00 does not exist locally.
    assert is_silenced([window], "bip", "office", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), WARSAW)
    assert not is_silenced(
        [window], "bip", "office", datetime(2026, 3, 29, 2, 30, tzinfo=UTC), WARSAW
    )
    summer = window.intervals(date(2026, 7, 5), date(2026, 7, 6), WARSAW)
    assert summer[0].start == datetime(2026, 7, 5, 0, 0, tzinfo=UTC)
