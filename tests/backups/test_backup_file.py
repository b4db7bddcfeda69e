"""``file`` backups on a real directory: age, size, shrink, sha256 sidecar, bad paths."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from checks.kinds.backup_file import FileBackupCheck
from itops.clock import FixedClock
from itops.runner import CheckRunner
from itops.status import ProbeResult, Status
from tests.backups.backup_support import NOW, backup
from tests.conftest import without_root_reads

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, size: int, age: timedelta) -> Path:
    path.write_bytes(b"x" * size)
    stamp = (NOW - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


async def run(tmp_path: Path, **keys: object) -> ProbeResult:
    cfg = backup(kind="file", path=str(tmp_path / "*.sql.gz"), max_age="26h", **keys)
    check = FileBackupCheck(cfg, clock=FixedClock(NOW))
    result = await CheckRunner(FixedClock(NOW), 1, ()).run(check)
    assert result is not None
    return result


async def test_newest_file_within_max_age_is_ok(tmp_path: Path) -> None:
    write(tmp_path / "a.sql.gz", 1000, timedelta(days=3))
    write(tmp_path / "b.sql.gz", 1000, timedelta(hours=2))
    result = await run(tmp_path)
    assert result.status is Status.OK
    assert "2 h" in str(result.summary)
    assert result.value("size_bytes") == 1000


async def test_newest_file_older_than_max_age_is_critical(tmp_path: Path) -> None:
    write(tmp_path / "a.sql.gz", 1000, timedelta(hours=27))
    result = await run(tmp_path)
    assert result.status is Status.CRITICAL
    assert "max_age" in str(result.summary)


async def test_no_matching_file_is_critical(tmp_path: Path) -> None:
    write(tmp_path / "other.txt", 1000, timedelta(hours=1))
    result = await run(tmp_path)
    assert result.status is Status.CRITICAL
    assert "no file matches" in str(result.summary)


async def test_missing_directory_is_critical_with_a_hint(tmp_path: Path) -> None:
    result = await run(tmp_path / "not-mounted")
    assert result.status is Status.CRITICAL
    assert "does not exist" in str(result.summary) and "mounted" in str(result.summary)


async def test_path_through_a_file_is_unknown_with_a_hint(tmp_path: Path) -> None:
    write(tmp_path / "plik", 10, timedelta(0))
    result = await run(tmp_path / "plik")
    assert result.status is Status.UNKNOWN
    assert "not a directory" in str(result.summary)


async def test_unreadable_directory_is_unknown_with_a_hint(tmp_path: Path) -> None:
    """Probed in a child process that cannot override file modes (root reads anything)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    script = (
        "import asyncio, json, pathlib, sys\n"
        "from tests.backups.test_backup_file import run\n"
        "r = asyncio.run(run(pathlib.Path(sys.argv[1])))\n"
        "print(json.dumps([int(r.status), str(r.summary)]))\n"
    )
    try:
        done = subprocess.run(
            without_root_reads([sys.executable, "-c", script, str(locked)]),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            check=False,
        )
    finally:
        locked.chmod(0o700)
    assert done.returncode == 0, done.stderr
    status, summary = json.loads(done.stdout)
    assert status == Status.UNKNOWN
    assert "permission denied" in summary


async def test_file_much_smaller_than_previous_median_is_warning(tmp_path: Path) -> None:
    for i, size in enumerate([1000, 1100, 1050]):
        write(tmp_path / f"old{i}.sql.gz", size, timedelta(days=i + 1))
    write(tmp_path / "new.sql.gz", 300, timedelta(hours=1))
    result = await run(tmp_path)
    assert result.status is Status.WARNING
    assert "smaller than the median" in str(result.summary)


async def test_file_below_min_size_is_critical(tmp_path: Path) -> None:
    write(tmp_path / "new.sql.gz", 10, timedelta(hours=1))
    result = await run(tmp_path, min_size="1KB")
    assert result.status is Status.CRITICAL
    assert "min_size" in str(result.summary)


async def test_matching_sha256_sidecar_verifies_the_file(tmp_path: Path) -> None:
    f = write(tmp_path / "new.sql.gz", 500, timedelta(hours=1))
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    (tmp_path / "new.sql.gz.sha256").write_text(f"{digest}  new.sql.gz\n")
    result = await run(tmp_path)
    assert result.status is Status.OK
    assert result.value("verify_ok") == 1


async def test_wrong_sha256_sidecar_is_critical(tmp_path: Path) -> None:
    write(tmp_path / "new.sql.gz", 500, timedelta(hours=1))
    (tmp_path / "new.sql.gz.sha256").write_text("0" * 64 + "  new.sql.gz\n")
    result = await run(tmp_path)
    assert result.status is Status.CRITICAL
    assert result.value("verify_ok") == 0


async def test_missed_cron_run_is_critical_after_grace(tmp_path: Path) -> None:
    # Daily at 02:00 Warsaw; last file from two days ago → the run of 25 Nov was missed.
    write(tmp_path / "a.sql.gz", 1000, timedelta(days=2))
    cfg = backup(kind="file", path=str(tmp_path / "*.sql.gz"), schedule="0 2 * * *", grace="1h")
    result = await CheckRunner(FixedClock(NOW), 1, ()).run(
        FileBackupCheck(cfg, clock=FixedClock(NOW))
    )
    assert result is not None and result.status is Status.CRITICAL
    assert "schedule" in str(result.summary)
