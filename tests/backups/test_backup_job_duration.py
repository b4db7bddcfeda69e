"""A backup job's own duration (issue 15 "for backups: size and duration over time"), on
SQLite and PostgreSQL: what restic and borg tell of their real repositories is stored on
each look (``backup_run.job_duration``, not the look's own ``duration``) and drawn on the
backup's page with the shared timeline; where the tool says nothing the page says "brak
danych", never 0.

Debian's restic is 0.14, whose snapshots carry no ``summary``: its job duration is not
known (restic >= 0.17 writes ``summary.backup_start/backup_end``, parsed from its JSON
below). borg gives each archive's ``duration``; a push job's start and success pings give
theirs.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from checks.backups import store
from checks.backups.charts import job_time
from checks.backups.models import BackupRun
from checks.backups.service import service
from checks.kinds.backup_restic import job_runtime
from itops import auth
from itops.context import AppContext
from itops.db.session import session_scope
from itops.web.app import create_app
from tests.backups.backup_support import PUSH_TOKEN, settings_with
from tests.backups.test_backup_restic_borg import _env, restic_repo
from tests.web.conftest import PASSWORD, AsgiClient, _cheap_argon2

__all__ = ["_cheap_argon2", "restic_repo"]  # fixtures used here

pytestmark = pytest.mark.slow
SVG = "{http://www.w3.org/2000/svg}"


def configure(ctx: AppContext, **entry: Any) -> None:
    ctx.settings = settings_with(ctx.settings.storage.url, backups=[{"name": "kopia", **entry}])


async def page(ctx: AppContext) -> str:
    with session_scope(ctx.sessions) as db:
        auth.add_user(db, "audytor", "auditor", PASSWORD, ctx.clock.now(), "Anna Testowa")
    client = AsgiClient(create_app(ctx))
    await client.login("audytor")
    reply = await client.get("/backups/kopia")
    assert reply.status == 200
    return reply.text


def job_durations(ctx: AppContext) -> list[float | None]:
    with session_scope(ctx.sessions) as db:
        return [r.job_duration for r in reversed(store.runs(db, "kopia"))]


async def test_borg_archives_durations_are_stored_and_drawn(
    ctx: AppContext, tmp_path: Path
) -> None:
    (tmp_path / "pass").write_text("haslo-borg-2\n")
    (tmp_path / "data").mkdir()
    env = _env(tmp_path)
    env["BORG_PASSCOMMAND"] = f"cat {tmp_path / 'pass'}"
    repo = str(tmp_path / "repo")

    def borg(*args: str) -> str:
        done = subprocess.run(["borg", *args], env=env, capture_output=True, text=True, check=True)
        return done.stdout

    borg("init", "-e", "repokey", repo)
    configure(
        ctx,
        kind="borg",
        repository=repo,
        password_file=str(tmp_path / "pass"),
        base_dir=str(tmp_path / "borgbase"),
        max_age="26h",
    )
    for n in range(2):
        (tmp_path / "data" / f"kadry-{n}.sql").write_bytes(b"DEMO kadry " * 20_000 * (n + 1))
        borg("create", f"{repo}::kopia-{n}", str(tmp_path / "data"))
        await service(ctx).look("kopia")
        ctx.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    listed = borg("info", "--json", "--glob-archives", "kopia-*", repo)
    told = [a["duration"] for a in json.loads(listed)["archives"]]
    stored = job_durations(ctx)
    assert stored == pytest.approx(told) and all(s is not None and s > 0 for s in stored)
    with session_scope(ctx.sessions) as db:  # the look's own time is another column
        rows = db.scalars(select(BackupRun).order_by(BackupRun.id)).all()
        assert [r.job_duration for r in rows] == stored
        assert all(r.duration != r.job_duration for r in rows)
    html = await page(ctx)
    chart = re.search(r'<svg [^>]*id="backup-duration".*?</svg>', html, re.S)
    assert chart and "Czas trwania kopii w czasie" in chart.group(0)
    line = next(e for e in ET.fromstring(chart.group(0)).iter() if e.get("class") == "line")  # noqa: S314
    assert len((line.get("points") or "").split()) == 2
    table = html.split('id="backup-duration"')[1].split("</table>")[0]
    for seconds in told:
        assert f"<td>{job_time(seconds, 'pl')}</td>" in table
    assert job_time(0.04, "pl") == "0,04 s" and job_time(45.5, "en") == "45.5 s"
    assert job_time(None, "pl") == "brak danych" and job_time(1260, "pl") == "21 min"
    assert 'id="backup-duration-none"' not in html


async def test_restic_0_14_tells_no_job_duration_and_the_page_says_no_data(
    ctx: AppContext, restic_repo: Path
) -> None:
    configure(
        ctx,
        kind="restic",
        repository=str(restic_repo / "repo"),
        password_file=str(restic_repo / "pass"),
        cache_dir=str(restic_repo / "cache"),
        max_age="26h",
    )
    await service(ctx).look("kopia")
    version = subprocess.run(["restic", "version"], capture_output=True, text=True, check=True)
    if re.match(r"restic 0\.(1[0-6]|\d)\.", version.stdout) is None:
        pytest.skip(f"{version.stdout.strip()} writes a snapshot summary: see the next test")
    assert job_durations(ctx) == [None]
    html = await page(ctx)
    assert 'id="backup-duration"' not in html and 'id="backup-duration-none"' in html
    assert "Czas trwania kopii: brak danych" in html
    history = html.split('id="history-h"')[1]
    assert "<td>brak danych</td>" in history and "<td>0 s</td>" not in history


def test_restic_0_17_snapshot_summary_gives_the_job_duration(restic_repo: Path) -> None:
    """The real snapshot JSON of the Debian restic, with the summary restic 0.17 adds."""
    base = ["restic", "--repo", str(restic_repo / "repo"), "--password-file"]
    listed = subprocess.run(
        [*base, str(restic_repo / "pass"), "snapshots", "--json"],
        env=_env(restic_repo),
        capture_output=True,
        text=True,
        check=True,
    )
    [snapshot] = json.loads(listed.stdout)
    assert job_runtime(snapshot.get("summary") or {}) is None  # 0.14: no summary
    snapshot["summary"] = {
        "backup_start": "2026-12-02T20:15:01.123456789+01:00",
        "backup_end": "2026-12-02T20:16:24.623456789+01:00",
        "total_bytes_processed": 150000,
    }
    assert job_runtime(snapshot["summary"]) == pytest.approx(83.5)
    assert job_runtime({"backup_start": "x", "backup_end": "y"}) is None


async def test_file_backups_have_no_job_duration(ctx: AppContext, tmp_path: Path) -> None:
    (tmp_path / "ewidencja.sql.gz").write_bytes(b"x" * 1000)
    configure(ctx, kind="file", path=f"{tmp_path}/*.gz", max_age="1000d")
    await service(ctx).look("kopia")
    assert job_durations(ctx) == [None]


async def test_a_push_jobs_pings_give_its_duration(ctx: AppContext) -> None:
    configure(ctx, kind="push", token=PUSH_TOKEN, period="1d")
    cfg = service(ctx).backups()["kopia"]
    service(ctx).record_ping(cfg, "start", None, "127.0.0.1", "")
    ctx.clock.advance(timedelta(seconds=95))  # type: ignore[attr-defined]
    service(ctx).record_ping(cfg, "success", None, "127.0.0.1", "")
    await service(ctx).look("kopia")
    assert job_durations(ctx) == [pytest.approx(95.0)]
