"""The backup pages draw sizes with the shared chart module (itops.charts): the detail
page's size over time (timeline, with its table) and the list's trend bars (issue 15)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest

from checks.backups.models import BackupRun
from itops.config import Settings, load
from itops.context import AppContext
from itops.db.session import session_scope
from itops.web.app import create_app
from tests.conftest import write_config

from .conftest import AsgiClient

SVG = "{http://www.w3.org/2000/svg}"
BACKUP = """
[[backups]]
name = "nas-kopia"
kind = "push"
token = "00000000-0000-4000-8000-00000000beef"
period = "1d"
grace = "1h"
"""
SIZES = [100 * 2**20, 150 * 2**20, 120 * 2**20]


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load(write_config(tmp_path / "itops.toml", db_url, extra=BACKUP))


@pytest.mark.engine("sqlite")
async def test_backup_sizes_are_drawn_by_the_shared_chart_module(
    ctx: AppContext, users: dict[str, str]
) -> None:
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        for i, size in enumerate(SIZES):
            db.add(
                BackupRun(
                    backup="nas-kopia",
                    at=now - timedelta(days=len(SIZES) - i),
                    mode="look",
                    status=0,
                    summary="",
                    size=size,
                )
            )
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    detail = (await client.get("/backups/nas-kopia")).text
    found = re.search(r'<svg [^>]*id="backup-size".*?</svg>', detail, re.S)
    assert found and "Rozmiar kopii w czasie" in found.group(0)
    line = next(e for e in ET.fromstring(found.group(0)).iter() if e.get("class") == "line")  # noqa: S314
    ys = [float(p.split(",")[1]) for p in (line.get("points") or "").split()]
    assert len(ys) == 3 and ys[1] < ys[2] < ys[0]  # 150 MiB highest, 100 MiB lowest
    table = detail.split('id="backup-size"')[1]
    assert "<td>150</td>" in table and "<td>100</td>" in table
    listing = (await client.get("/backups")).text
    bars = re.search(r'<svg [^>]*id="size-nas-kopia".*?</svg>', listing, re.S)
    assert bars
    rects = [r for r in ET.fromstring(bars.group(0)).iter(f"{SVG}rect")]  # noqa: S314
    heights = [float(r.get("height") or 0) for r in rects]
    assert len(heights) == 3 and heights[1] > heights[2] > heights[0]
    assert ["".join(r.itertext()).split(": ")[0] for r in rects] == ["1", "2", "3"]
