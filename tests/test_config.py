"""The config file: what is valid, and how every problem is named."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from itops.config import load, parse_duration, resolve_path, validate
from itops.errors import ConfigError
from tests.conftest import MINIMAL_OFFICE, write_config

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config" / "itops.example.toml"


def itops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("ITOPS_DATABASE_URL", "ITOPS_CONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "itops", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=60,
    )


def test_office_storage_and_web_alone_are_a_complete_config(tmp_path: Path) -> None:
    path = tmp_path / "itops.toml"
    path.write_text(
        '[office]\nname = "Urząd Gminy Testowo"\n'
        f'[storage]\nurl = "sqlite:///{tmp_path}/itops.db"\n'
        '[web]\nbind = "127.0.0.1:8080"\n',
        encoding="utf-8",
    )
    settings = load(path, environ={})
    assert settings.office.name == "Urząd Gminy Testowo"
    assert settings.office.timezone == "Europe/Warsaw"
    assert settings.checks == []
    assert settings.daemon.shutdown_timeout == timedelta(seconds=8)


def test_the_example_config_is_valid() -> None:
    settings = load(EXAMPLE, environ={})
    assert settings.office.hours.monday == ["08:00-16:00"]
    assert [u.id for u in settings.units] == ["szkola-1"]


def test_the_example_config_documents_every_top_level_section() -> None:
    from itops.config import settings_model

    text = EXAMPLE.read_text(encoding="utf-8")
    for section in settings_model().model_fields:
        assert f"[{section}]" in text or f"[[{section}]]" in text, section


def test_itops_database_url_overrides_the_storage_url(tmp_path: Path) -> None:
    path = write_config(tmp_path / "itops.toml", "sqlite:////nowhere/a.db")
    settings = load(path, environ={"ITOPS_DATABASE_URL": "sqlite:////elsewhere/b.db"})
    assert settings.storage.url == "sqlite:////elsewhere/b.db"


def test_the_config_path_comes_from_option_then_environment_then_etc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ITOPS_CONFIG", "/from/env.toml")
    assert resolve_path("/from/option.toml") == Path("/from/option.toml")
    assert resolve_path(None) == Path("/from/env.toml")
    monkeypatch.delenv("ITOPS_CONFIG")
    assert resolve_path(None) == Path("/etc/itops/itops.toml")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60s", 60), ("5m", 300), ("26h", 93600), ("1d", 86400), ("1h30m", 5400), (90, 90)],
)
def test_durations_are_read_in_human_units(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5 minutes", "m5", "-3s", "1x"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


BROKEN = [
    (
        {"office": {**MINIMAL_OFFICE, "hours": {"monday": ["16:00-08:00"]}}},
        "office.hours.monday",
        "end must be after start",
    ),
    (
        {"office": {**MINIMAL_OFFICE, "hours": {"monday": ["8-16"]}}},
        "office.hours.monday",
        "HH:MM-HH:MM",
    ),
    (
        {"office": {**MINIMAL_OFFICE, "hours": {"monday": ["08:00-12:00", "11:00-16:00"]}}},
        "office.hours.monday",
        "overlap",
    ),
    (
        {"office": {**MINIMAL_OFFICE, "hours": {"mondey": ["08:00-16:00"]}}},
        "office.hours.mondey",
        'did you mean "monday"',
    ),
    (
        {"office": {**MINIMAL_OFFICE, "timezone": "Europe/Warszawa"}},
        "office.timezone",
        "unknown time zone",
    ),
    ({"office": {**MINIMAL_OFFICE, "holidays": "XX"}}, "office.holidays", "country code"),
    (
        {"office": {**MINIMAL_OFFICE, "extra_days_off": ["2026-02-30"]}},
        "office.extra_days_off[0]",
        "date",
    ),
    (
        {"office": MINIMAL_OFFICE, "storage": {"url": "mysql://db/itops"}},
        "storage.url",
        "only sqlite",
    ),
    ({"office": MINIMAL_OFFICE, "storage": {"url": "not a url"}}, "storage.url", "database URL"),
    ({"office": MINIMAL_OFFICE, "web": {"bind": "localhost"}}, "web.bind", "HOST:PORT"),
    ({"office": MINIMAL_OFFICE, "web": {"bnd": "127.0.0.1:1"}}, "web.bnd", 'did you mean "bind"'),
    (
        {"office": MINIMAL_OFFICE, "daemon": {"max_concurrency": 0}},
        "daemon.max_concurrency",
        "greater than or equal",
    ),
    ({"storage": {"url": "sqlite://"}}, "office", "required key is missing"),
    (
        {"office": MINIMAL_OFFICE, "checks": [{"name": "a", "kind": "ftp"}]},
        "checks[0](a)",
        'unknown check kind "ftp"',
    ),
    (
        {
            "office": MINIMAL_OFFICE,
            "checks": [{"name": "a", "kind": "tcp", "host": "x", "prot": 1}],
        },
        "checks[0](a).prot",
        'did you mean "port"',
    ),
    (
        {
            "office": MINIMAL_OFFICE,
            "checks": [{"name": "a", "kind": "tcp", "host": "x", "port": 0}],
        },
        "checks[0](a).port",
        "greater than or equal to 1",
    ),
    (
        {
            "office": MINIMAL_OFFICE,
            "checks": [{"name": "a", "kind": "tcp", "host": "x", "port": 1, "interval": "soon"}],
        },
        "checks[0](a).interval",
        "not a duration",
    ),
    (
        {
            "office": MINIMAL_OFFICE,
            "checks": [{"name": "a", "kind": "tcp", "host": "x", "port": 1, "unit": "szkola"}],
        },
        "checks",
        'unknown unit "szkola"',
    ),
    (
        {
            "office": MINIMAL_OFFICE,
            "checks": [
                {"name": "a", "kind": "tcp", "host": "x", "port": 1},
                {"name": "a", "kind": "tcp", "host": "y", "port": 2},
            ],
        },
        "checks",
        "duplicate check names: a",
    ),
    (
        {"office": MINIMAL_OFFICE, "units": [{"id": "Szkoła 1", "name": "x"}]},
        "units[0](Szkoła 1).id",
        "pattern",
    ),
]


@pytest.mark.parametrize(("data", "key", "reason"), BROKEN, ids=[b[1] + ":" + b[2] for b in BROKEN])
def test_each_problem_names_its_key_and_reason(data: dict, key: str, reason: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as caught:
        validate(data, "itops.toml")
    lines = str(caught.value).splitlines()
    assert any(line.startswith(f"itops.toml: {key}: ") and reason in line for line in lines), lines


def test_all_problems_are_reported_at_once() -> None:
    data = {
        "office": {**MINIMAL_OFFICE, "timezone": "Mars/Olympus", "hours": {"friday": ["9-5"]}},
        "web": {"bind": "x"},
    }
    with pytest.raises(ConfigError) as caught:
        validate(data, "f.toml")
    keys = {p.key for p in caught.value.problems}
    assert {"office.timezone", "office.hours.friday", "web.bind"} <= keys


def test_toml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[office]\nname = "Urząd\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load(path, environ={})
    assert str(caught.value).startswith(f"{path}: (syntax): ")
    assert "line 2" in str(caught.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No such file"):
        load(tmp_path / "absent.toml", environ={})


def test_config_check_exits_0_on_a_valid_file(tmp_path: Path) -> None:
    path = write_config(tmp_path / "itops.toml", f"sqlite:///{tmp_path}/x.db")
    result = itops("--config", str(path), "config", "check")
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_config_check_exits_2_naming_each_bad_key(tmp_path: Path) -> None:
    path = tmp_path / "itops.toml"
    path.write_text(
        '[office]\nname = "U"\ntimezone = "Europe/Warsw"\n'
        '[office.hours]\nmonday = ["08:00-07:00"]\n'
        '[storage]\nurl = "mysql://x/y"\n[web]\nbind = "127.0.0.1:8080"\nlangauge = "pl"\n',
        encoding="utf-8",
    )
    result = itops("--config", str(path), "config", "check")
    assert result.returncode == 2
    for key in ("office.timezone", "office.hours.monday", "storage.url", "web.langauge"):
        assert f"{path}: {key}: " in result.stderr
    assert 'did you mean "language"' in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_config_writes_nothing_to_the_database(tmp_path: Path) -> None:
    database = tmp_path / "data" / "itops.db"
    path = write_config(tmp_path / "itops.toml", f"sqlite:///{database}", extra='bnd = "x"')
    for command in (["run"], ["db", "upgrade"], ["config", "check"]):
        result = itops("--config", str(path), *command)
        assert result.returncode == 2, (command, result.stderr)
        assert "web.bnd: unknown key" in result.stderr
    assert not database.exists()


def test_config_check_warns_about_a_saturday_holiday_without_a_day_off(tmp_path: Path) -> None:
    path = tmp_path / "itops.toml"
    path.write_text(
        '[office]\nname = "U"\nextra_days_off = ["2026-08-14"]\n'
        f'[storage]\nurl = "sqlite:///{tmp_path}/x.db"\n',
        encoding="utf-8",
    )
    result = itops("--config", str(path), "config", "check")
    assert result.returncode == 0
    assert "2026-12-26" in result.stderr and "warning" in result.stderr
    assert "2026-08-15" not in result.stderr


def test_units_inherit_the_office_hours_unless_they_have_their_own() -> None:
    settings = validate(
        {
            "office": MINIMAL_OFFICE,
            "units": [
                {"id": "biblioteka", "name": "Biblioteka"},
                {"id": "szkola", "name": "Szkoła", "hours": {"monday": ["07:00-15:00"]}},
            ],
        }
    )
    assert settings.schedule("biblioteka").hours == settings.schedule().hours
    assert len(settings.schedule("szkola").hours) == 1
    assert settings.schedule("szkola").extra_days_off == settings.schedule().extra_days_off


def test_a_dumped_config_validates_again_unchanged() -> None:
    settings = validate({"office": MINIMAL_OFFICE, "storage": {"raw_retention": "31d"}})
    again = validate(settings.model_dump(mode="json", exclude_none=True))
    assert again == settings


def test_self_address_placeholders_follow_the_web_bind(tmp_path: Path) -> None:
    from itops.config import load

    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'bind = "127.0.0.1:8080"', 'bind = "0.0.0.0:18099"'
    )
    path = tmp_path / "itops.toml"
    path.write_text(text, encoding="utf-8")
    settings = load(path, environ={})
    by_name = {c.name: c for c in settings.checks}
    assert by_name["demo-poczta"].options.host == "127.0.0.1"
    assert by_name["demo-poczta"].options.port == 18099
    assert by_name["demo-ezd"].options.url == "http://127.0.0.1:18099/healthz"
    assert by_name["itops-self"].options.port == 18099
    assert "8080" not in text.replace('bind = "0.0.0.0:18099"', "")


def test_a_note_is_one_text_or_one_per_language_with_polish_the_fallback() -> None:
    """Issue 13: an English page shows no Polish note; a plain note reads as written."""
    tcp = {"kind": "tcp", "host": "127.0.0.1", "port": 1}
    settings = validate(
        {
            "office": MINIMAL_OFFICE,
            "checks": [
                {"name": "a", **tcp, "note": "DEMO: celowo"},
                {"name": "b", **tcp, "note": {"pl": "DEMO: celowo", "en": "DEMO: on purpose"}},
                {"name": "c", **tcp, "note": {"pl": "tylko po polsku"}},
                {"name": "d", **tcp, "note": {"en": "English only"}},
                {"name": "e", **tcp},
            ],
            "maintenance": [
                {
                    "name": {"pl": "Kopie zapasowe", "en": "Backups"},
                    "weekdays": ["sunday"],
                    "hours": "02:00-04:00",
                }
            ],
        }
    )
    notes = {c.name: (c.note_for("pl"), c.note_for("en")) for c in settings.checks}
    assert notes == {
        "a": ("DEMO: celowo", "DEMO: celowo"),
        "b": ("DEMO: celowo", "DEMO: on purpose"),
        "c": ("tylko po polsku", "tylko po polsku"),
        "d": ("English only", "English only"),
        "e": ("", ""),
    }
    from checks.availability.config import MAINTENANCE

    [window] = settings.section(MAINTENANCE)
    assert (window.name_for("pl"), window.name_for("en")) == ("Kopie zapasowe", "Backups")
    dumped = [c.model_dump(mode="json")["note"] for c in settings.checks]
    assert dumped[1:4] == [
        {"pl": "DEMO: celowo", "en": "DEMO: on purpose"},
        {"pl": "tylko po polsku"},
        {"en": "English only"},
    ]
