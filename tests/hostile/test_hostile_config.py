"""A corpus of broken config files: each is refused with exit 2, naming file and key.

``config check`` and ``run`` must both stop before anything opens the database: the
SQLite file named in ``[storage]`` must not appear.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from itops.cli import main
from tests.conftest import without_root_reads, write_config

REPO = Path(__file__).resolve().parents[2]

# (case id, extra TOML appended to a valid minimal config, expected "key: reason" fragment)
CORPUS: list[tuple[str, str, str]] = [
    ("unknown_key_typo", 'bnd = "127.0.0.1:1"', 'web.bnd: unknown key (did you mean "bind"?)'),
    ("wrong_type", '[daemon]\nmax_concurrency = "many"', "daemon.max_concurrency:"),
    ("bool_as_text", 'secure_cookies = "yes please"', "web.secure_cookies:"),
    (
        "impossible_hours",
        '[[units]]\nid = "szkola"\nname = "Szkoła"\n[units.hours]\nmonday = ["25:00-26:00"]',
        "units[0](szkola).hours.monday: hour must be 00-23",
    ),
    (
        "end_before_start",
        '[[units]]\nid = "szkola"\nname = "Szkoła"\n[units.hours]\nmonday = ["16:00-08:00"]',
        "units[0](szkola).hours.monday: end must be after start",
    ),
    (
        "overlapping_hours",
        '[[units]]\nid = "szkola"\nname = "Szkoła"\n[units.hours]\n'
        'monday = ["08:00-12:00", "11:00-15:00"]',
        "units[0](szkola).hours.monday: time ranges",
    ),
    (
        "duplicate_check_names",
        '[[checks]]\nname = "www"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 1\n'
        '[[checks]]\nname = "www"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 2',
        "checks: duplicate check names: www",
    ),
    (
        "duplicate_unit_ids",
        '[[units]]\nid = "a"\nname = "A"\n[[units]]\nid = "a"\nname = "B"',
        "units: unit ids must be unique",
    ),
    (
        "bad_duration",
        '[[checks]]\nname = "www"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 1\n'
        'interval = "5 minutes"',
        "checks[0](www).interval:",
    ),
    ("negative_duration", 'session_idle = "-5m"', "web.session_idle:"),
    ("zero_duration", '[daemon]\nheartbeat_interval = "0s"', "daemon.heartbeat_interval:"),
    (
        "bad_check_url",
        '[[checks]]\nname = "bip"\nkind = "http"\nurl = "htp//bip"',
        "checks[0](bip).url:",
    ),
    (
        "bad_webhook_url",
        '[notifications]\n[[notifications.webhook]]\nname = "czat"\nurl = "ftp://czat.example/"',
        "notifications.webhook[0](czat).url:",
    ),
    ("bad_bind", 'language = "pl"\n[daemon]\nlog_level = "LOUD"', "daemon.log_level:"),
    ("unknown_check_kind", '[[checks]]\nname = "x"\nkind = "telepathy"', "checks[0](x):"),
    (
        "unknown_check_option",
        '[[checks]]\nname = "x"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 1\nprot = 2',
        'checks[0](x).prot: unknown key (did you mean "port"?)',
    ),
    (
        "port_out_of_range",
        '[[checks]]\nname = "x"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 70000',
        "checks[0](x).port:",
    ),
    (
        "maintenance_end_before_start",
        '[[maintenance]]\nname = "okno"\nstart = 2026-12-05T22:00:00\nend = 2026-12-05T18:00:00',
        "maintenance[0](okno):",
    ),
    ("unknown_timezone", '[office]\ntimezone = "Mars/Olympus"', "office.timezone:"),
    # issue 13: a note (or a window's name) is a string or one text per language
    (
        "note_in_an_unknown_language",
        '[[checks]]\nname = "x"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 1\n'
        'note.pl = "DEMO: celowo"\nnote.de = "DEMO: absichtlich"',
        "checks[0](x).note.de: unknown key",
    ),
    (
        "note_table_of_no_language",
        '[[checks]]\nname = "x"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 1\nnote = {}',
        'checks[0](x).note: give the text in at least one language: {pl = "…", en = "…"}',
    ),
    (
        "note_as_a_number",
        '[[checks]]\nname = "x"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 1\nnote = 5',
        'checks[0](x).note: expected a text or a table {pl = "…", en = "…"}',
    ),
    (
        "maintenance_name_too_long_in_english",
        '[[maintenance]]\nname.pl = "okno"\nname.en = "' + "w" * 201 + '"\n'
        'weekdays = ["sunday"]\nhours = "02:00-04:00"',
        "maintenance[0].name: en: 1 to 200 characters",
    ),
    (
        "body_regex_re2_refuses_backreference",
        '[[checks]]\nname = "bip"\nkind = "http"\nurl = "http://127.0.0.1:1/"\n'
        "body_regex = '(a)\\1'",
        "checks[0](bip).body_regex: not a pattern RE2 accepts (invalid escape sequence: \\1)",
    ),
    (
        "body_regex_re2_refuses_lookahead",
        '[[checks]]\nname = "bip"\nkind = "http"\nurl = "http://127.0.0.1:1/"\n'
        "body_regex = 'Urz(?=ad)'",
        "checks[0](bip).body_regex: not a pattern RE2 accepts (invalid perl operator: (?=)",
    ),
    # issue 14.5: each of these crashed `config check` (exit 1) or was accepted silently
    (
        "duration_past_timedelta",
        'session_idle = "99999999999d"',
        'web.session_idle: "99999999999d" is longer than 36500d (100 years)',
    ),
    (
        "duration_float_overflow",
        'session_idle = "' + "9" * 400 + 'd"',
        'web.session_idle: "' + "9" * 400 + 'd" is longer than 36500d (100 years)',
    ),
    (
        "duration_inf",
        "session_idle = inf",
        "web.session_idle: duration must be a finite number of seconds, not inf",
    ),
    (
        "duration_nan",
        "session_idle = nan",
        "web.session_idle: duration must be a finite number of seconds, not nan",
    ),
    (
        "toml_nested_5000_levels",
        "deep = " + "[" * 5000 + "]" * 5000,
        "web.deep: nested more than 32 levels deep (no itops setting is) (line ",
    ),
    (
        "toml_inline_tables_nested_5000_levels",
        "deep = " + "{a = " * 5000 + "1" + "}" * 5000,
        "web.deep: nested more than 32 levels deep (no itops setting is) (line ",
    ),
    (
        "toml_dotted_key_5000_levels",
        "deep" + ".x" * 5000 + " = 1",
        "web.deep" + ".x" * 31 + ": nested more than 32 levels deep (no itops setting is)",
    ),
    (
        "interval_of_1ms",
        '[[checks]]\nname = "www"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 1\n'
        'interval = "1ms"\ntimeout = "1ms"',
        "checks[0](www).interval: 0.001s is too short: an interval is at least 1s",
    ),
    (
        "timeout_longer_than_interval",
        '[[checks]]\nname = "www"\nkind = "tcp"\nhost = "127.0.0.1"\nport = 1\n'
        'interval = "5s"\ntimeout = "30s"',
        "checks[0](www).timeout: timeout (30s) is longer than interval (5s)",
    ),
    (
        "backup_timeout_longer_than_interval",
        '[[backups]]\nname = "nas"\nkind = "file"\npath = "/srv/backup"\nmax_age = "26h"\n'
        'interval = "1m"\ntimeout = "2m"',
        "backups[0](nas).timeout: timeout (120s) is longer than interval (60s)",
    ),
    (
        "clamav_timeout_longer_than_interval",
        '[antivirus]\n[[antivirus.clamav]]\nname = "clamd"\ninterval = "10s"\ntimeout = "30s"',
        "antivirus.clamav[0](clamd).timeout: timeout (30s) is longer than interval (10s)",
    ),
    (
        "duplicate_push_tokens",
        '[[backups]]\nname = "ksiegowosc"\nkind = "push"\nperiod = "1d"\n'
        'token = "0d5e1c9a-0000-4000-8000-000000000001"\n'
        '[[backups]]\nname = "kadry"\nkind = "push"\nperiod = "1d"\n'
        'token = "0D5E1C9A-0000-4000-8000-000000000001"',
        'backups: "kadry" and "ksiegowosc" share one push token: give each backup its own',
    ),
    (
        "session_key_from_proc",
        'secret_key_file = "/proc/self/environ"',
        "web.secret_key_file: /proc/self/environ is a kernel file (/proc, /sys, /dev), "
        "not a secret",
    ),
    (
        "metrics_token_from_dev",
        'metrics_token_file = "/dev/zero"',
        "web.metrics_token_file: /dev/zero is a kernel file (/proc, /sys, /dev), not a secret",
    ),
]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    out = capsys.readouterr()
    return code, out.out + out.err


def _config(tmp_path: Path, extra: str) -> tuple[Path, Path]:
    database = tmp_path / "data" / "itops.db"
    (tmp_path / "data").mkdir()
    path = write_config(tmp_path / "itops.toml", f"sqlite:///{database}")
    text = path.read_text(encoding="utf-8")
    if extra.startswith("[office]"):
        # redefine a key of [office] in place (TOML forbids a second [office] table)
        text = text.replace('timezone = "Europe/Warsaw"', extra.split("\n", 1)[1])
    else:
        text += extra + "\n"
    path.write_text(text, encoding="utf-8")
    return path, database


def _assert_refused(
    capsys: pytest.CaptureFixture[str], path: Path, database: Path, expected: str
) -> None:
    before = sorted(os.listdir(database.parent))
    code, out = _run(capsys, "--config", str(path), "config", "check")
    assert code == 2, out
    assert f"{path}: {expected}" in out, out
    assert "Traceback" not in out
    # only after `config check` refused may `run` be tried: a valid file would start a daemon
    code, out = _run(capsys, "--config", str(path), "run")
    assert code == 2, out
    assert f"{path}: {expected}" in out, out
    assert "Traceback" not in out
    assert not database.exists()
    assert sorted(os.listdir(database.parent)) == before


@pytest.fixture(autouse=True)
def _no_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ITOPS_DATABASE_URL", raising=False)
    monkeypatch.delenv("ITOPS_CONFIG", raising=False)


@pytest.mark.parametrize(("extra", "expected"), [c[1:] for c in CORPUS], ids=[c[0] for c in CORPUS])
def test_a_broken_config_exits_2_naming_the_key_and_leaves_the_database_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, expected: str
) -> None:
    path, database = _config(tmp_path, extra)
    _assert_refused(capsys, path, database, expected)


def test_a_toml_syntax_error_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, database = _config(tmp_path, "[daemon\nlog_level = 1")
    _assert_refused(capsys, path, database, "(syntax): ")
    code, out = _run(capsys, "--config", str(path), "config", "check")
    assert "line" in out


def test_a_config_that_is_not_utf8_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, database = _config(tmp_path, "")
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1250"))
    _assert_refused(capsys, path, database, "(file): not valid UTF-8")


def test_a_config_without_the_office_section_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "data" / "itops.db"
    (tmp_path / "data").mkdir()
    path = tmp_path / "itops.toml"
    path.write_text(f'[storage]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    _assert_refused(capsys, path, database, "office: required key is missing")


SECRETS: list[tuple[str, str, str]] = [
    ("metrics_token", 'metrics_token_file = "{secret}"', "web.metrics_token_file:"),
    ("session_key", 'secret_key_file = "{secret}"', "web.secret_key_file:"),
    (
        "smtp_password",
        "[notifications]\nenabled = true\n[[notifications.email]]\n"
        'name = "poczta"\nhost = "127.0.0.1"\nsender = "itops@urzad.example"\n'
        'username = "itops"\npassword_file = "{secret}"',
        "notifications.email[0](poczta).password_file:",
    ),
    (
        "webhook_token",
        "[notifications]\nenabled = true\n[[notifications.webhook]]\n"
        'name = "czat"\nurl = "http://127.0.0.1:9/hook"\ntoken_file = "{secret}"',
        "notifications.webhook[0](czat).token_file:",
    ),
]


@pytest.mark.parametrize(
    ("extra", "expected"), [s[1:] for s in SECRETS], ids=[s[0] for s in SECRETS]
)
def test_a_missing_secret_file_exits_2_naming_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, expected: str
) -> None:
    missing = tmp_path / "brak.secret"
    path, database = _config(tmp_path, extra.format(secret=missing))
    _assert_refused(capsys, path, database, f"{expected} {missing}: file not found")


@pytest.mark.parametrize(
    ("extra", "expected"), [s[1:] for s in SECRETS], ids=[s[0] for s in SECRETS]
)
def test_a_secret_path_that_is_a_directory_exits_2_naming_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, expected: str
) -> None:
    secret_dir = tmp_path / "sekrety"
    secret_dir.mkdir()
    path, database = _config(tmp_path, extra.format(secret=secret_dir))
    _assert_refused(capsys, path, database, f"{expected} {secret_dir} is a directory")


@pytest.mark.parametrize(
    ("extra", "expected"), [s[1:] for s in SECRETS], ids=[s[0] for s in SECRETS]
)
def test_an_unreadable_secret_file_exits_2_naming_its_key(
    tmp_path: Path, extra: str, expected: str
) -> None:
    """Run as a child that cannot override file modes: root (CI) reads any file."""
    secret = tmp_path / "tajne"
    secret.write_text("s3cret\n")
    secret.chmod(0)
    path, database = _config(tmp_path, extra.format(secret=secret))
    for command in ("config check", "run"):
        done = subprocess.run(
            without_root_reads(
                [sys.executable, "-m", "itops", "--config", str(path), *command.split()]
            ),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={
                k: v
                for k, v in os.environ.items()
                if k not in ("ITOPS_DATABASE_URL", "ITOPS_CONFIG")
            },
        )
        out = done.stdout + done.stderr
        assert done.returncode == 2, out
        assert f"{path}: {expected} {secret}: not readable" in out, out
        assert "Traceback" not in out
    assert not database.exists()


@pytest.mark.parametrize(
    ("extra", "expected"), [s[1:] for s in SECRETS], ids=[s[0] for s in SECRETS]
)
def test_an_empty_secret_file_exits_2_naming_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, expected: str
) -> None:
    secret = tmp_path / "pusty"
    secret.write_text("\n")
    path, database = _config(tmp_path, extra.format(secret=secret))
    _assert_refused(capsys, path, database, f"{expected} {secret} is empty")


@pytest.mark.parametrize("content", [b"x", b"0123456789abcdef0123456789abcde\n"])
def test_a_session_key_under_32_bytes_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    key = tmp_path / "session.key"
    key.write_bytes(content)
    path, database = _config(tmp_path, f'secret_key_file = "{key}"')
    held = len(content.strip())
    _assert_refused(
        capsys,
        path,
        database,
        f"web.secret_key_file: {key} holds {held} byte{'s' if held > 1 else ''}; this key "
        f"needs at least 32 (e.g. head -c 48 /dev/urandom | base64 > {key})",
    )


def test_a_session_key_of_32_bytes_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "session.key"
    key.write_bytes(b"0123456789abcdef0123456789abcdef\n")
    path, _ = _config(tmp_path, f'secret_key_file = "{key}"')
    code, out = _run(capsys, "--config", str(path), "config", "check")
    assert code == 0, out


@pytest.mark.parametrize("bind", ["0.0.0.0", "[::]", "192.0.2.10"])
def test_a_bind_reachable_from_other_machines_is_allowed_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bind: str
) -> None:
    path, _ = _config(tmp_path, "")
    text = path.read_text(encoding="utf-8")
    text = text.replace('bind = "127.0.0.1:', f'bind = "{bind}:')
    path.write_text(text, encoding="utf-8")
    code, out = _run(capsys, "--config", str(path), "config", "check")
    assert code == 0, out
    assert f'{path}: warning: web.bind: "{bind}:' in out, out
    assert 'put nginx in front (README.md, "Behind nginx with TLS"' in out, out
    assert "## Behind nginx with TLS" in (REPO / "README.md").read_text(encoding="utf-8")


def test_a_loopback_bind_gets_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = _config(tmp_path, "")
    code, out = _run(capsys, "--config", str(path), "config", "check")
    assert code == 0, out
    assert "web.bind" not in out, out


def test_a_default_timeout_longer_than_a_short_interval_is_lowered_to_it() -> None:
    from checks.config import CHECKS
    from itops.config import validate
    from tests.conftest import MINIMAL_OFFICE

    check = {"name": "www", "kind": "tcp", "host": "127.0.0.1", "port": 1, "interval": "5s"}
    settings = validate({"office": MINIMAL_OFFICE, "checks": [check]})
    [config] = settings.section(CHECKS)
    assert config.timeout.total_seconds() == 5


def test_a_secret_path_that_is_a_fifo_exits_2_without_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "kolejka"
    os.mkfifo(fifo)
    path, database = _config(tmp_path, f'metrics_token_file = "{fifo}"')
    _assert_refused(capsys, path, database, f"web.metrics_token_file: {fifo} is not a regular file")
