"""A real clamd in a temporary directory with a tiny unsigned signature database."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks.kinds.clamav import ClamavCheck, parse_header, parse_sigtool_info, parse_version_reply
from itops.clock import FixedClock, SystemClock
from itops.runner import CheckRunner
from itops.status import ProbeResult, Status
from tests.backups.backup_support import settings_with

pytestmark = pytest.mark.slow

SIGNATURE = "ItopsTest.Marker:0:*:4954504f50532d544553542d4d41524b4552\n"


def build_database(target: Path) -> None:
    """``sigtool --unsigned --build`` a one-signature daily.cud (no network, no key)."""
    build = target / "build"
    build.mkdir()
    (build / "daily.ndb").write_text(SIGNATURE)
    (build / "COPYING").write_text("test database for itops\n")
    subprocess.run(
        ["sigtool", "--unsigned", "--build=daily.cud", f"--datadir={target / 'db'}"],
        cwd=build,
        input="1\nitops-test\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=60,
    )
    shutil.move(build / "daily.cud", target / "db" / "daily.cud")


@pytest.fixture(scope="module")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("clamav")
    (tmp / "db").mkdir()
    build_database(tmp)
    sock = tmp / "clamd.sock"
    (tmp / "clamd.conf").write_text(
        f"Foreground yes\nLocalSocket {sock}\nDatabaseDirectory {tmp / 'db'}\n"
        f"TemporaryDirectory {tmp}\nLogFile {tmp / 'clamd.log'}\nSelfCheck 0\n"
    )
    proc = subprocess.Popen(
        ["clamd", "-c", str(tmp / "clamd.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"clamd did not start: {(tmp / 'clamd.log').read_text()[-500:]}")
            time.sleep(0.1)
        yield tmp
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def clam_config(tmp: Path, **keys: object) -> object:
    values = {
        "name": "clamav-serwer",
        "socket": str(tmp / "clamd.sock"),
        "database_dir": str(tmp / "db"),
    }
    values.update(keys)
    return settings_with(antivirus={"clamav": [values]}).antivirus.clamav[0]


async def run(cfg: object, clock: object | None = None) -> ProbeResult:
    check = ClamavCheck(cfg, clock=clock)
    result = await CheckRunner(SystemClock(), 1, ()).run(check)  # type: ignore[arg-type]
    assert result is not None
    return result


async def test_running_clamd_with_fresh_signatures_is_ok(clamd: Path) -> None:
    result = await run(clam_config(clamd, freshclam_max_age="26h"), None)
    # No freshclam here: its absence is a WARNING, clamd and signatures are fine.
    assert "clamd answers PONG" in str(result.summary)
    assert result.value("signature_version") == 1
    assert result.status is Status.WARNING
    assert "freshclam" in str(result.summary)


async def test_freshclam_disabled_leaves_clamd_and_signatures_ok(clamd: Path) -> None:
    (clamd / "db" / "freshclam.dat").write_bytes(b"")
    try:
        result = await run(clam_config(clamd))
    finally:
        (clamd / "db" / "freshclam.dat").unlink()
    assert result.status is Status.OK, result.summary


async def test_signatures_older_than_a_day_are_a_warning(clamd: Path) -> None:
    later = FixedClock(SystemClock().now() + timedelta(days=2))
    result = await run(clam_config(clamd, freshclam_max_age=0), later)
    assert result.status is Status.WARNING
    assert "signatures 1 are 2 d" in str(result.summary)


async def test_signatures_older_than_a_week_are_critical(clamd: Path) -> None:
    later = FixedClock(SystemClock().now() + timedelta(days=8))
    result = await run(clam_config(clamd, freshclam_max_age=0), later)
    assert result.status is Status.CRITICAL


async def test_clamd_not_answering_is_critical_with_the_socket_named(clamd: Path) -> None:
    result = await run(clam_config(clamd, socket=str(clamd / "brak.sock"), freshclam_max_age=0))
    assert result.status is Status.CRITICAL
    assert "brak.sock" in str(result.summary)


async def test_unreadable_database_falls_back_to_clamd_version_reply(
    clamd: Path, tmp_path: Path
) -> None:
    result = await run(clam_config(clamd, database_dir=str(tmp_path), freshclam_max_age=0))
    # clamd's own VERSION reply still carries the daily build date.
    assert result.value("signature_ts") is not None
    assert result.status is Status.OK


def test_header_of_a_cld_gives_build_time_and_version() -> None:
    head = b"ClamAV-VDB:20 Nov 2026 08-19 +0000:27830:2071234:90:md5:sig:builder:1795000000"
    built, version = parse_header(head.ljust(512, b" ")) or (None, None)
    assert built == datetime(2026, 11, 20, 8, 19, tzinfo=UTC)
    assert version == 27830


def test_version_reply_gives_daily_version() -> None:
    os.environ.setdefault("TZ", "UTC")
    version, when = parse_version_reply("ClamAV 1.4.6/27830/Thu Nov 26 08:19:52 2026")
    assert version == 27830 and when is not None


def _database_with_header_python_rejects(clamd: Path, target: Path) -> Path:
    """A copy of the test database whose version field is "1x": Python's ``int`` refuses it,
    ClamAV's ``atoi`` (sigtool) reads 1."""
    data = (clamd / "db" / "daily.cud").read_bytes()
    fields = data[:512].split(b"\0", 1)[0].rstrip().split(b":")
    fields[2] = fields[2] + b"x"
    target.mkdir()
    (target / "daily.cud").write_bytes(b":".join(fields).ljust(512, b" ") + data[512:])
    return target


def test_sigtool_info_output_gives_build_time_and_version(clamd: Path) -> None:
    out = subprocess.run(
        ["sigtool", "--info", str(clamd / "db" / "daily.cud")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    parsed = parse_sigtool_info(out)
    assert parsed is not None
    built, version = parsed
    assert version == 1
    assert abs((datetime.now(UTC) - built).total_seconds()) < 3600


async def test_header_python_cannot_read_falls_back_to_sigtool(clamd: Path, tmp_path: Path) -> None:
    db = _database_with_header_python_rejects(clamd, tmp_path / "db")
    assert parse_header((db / "daily.cud").read_bytes()[:512]) is None
    # clamd is asked on a dead socket: only sigtool can tell the age and version.
    cfg = clam_config(
        clamd, database_dir=str(db), socket=str(tmp_path / "brak.sock"), freshclam_max_age=0
    )
    result = await run(cfg)
    assert result.value("signature_version") == 1
    assert "signatures 1 are" in str(result.summary)


async def test_without_sigtool_an_unreadable_header_falls_back_to_clamd_version_reply(
    clamd: Path, tmp_path: Path
) -> None:
    db = _database_with_header_python_rejects(clamd, tmp_path / "db")
    cfg = clam_config(
        clamd, database_dir=str(db), sigtool="sigtool-nie-istnieje", freshclam_max_age=0
    )
    result = await run(cfg)
    assert result.value("signature_ts") is not None
    assert result.status is Status.OK, result.summary


async def test_no_header_no_sigtool_no_clamd_is_unknown_signature_age(
    clamd: Path, tmp_path: Path
) -> None:
    db = _database_with_header_python_rejects(clamd, tmp_path / "db")
    cfg = clam_config(
        clamd,
        database_dir=str(db),
        sigtool="sigtool-nie-istnieje",
        socket=str(tmp_path / "brak.sock"),
        freshclam_max_age=0,
    )
    result = await run(cfg)
    assert result.value("signature_ts") is None
    assert "cannot tell the signature age" in str(result.summary)
    assert result.status is Status.CRITICAL  # clamd down wins over the unknown age
