"""``[[backups]]`` and ``[antivirus]`` config: typed per kind, errors name the key."""

from __future__ import annotations

import pytest

from itops.config import validate
from itops.errors import ConfigError
from tests.backups.backup_support import OFFICE, settings_with


def problems(**sections: object) -> str:
    with pytest.raises(ConfigError) as info:
        validate({"office": dict(OFFICE), **sections})
    return str(info.value)


def test_misspelt_kind_key_is_named_with_a_suggestion() -> None:
    text = problems(backups=[{"name": "b", "kind": "file", "max_age": "1d", "pathh": "/x/*"}])
    assert "backups[0](b).pathh: unknown key" in text
    assert 'did you mean "path"' in text


def test_unknown_backup_kind_is_an_error() -> None:
    assert 'unknown backup kind "tape"' in problems(backups=[{"name": "b", "kind": "tape"}])


def test_backup_without_max_age_or_schedule_is_an_error() -> None:
    text = problems(backups=[{"name": "b", "kind": "file", "path": "/srv/*.gz"}])
    assert "max_age" in text


def test_push_backup_needs_a_uuid_token() -> None:
    text = problems(backups=[{"name": "b", "kind": "push", "period": "1d", "token": "abc"}])
    assert "backups[0](b).token" in text


def test_bad_cron_schedule_is_an_error() -> None:
    text = problems(backups=[{"name": "b", "kind": "file", "path": "/a/*", "schedule": "daily"}])
    assert "cron" in text


def test_clamav_keys_are_typed() -> None:
    text = problems(antivirus={"clamav": [{"name": "c", "sockett": "/run/x"}]})
    assert "antivirus.clamav[0](c).sockett: unknown key" in text


def test_example_sections_validate() -> None:
    s = settings_with(
        backups=[
            {"name": "ewidencja", "kind": "file", "path": "/srv/kopie/*.sql.gz", "max_age": "26h"},
            {
                "name": "serwer",
                "kind": "restic",
                "repository": "/srv/restic",
                "password_file": "/etc/itops/restic.pass",
                "schedule": "0 2 * * *",
            },
            {
                "name": "nas",
                "kind": "push",
                "token": "00000000-0000-4000-8000-000000000001",
                "period": "1d",
                "min_runtime": "5m",
            },
        ],
        antivirus={"signature_warning": "3d", "clamav": [{"name": "clamav-serwer"}]},
    )
    assert [b.kind for b in s.backups] == ["file", "restic", "push"]
    assert s.backups[1].options.password_file.name == "restic.pass"
    assert s.antivirus.clamav[0].options.signature_critical.days == 7
