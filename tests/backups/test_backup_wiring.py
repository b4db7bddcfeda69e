"""The feature as the daemon and the CLI see it: jobs, example config, commands."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from checks.backups.config import Antivirus, BackupConfig, ClamavConfig
from checks.backups.kinds import ANTIVIRUS_KINDS, BACKUP_KINDS
from checks.backups.plugin import feature, jobs
from checks.backups.service import service
from itops import config as config_mod
from itops.check import Check
from itops.cli import main
from itops.context import AppContext
from itops.daemon_parts import call_hook as _call
from itops.plugins import features
from itops.status import Status
from tests.backups.backup_support import settings_with
from tests.conftest import write_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "itops.example.toml"


def test_every_backup_kind_imports_and_is_a_check() -> None:
    for kind in BACKUP_KINDS:
        cls = BACKUP_KINDS.cls(kind)
        assert issubclass(cls, Check) and cls.kind == kind
    assert issubclass(ANTIVIRUS_KINDS.cls("clamav"), Check)


def test_feature_is_registered() -> None:
    assert feature.name in [f.name for f in features()]


def test_example_config_validates_and_documents_every_key() -> None:
    settings = config_mod.load(EXAMPLE, environ={})
    assert {b.kind for b in settings.backups} == set(BACKUP_KINDS)
    text = EXAMPLE.read_text(encoding="utf-8")
    keys = (
        set(BackupConfig.model_fields)
        | set(Antivirus.model_fields)
        | set(ClamavConfig.model_fields)
    )
    for kind in BACKUP_KINDS:
        keys |= set(BACKUP_KINDS.cls(kind).Options.model_fields)
    keys |= set(ANTIVIRUS_KINDS.cls("clamav").Options.model_fields)
    missing = sorted(k for k in keys - {"options"} if k not in text)
    assert not missing


async def test_daemon_jobs_look_sweep_and_prune(ctx: AppContext, tmp_path: Path) -> None:
    ctx.settings = settings_with(
        ctx.settings.storage.url,
        backups=[
            {"name": "ewidencja", "kind": "file", "path": f"{tmp_path}/*.gz", "max_age": "1d"},
            {
                "name": "serwer",
                "kind": "restic",
                "repository": str(tmp_path / "brak-repo"),
                "password_file": str(tmp_path / "brak-hasla"),
                "max_age": "1d",
            },
        ],
    )
    dump = tmp_path / "a.gz"
    dump.write_bytes(b"x" * 10)
    stamp = (ctx.clock.now() - timedelta(hours=1)).timestamp()
    os.utime(dump, (stamp, stamp))
    found = {job.id: job for job in jobs(ctx, service(ctx))}
    assert set(found) == {
        "look:ewidencja",
        "look:serwer",
        "verify:serwer",
        "antivirus-sweep",
        "prune",
    }
    for job in found.values():
        await _call(job.func, ctx)
    snap = service(ctx).snapshot.backups
    assert snap["ewidencja"].status is Status.OK
    # A missing password file never crashes a job: UNKNOWN with a hint.
    assert snap["serwer"].status is Status.UNKNOWN
    assert "password_file" in str(snap["serwer"].summary)


def itops(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run the real ``itops`` entry point; (exit code, stdout + stderr)."""
    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_cli_records_and_lists_restore_tests(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = (
        '[[backups]]\nname = "nas"\nkind = "push"\n'
        'token = "00000000-0000-4000-8000-000000000001"\nperiod = "1d"\n'
    )
    cfg = str(write_config(tmp_path / "itops.toml", db_url, extra=extra))
    rt = ("--config", cfg, "backups", "restore-test")
    code, out = itops(
        capsys,
        *rt,
        "add",
        "nas",
        "--by",
        "Jan Testowy",
        "--restored",
        "udział kadry",
        "--result",
        "ok",
        "--at",
        "2026-11-20T10:00",
    )
    assert code == 0, out
    code, out = itops(capsys, *rt, "list")
    assert "udział kadry" in out and "2026-11-20 10:00" in out
    code, out = itops(
        capsys, *rt, "add", "brak", "--by", "Jan", "--restored", "x", "--result", "ok"
    )
    assert code == 2 and 'unknown backup "brak"' in out
    code, out = itops(capsys, "--config", cfg, "antivirus", "status", "--host", "PC-01")
    assert code == 0 and "compliant: 0/1" in out
    code, out = itops(capsys, "--config", cfg, "backups", "list")
    assert code == 0 and "nas\tpush" in out


async def test_running_daemon_looks_at_backups_and_answers_pings(
    ctx: AppContext, tmp_path: Path
) -> None:
    """The real Daemon: start hook, first look at start, push endpoint, clean stop."""
    import asyncio

    import aiohttp

    from itops.daemon import Daemon
    from itops.sdnotify import Notifier
    from tests.backups.backup_support import PUSH_TOKEN
    from tests.conftest import free_port

    port = free_port()
    ctx.settings = settings_with(
        ctx.settings.storage.url,
        web={"bind": f"127.0.0.1:{port}"},
        backups=[
            {"name": "ewidencja", "kind": "file", "path": f"{tmp_path}/*.gz", "max_age": "1d"},
            {"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"},
        ],
    )
    daemon = Daemon(ctx, Notifier(environ={}))
    running = asyncio.create_task(daemon.run())
    snap = service(ctx).snapshot
    for _ in range(200):
        if "ewidencja" in snap.backups and "nas" in snap.backups:
            break
        await asyncio.sleep(0.05)
    assert snap.backups["ewidencja"].status is Status.CRITICAL  # no dump yet
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{port}/ping/{PUSH_TOKEN}") as resp:
            assert resp.status == 200
    assert snap.backups["nas"].status is Status.OK
    daemon.stop()
    assert await asyncio.wait_for(running, 20) == 0


async def test_home_tiles_show_noncompliant_backups(ctx: AppContext, tmp_path: Path) -> None:
    from checks.backups.plugin import tiles

    ctx.settings = settings_with(
        ctx.settings.storage.url,
        backups=[
            {"name": "ewidencja", "kind": "file", "path": f"{tmp_path}/*.gz", "max_age": "1d"}
        ],
    )
    await service(ctx).look("ewidencja")
    [tile] = tiles(ctx)
    assert tile.value == "0/1" and tile.ok is False and "ewidencja" in tile.detail


def test_backups_tile_counts_only_ok_as_ok_and_names_unknown() -> None:
    """One OK, one error, two unknown was shown as 3/4 (issue 13)."""
    from datetime import UTC, datetime

    from checks.backups.plugin import backup_tile
    from checks.backups.store import BackupSnapshot

    at = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

    def snap(name: str, status: Status) -> BackupSnapshot:
        return BackupSnapshot(
            name, "file", "office", status, "", at, None, None, None, None, None, ""
        )

    tile = backup_tile(
        [
            snap("nas", Status.OK),
            snap("ewidencja", Status.CRITICAL),
            snap("poczta", Status.UNKNOWN),
            snap("serwer-plikow", Status.UNKNOWN),
        ]
    )
    assert (tile.value, tile.detail, tile.ok) == (
        "1/4",
        "1 w porządku, 1 błąd (ewidencja), 2 brak danych",
        False,
    )
    assert tile.say is not None and tile.say("en") == (  # the English Pulpit (issue 15)
        "Backups",
        "1/4",
        "1 OK, 1 error (ewidencja), 2 no data",
    )
    tile = backup_tile([snap("nas", Status.OK), snap("poczta", Status.WARNING)])
    assert (tile.value, tile.detail, tile.ok) == ("1/2", "1 w porządku, 1 ostrzeżenie", False)
    tile = backup_tile([snap("nas", Status.OK)])
    assert (tile.value, tile.detail, tile.ok) == ("1/1", "1 w porządku", True)
