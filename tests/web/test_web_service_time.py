"""The system page's response-time chart shows what the probe measured of the service,
named by its name, not the check's duration (issue 13: a router's check ran 407 ms while
its ICMP round trip was 0.4 ms); a kind that measures no such time says so instead of a
chart. In process, both engines; the real slow server is in test_web_browser_lists.py."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest

from checks.availability.models import ProbeRollup
from itops.config import Settings, load
from itops.context import AppContext
from itops.db.session import session_scope
from itops.web.app import create_app
from tests.conftest import write_config

from .conftest import AsgiClient

SVG = "{http://www.w3.org/2000/svg}"
CHECKS = """
[[checks]]
name = "router"
kind = "tcp"
host = "127.0.0.1"
port = 1

[[checks]]
name = "dysk-serwera"
kind = "disk"
path = "/"
"""


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "itops.toml", db_url, extra=CHECKS)


@pytest.fixture
def settings(config: Path) -> Settings:
    return load(config)


def _hours(ctx: AppContext, check: str, hours: int = 6) -> None:
    """Finished hours where each check took 407 ms and measured a 0.4 ms connect."""
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        for h in range(1, hours + 1):
            db.add(
                ProbeRollup(
                    check_name=check,
                    start=(now - timedelta(hours=h)).replace(minute=0, second=0),
                    seconds=3600,
                    count=60,
                    failures=0,
                    unknowns=0,
                    latency_min=0.400,
                    latency_sum=60 * 0.407,
                    latency_max=0.450,
                    latency_p95=0.440,
                    service_count=60,
                    service_min=0.3,
                    service_sum=60 * 0.4,
                    service_max=0.9,
                    service_p95=0.6,
                )
            )


def _chart(html: str, chart_id: str) -> ET.Element:
    found = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert found, f"no chart {chart_id}"
    return ET.fromstring(found.group(0))  # noqa: S314 - our own page


def _means(html: str) -> list[str]:
    """The chart table's "średnio (ms)" column."""
    table = re.search(
        r'<figure class="chart">(?:(?!</figure>).)*id="rt-24h".*?</figure>', html, re.S
    )
    assert table, "no response-time figure"
    rows = re.findall(
        r"<tr><th scope=\"row\">[^<]*</th><td>[^<]*</td><td>([^<]*)</td>", table.group(0)
    )
    return rows


async def test_the_chart_draws_the_measured_connect_time_not_the_duration(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _hours(ctx, "router")
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    html = (await client.get("/systemy/router")).text
    assert _means(html) == ["0,4"] * 6  # never 407
    title = "".join(next(_chart(html, "rt-24h").iter(f"{SVG}title")).itertext())
    assert title.startswith("Czas nawiązania połączenia TCP, 24 h")


async def test_the_page_names_what_the_probe_measured(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _hours(ctx, "router")
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    html = (await client.get("/systemy/router")).text
    assert "Mierzony przez sprawdzenie: <strong>czas nawiązania połączenia TCP</strong>" in html
    await client.get("/lang/en?next=/")
    english = (await client.get("/systemy/router")).text
    assert "Measured by the check: <strong>TCP connect time</strong>" in english
    assert "TCP connect time, 24 h" in english


async def test_a_kind_that_measures_no_service_time_says_so_instead_of_a_chart(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _hours(ctx, "dysk-serwera")
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    html = (await client.get("/systemy/dysk-serwera")).text
    assert 'id="rt-24h"' not in html
    assert "Sprawdzenie tego rodzaju nie mierzy czasu odpowiedzi usługi" in html


async def test_hours_stored_before_the_measurement_was_kept_draw_no_figure(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _hours(ctx, "router")
    with session_scope(ctx.sessions) as db:
        for row in db.query(ProbeRollup):
            row.service_count, row.service_min, row.service_sum = 0, None, None
            row.service_max, row.service_p95 = None, None
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    html = (await client.get("/systemy/router")).text
    assert _means(html) == []  # no durations shown under the connect time's name
