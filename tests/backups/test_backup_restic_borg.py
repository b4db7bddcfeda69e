"""restic and borg backups against real repositories in a temporary directory.

Marked slow: each test runs the real binaries (Debian packages restic and borgbackup).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from checks.kinds.backup_borg import BorgBackupCheck
from checks.kinds.backup_restic import ResticBackupCheck
from itops.clock import FixedClock, SystemClock
from itops.runner import CheckRunner
from itops.status import ProbeResult, Status
from tests.backups.backup_support import backup

pytestmark = pytest.mark.slow


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTIC_", "BORG_"))}
    env.update(HOME=str(tmp / "home"), RESTIC_CACHE_DIR=str(tmp / "cache"))
    env["BORG_BASE_DIR"] = str(tmp / "borgbase")
    return env


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:116] = b"X" * 16
    path.chmod(0o600)
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def restic_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("restic")
    (tmp / "pass").write_text("haslo-testowe-1\n")
    (tmp / "data").mkdir()
    (tmp / "data" / "ewidencja.sql").write_bytes(os.urandom(150_000))
    base = ["restic", "--repo", str(tmp / "repo"), "--password-file", str(tmp / "pass")]
    env = _env(tmp)
    subprocess.run([*base, "init"], check=True, env=env, capture_output=True)
    subprocess.run(
        [*base, "backup", "--host", "serwer-testowy", str(tmp / "data")],
        check=True,
        env=env,
        capture_output=True,
    )
    yield tmp


def restic_cfg(tmp: Path, **keys: object) -> object:
    values: dict[str, object] = {
        "kind": "restic",
        "repository": str(tmp / "repo"),
        "password_file": str(tmp / "pass"),
        "cache_dir": str(tmp / "cache"),
        "max_age": "26h",
        "read_data_parts": 1,
    }
    values.update(keys)
    return backup(**values)


async def run(check: object) -> ProbeResult:
    result = await CheckRunner(SystemClock(), 1, ()).run(check)  # type: ignore[arg-type]
    assert result is not None
    return result


async def test_restic_fresh_snapshot_is_ok_with_size(restic_repo: Path) -> None:
    result = await run(ResticBackupCheck(restic_cfg(restic_repo)))  # type: ignore[arg-type]
    assert result.status is Status.OK, result.summary
    assert result.value("size_bytes") == 150_000
    assert result.value("count") == 1


async def test_restic_snapshot_older_than_max_age_is_critical(restic_repo: Path) -> None:
    later = FixedClock(SystemClock().now() + timedelta(days=2))
    result = await run(ResticBackupCheck(restic_cfg(restic_repo), clock=later))  # type: ignore[arg-type]
    assert result.status is Status.CRITICAL
    assert "max_age" in str(result.summary)


async def test_restic_host_filter_without_match_is_critical(restic_repo: Path) -> None:
    cfg = restic_cfg(restic_repo, host="inny-serwer")
    result = await run(ResticBackupCheck(cfg))  # type: ignore[arg-type]
    assert result.status is Status.CRITICAL
    assert "no snapshot" in str(result.summary)


async def test_restic_missing_repository_is_critical_with_a_hint(
    tmp_path: Path, restic_repo: Path
) -> None:
    cfg = restic_cfg(restic_repo, repository=str(tmp_path / "nie-ma"))
    result = await run(ResticBackupCheck(cfg))  # type: ignore[arg-type]
    assert result.status is Status.CRITICAL
    assert "no restic repository" in str(result.summary) and "mounted" in str(result.summary)


async def test_restic_wrong_password_is_unknown_with_a_hint(
    tmp_path: Path, restic_repo: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("zle-haslo\n")
    result = await run(ResticBackupCheck(restic_cfg(restic_repo, password_file=str(wrong))))  # type: ignore[arg-type]
    assert result.status is Status.UNKNOWN
    assert "wrong password" in str(result.summary)


async def test_restic_missing_password_file_is_unknown_with_a_hint(
    tmp_path: Path, restic_repo: Path
) -> None:
    cfg = restic_cfg(restic_repo, password_file=str(tmp_path / "brak"))
    result = await run(ResticBackupCheck(cfg))  # type: ignore[arg-type]
    assert result.status is Status.UNKNOWN
    assert "password_file" in str(result.summary) and "does not exist" in str(result.summary)


async def test_restic_check_passes_then_fails_after_a_pack_is_corrupted(tmp_path: Path) -> None:
    # Own repository: corruption must not leak into the other tests.
    (tmp_path / "pass").write_text("haslo-testowe-2\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.bin").write_bytes(os.urandom(120_000))
    base = ["restic", "--repo", str(tmp_path / "repo"), "--password-file", str(tmp_path / "pass")]
    env = _env(tmp_path)
    subprocess.run([*base, "init"], check=True, env=env, capture_output=True)
    subprocess.run(
        [*base, "backup", str(tmp_path / "data")], check=True, env=env, capture_output=True
    )
    cfg = restic_cfg(tmp_path)
    ok = await run(ResticBackupCheck(cfg, verify=True))  # type: ignore[arg-type]
    assert ok.status is Status.OK, ok.summary
    assert ok.value("verify_ok") == 1
    pack = max(
        (tmp_path / "repo" / "data").rglob("*"),
        key=lambda p: p.stat().st_size if p.is_file() else 0,
    )
    _corrupt(pack)
    bad = await run(ResticBackupCheck(cfg, verify=True))  # type: ignore[arg-type]
    assert bad.status is Status.CRITICAL
    assert bad.value("verify_ok") == 0
    assert "restic check failed" in str(bad.summary)


async def test_restic_locked_repository_is_unknown_not_a_failure(restic_repo: Path) -> None:
    base = [
        "restic",
        "--repo",
        str(restic_repo / "repo"),
        "--password-file",
        str(restic_repo / "pass"),
    ]
    holder = subprocess.Popen(
        [*base, "backup", "--stdin", "--stdin-filename", "trwa.txt"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(restic_repo),
    )
    try:
        locks = restic_repo / "repo" / "locks"
        for _ in range(100):
            if any(locks.iterdir()):
                break
            await asyncio.sleep(0.05)
        result = await run(ResticBackupCheck(restic_cfg(restic_repo), verify=True))  # type: ignore[arg-type]
    finally:
        holder.kill()
        holder.wait()
        if holder.stdin is not None:
            holder.stdin.close()
        for lock in (restic_repo / "repo" / "locks").iterdir():
            lock.unlink()
    assert result.status is Status.UNKNOWN
    assert "locked" in str(result.summary) and "restic unlock" in str(result.summary)


@pytest.fixture
def borg_repo(tmp_path: Path) -> Path:
    (tmp_path / "pass").write_text("haslo-borg-1\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "kadry.sql").write_bytes(os.urandom(200_000))
    env = _env(tmp_path)
    env.pop("BORG_PASSPHRASE", None)
    env["BORG_PASSCOMMAND"] = f"cat {tmp_path / 'pass'}"
    repo = str(tmp_path / "repo")
    subprocess.run(
        ["borg", "init", "-e", "repokey", repo], check=True, env=env, capture_output=True
    )
    subprocess.run(
        ["borg", "create", f"{repo}::kopia-1", str(tmp_path / "data")],
        check=True,
        env=env,
        capture_output=True,
    )
    return tmp_path


def borg_cfg(tmp: Path, **keys: object) -> object:
    values: dict[str, object] = {
        "kind": "borg",
        "repository": str(tmp / "repo"),
        "password_file": str(tmp / "pass"),
        "base_dir": str(tmp / "borgbase"),
        "max_age": "26h",
    }
    values.update(keys)
    return backup(**values)


async def test_borg_fresh_archive_is_ok_with_size(borg_repo: Path) -> None:
    result = await run(BorgBackupCheck(borg_cfg(borg_repo)))  # type: ignore[arg-type]
    assert result.status is Status.OK, result.summary
    assert result.value("size_bytes") == 200_000
    stamp = result.value("last_success_ts")
    assert stamp is not None and abs(stamp - SystemClock().now().timestamp()) < 600


async def test_borg_check_passes_then_fails_after_a_segment_is_corrupted(borg_repo: Path) -> None:
    cfg = borg_cfg(borg_repo)
    ok = await run(BorgBackupCheck(cfg, verify=True))  # type: ignore[arg-type]
    assert ok.status is Status.OK, ok.summary
    segments = [p for p in (borg_repo / "repo" / "data").rglob("*") if p.is_file()]
    _corrupt(max(segments, key=lambda p: p.stat().st_size))
    bad = await run(BorgBackupCheck(cfg, verify=True))  # type: ignore[arg-type]
    assert bad.status is Status.CRITICAL
    assert "borg check found errors" in str(bad.summary)


async def test_borg_missing_repository_is_critical_with_a_hint(borg_repo: Path) -> None:
    result = await run(BorgBackupCheck(borg_cfg(borg_repo, repository=str(borg_repo / "nie-ma"))))  # type: ignore[arg-type]
    assert result.status is Status.CRITICAL
    assert "no borg repository" in str(result.summary)


async def test_borg_wrong_password_is_unknown_with_a_hint(borg_repo: Path) -> None:
    wrong = borg_repo / "wrong"
    wrong.write_text("zle\n")
    result = await run(BorgBackupCheck(borg_cfg(borg_repo, password_file=str(wrong))))  # type: ignore[arg-type]
    assert result.status is Status.UNKNOWN
    assert "passphrase" in str(result.summary)


async def test_missing_binary_is_unknown_with_a_hint(borg_repo: Path) -> None:
    result = await run(BorgBackupCheck(borg_cfg(borg_repo, binary="borg-nie-istnieje")))  # type: ignore[arg-type]
    assert result.status is Status.UNKNOWN
    assert "not installed" in str(result.summary)


async def test_restic_verification_rotates_data_subsets_on_its_own_schedule(
    ctx: object, restic_repo: Path
) -> None:
    from checks.backups.service import service
    from tests.backups.backup_support import settings_with

    app: Any = ctx
    app.settings = settings_with(
        app.settings.storage.url,
        backups=[
            {
                "name": "serwer",
                "kind": "restic",
                "repository": str(restic_repo / "repo"),
                "password_file": str(restic_repo / "pass"),
                "cache_dir": str(restic_repo / "cache"),
                "max_age": "26h",
                "read_data_parts": 3,
                "verify_interval": "1d",
            }
        ],
    )
    svc = service(app)
    first = await svc.verify_if_due("serwer")
    assert first is not None and "data part 1/3" in str(first.verify_summary)
    assert await svc.verify_if_due("serwer") is None  # not due again within verify_interval
    app.clock.advance(timedelta(days=1, seconds=1))
    second = await svc.verify_if_due("serwer")
    assert second is not None and "data part 2/3" in str(second.verify_summary)
    assert second.last_verify_ok is True


async def test_a_hanging_tool_is_killed_at_the_timeout_and_reported_unknown(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "restic").write_text("#!/bin/sh\nsleep 30\n")
    (fake / "restic").chmod(0o755)
    (tmp_path / "pass").write_text("x\n")
    cfg = backup(
        kind="restic",
        repository=str(tmp_path / "repo"),
        password_file=str(tmp_path / "pass"),
        max_age="1d",
        timeout="1s",
        binary=str(fake / "restic"),
    )
    result = await run(ResticBackupCheck(cfg))  # type: ignore[arg-type]
    assert result.status is Status.UNKNOWN
    assert "no answer within 1 s" in str(result.summary)


async def test_borg_locked_repository_is_unknown_not_a_failure(borg_repo: Path) -> None:
    env = _env(borg_repo)
    env["BORG_PASSCOMMAND"] = f"cat {borg_repo / 'pass'}"
    holder = subprocess.Popen(
        ["borg", "with-lock", str(borg_repo / "repo"), "sleep", "30"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        for _ in range(200):
            if (borg_repo / "repo" / "lock.exclusive").exists():
                break
            await asyncio.sleep(0.05)
        cfg = borg_cfg(borg_repo, lock_wait=1)
        result = await run(BorgBackupCheck(cfg, verify=True))  # type: ignore[arg-type]
    finally:
        holder.kill()
        holder.wait()
    assert result.status is Status.UNKNOWN, result.summary
    assert "locked" in str(result.summary) and "break-lock" in str(result.summary)


# restic ≥ 0.17 says it with exit codes 10/11/12; the installed 0.14 exits 1 and says it
# only on stderr (the tests above run the real binary). Both must map the same way.
def test_restic_exit_code_10_is_a_missing_repository() -> None:
    from checks.kinds.backup_base import REPO_MISSING, ToolResult
    from checks.kinds.backup_restic import classify_failure

    assert classify_failure("kopia", "/srv/repo", ToolResult(10, "", "Fatal: x")) == REPO_MISSING


def test_restic_exit_code_11_is_locked_with_the_unlock_hint() -> None:
    from checks.kinds.backup_base import ToolResult
    from checks.kinds.backup_restic import classify_failure
    from itops.errors import ProbeError

    with pytest.raises(ProbeError, match="locked by another restic process.*restic unlock"):
        classify_failure("kopia", "/srv/repo", ToolResult(11, "", "Fatal: x"))


def test_restic_exit_code_12_is_a_wrong_password() -> None:
    from checks.kinds.backup_base import ToolResult
    from checks.kinds.backup_restic import classify_failure
    from itops.errors import ProbeError

    with pytest.raises(ProbeError, match="wrong password for /srv/repo"):
        classify_failure("kopia", "/srv/repo", ToolResult(12, "", "Fatal: x"))


def test_restic_other_exit_code_is_left_to_the_caller() -> None:
    from checks.kinds.backup_base import ToolResult
    from checks.kinds.backup_restic import classify_failure

    assert classify_failure("kopia", "/srv/repo", ToolResult(1, "", "Fatal: x")) is None


def test_installed_restic_reports_a_missing_repository_by_code_or_text(tmp_path: Path) -> None:
    """Whatever the installed version exits with, the classifier recognises it."""
    from checks.kinds.backup_base import REPO_MISSING, ToolResult
    from checks.kinds.backup_restic import classify_failure

    (tmp_path / "pass").write_text("x\n")
    done = subprocess.run(
        [
            "restic",
            "--repo",
            str(tmp_path / "nie-ma"),
            "--password-file",
            str(tmp_path / "pass"),
            "--no-lock",
            "snapshots",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
    )
    assert done.returncode in (1, 10)
    found = classify_failure("kopia", "r", ToolResult(done.returncode, done.stdout, done.stderr))
    assert found == REPO_MISSING
