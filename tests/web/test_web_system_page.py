"""``/systemy/{name}``: header, heartbeat cells, response times, month bars (equal to
``itops availability --check NAME --json`` for each month), paged outages and the
reclassification form (in process, both engines)."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from checks.availability.entry import reclassify
from checks.availability.models import Outage, ProbeResultRow, ProbeRollup
from itops.charts import fmt_number
from itops.cli import main
from itops.config import Settings, load
from itops.context import AppContext
from itops.db.models import AuditLog
from itops.db.session import read_scope, session_scope
from itops.messages import Summary
from itops.status import Measurement, ProbeResult, Status
from itops.web.app import create_app
from tests.conftest import write_config

from .conftest import AsgiClient

SVG = "{http://www.w3.org/2000/svg}"
CHECKS = """
[[checks]]
name = "bip"
kind = "tcp"
host = "127.0.0.1"
port = 1

[[checks]]
name = "strona-www"
kind = "tls"
host = "127.0.0.1"
port = 2
note = "DEMO: celowo <czerwone> & bez TLS"

[[checks]]
name = "ups"
kind = "tcp"
host = "127.0.0.1"
port = 3
note.pl = "DEMO: celowo ostrzeżenie – UPS na baterii"
note.en = "DEMO: warning on purpose – UPS on battery"

[[maintenance]]
name = "Aktualizacja BIP"
checks = ["bip"]
start = "2026-05-12T10:00:00+02:00"
end = "2026-05-12T11:00:00+02:00"

[[maintenance]]
name.pl = "Przegląd serwerowni"
name.en = "Server room service"
checks = ["bip"]
start = "2026-12-05T08:00:00+01:00"
end = "2026-12-05T12:00:00+01:00"
"""


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "itops.toml", db_url, extra=CHECKS)


@pytest.fixture
def settings(config: Path) -> Settings:
    return load(config)


def _outage(start: datetime, minutes: int, cause: str = "failure", note: str = "") -> Outage:
    return Outage(
        check_name="bip",
        unit_id="office",
        start=start,
        end=start + timedelta(minutes=minutes),
        cause=cause,
        note=note,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def _seed(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        db.add_all(
            [
                _outage(datetime(2026, 3, 10, 7, 0, tzinfo=UTC), 60, note="zasilacz"),
                # 15:00-17:00 local on a Monday: 60 of its minutes in working hours
                _outage(datetime(2026, 3, 16, 14, 0, tzinfo=UTC), 120),
                _outage(datetime(2026, 5, 12, 7, 30, tzinfo=UTC), 90),  # half in maintenance
                _outage(datetime(2026, 6, 2, 8, 0, tzinfo=UTC), 45, "planned"),
                _outage(datetime(2026, 10, 7, 9, 0, tzinfo=UTC), 20),
                _outage(datetime(2026, 11, 25, 8, 0, tzinfo=UTC), 30),
            ]
        )
    with session_scope(ctx.sessions) as db:
        may = db.query(Outage).filter(Outage.start == datetime(2026, 5, 12, 7, 30, tzinfo=UTC))
        reclassify(db, may.one().id, "external", "anna", "operator", ctx.clock.now())


def _svg(html: str, chart_id: str) -> ET.Element:
    found = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert found, f"no chart {chart_id}"
    return ET.fromstring(found.group(0))  # noqa: S314 - our own page


def _texts(root: ET.Element, css: str) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text") if t.get("class") == css]


def _cli_json(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    capsys.readouterr()
    try:
        main(["--config", str(config), "availability", *args, "--json"])
    except SystemExit as exc:
        assert not exc.code
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


async def test_month_bars_show_the_minutes_and_availability_the_cli_gives_for_each_month(
    ctx: AppContext,
    users: dict[str, str],
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _seed(ctx)
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    reply = await client.get("/systemy/bip")
    assert reply.status == 200
    months = _svg(reply.text, "months")
    notes = _texts(months, "bar-note")
    values = _texts(months, "bar-value")
    assert _texts(months, "bar-label")[:3] == ["sty", "lut", "mar"]
    assert len(notes) == 11  # January .. November (the clock stands at 26 November)
    # the target line and the axis by the one formatter (issue 13): "cel 100%", not "100 %"
    words = ["".join(t.itertext()) for t in months.iter(f"{SVG}text")]
    assert "cel 100%" in words and not any(re.search(r"\d %", w) for w in words), words
    for month in range(1, 11):  # months over by the CLI's wall clock as well
        first = date(2026, month, 1)
        data = _cli_json(
            config,
            capsys,
            "--check",
            "bip",
            "--from",
            first.isoformat(),
            "--to",
            date(2026, month + 1, 1).isoformat(),
        )
        [figure] = data["checks"]  # type: ignore[misc]
        minutes = fmt_number(round(figure["downtime_seconds"] / 60, 1), ",") + " min"
        assert notes[month - 1] == minutes, month
        floored = math.floor(figure["availability"] * 10000 + 1e-9) / 100  # never rounded up
        pct = f"{floored:.2f}".replace(".", ",") + "%"
        assert values[month - 1] == pct, month
    assert notes[2] == "120 min"  # March: 60 + 60 working minutes
    assert notes[4] == "0 min"  # May: external (not counted) and maintenance
    assert notes[9] == "20 min"
    assert "100,00%" in values[0]


async def test_system_page_header_heartbeat_response_times_and_outage_actions(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _seed(ctx)
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        for i in range(100):
            at = now - timedelta(minutes=10 * (100 - i))
            status = Status.CRITICAL if i in (97, 98) else Status.OK
            db.add(
                ProbeResultRow(
                    check_name="bip",
                    at=at,
                    status=int(status),
                    duration=0.02,
                    reason="sample",
                    service_ms=1.5,
                )
            )
        for h in range(1, 30):
            db.add(
                ProbeRollup(
                    check_name="bip",
                    start=(now - timedelta(hours=h)).replace(minute=0),
                    seconds=3600,
                    count=60,
                    failures=0,
                    unknowns=0,
                    latency_min=0.010,
                    latency_sum=60 * 0.020,
                    latency_max=0.2,
                    latency_p95=0.045,
                    service_count=60,
                    service_min=1.0,
                    service_sum=60 * 1.5,
                    service_max=9.0,
                    service_p95=3.0,
                )
            )
    ctx.state.record(
        ProbeResult("bip", "tcp", Status.OK, Summary("tcp.connected", {"ms": 1.2}), now, 0.0012)
    )
    expiry = now + timedelta(days=12, hours=3)
    ctx.state.record(
        ProbeResult(
            "strona-www",
            "tls",
            Status.WARNING,
            "certificate expires in 12.1 days",
            now,
            0.01,
            (Measurement("cert_not_after", expiry.timestamp(), "ts"),),
        )
    )
    client = AsgiClient(create_app(ctx))
    await client.login(users["it_officer"])
    html = (await client.get("/systemy/bip")).text
    assert '<span class="badge status-0">działa</span>' in html
    assert "połączono w 1,2 ms" in html
    assert "Przegląd serwerowni: 05.12.2026 08:00 – 05.12.2026 12:00" in html
    cells = [r for r in _svg(html, "hb-results").iter(f"{SVG}rect") if r.get("class")]
    assert len(cells) == 90
    assert [c.get("class") for c in cells[-3:]] == ["cell cell-critical"] * 2 + ["cell cell-ok"]
    days = [r for r in _svg(html, "hb-days").iter(f"{SVG}rect") if r.get("class")]
    assert len(days) == 30
    texts = ["".join(d.itertext()) for d in days]
    # 25 November 09:00-09:30 local: 30 of 480 working minutes down
    assert any(t.startswith("śr. 25.11: 93,7% czasu pracy, przestoje 30 min") for t in texts)
    response = _svg(html, "rt-24h")
    line = next(e for e in response.iter() if e.get("class") == "line")
    assert len(line.get("points", "").split()) >= 20
    assert "ms" in "".join(response.itertext())
    assert 'href="/systemy/awarie/' in html and "Zmień przyczynę" in html
    order = re.findall(r'<tr data-outage="(\d+)">', html)
    assert order == sorted(order, key=int, reverse=True)  # newest first
    tls = (await client.get("/systemy/strona-www")).text
    assert "Certyfikat ważny do" in tls and "pozostało dni: 12" in tls
    # the config's note, as written and escaped; a check without one shows no "Uwaga"
    assert '<dt>Uwaga</dt><dd class="note">DEMO: celowo &lt;czerwone&gt; &amp; bez TLS</dd>' in tls
    assert "<dt>Uwaga</dt>" not in html
    ups = (await client.get("/systemy/ups")).text
    assert '<dd class="note">DEMO: celowo ostrzeżenie – UPS na baterii</dd>' in ups
    await client.login(users["auditor"])
    auditor = (await client.get("/systemy/bip")).text
    assert "Zmień przyczynę" not in auditor
    assert (await client.get("/systemy/nie-ma-takiego")).status == 404


async def test_english_system_page(ctx: AppContext, users: dict[str, str]) -> None:
    _seed(ctx)
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    await client.get("/lang/en?next=/")
    html = (await client.get("/systemy/bip")).text
    assert "Availability in working hours by month" in html
    assert "Counts toward KPI 1" in html and "Mar" in html
    months = ["".join(t.itertext()) for t in _svg(html, "months").iter(f"{SVG}text")]
    assert "target 100%" in months and not any(re.search(r"\d %", w) for w in months), months
    assert "120 min" in html and "Dostępność" not in html.split("<main")[1]
    # issue 13: the config's texts per language; a plain string reads as written
    assert "Server room service: 05/12/2026" in html and "Przegląd" not in html
    ups = (await client.get("/systemy/ups")).text
    assert '<dd class="note">DEMO: warning on purpose – UPS on battery</dd>' in ups
    tls = (await client.get("/systemy/strona-www")).text
    assert '<dd class="note">DEMO: celowo &lt;czerwone&gt; &amp; bez TLS</dd>' in tls


async def test_outages_are_paged_newest_first(ctx: AppContext, users: dict[str, str]) -> None:
    with session_scope(ctx.sessions) as db:
        day = date(2026, 9, 1)
        added = 0
        while added < 25:
            if day.weekday() < 5:
                db.add(_outage(datetime(day.year, day.month, day.day, 9, tzinfo=UTC), 5))
                added += 1
            day += timedelta(days=1)
    client = AsgiClient(create_app(ctx))
    await client.login(users["auditor"])
    first = (await client.get("/systemy/bip")).text
    second = (await client.get("/systemy/bip?strona=2")).text
    ids1 = [int(i) for i in re.findall(r'<tr data-outage="(\d+)">', first)]
    ids2 = [int(i) for i in re.findall(r'<tr data-outage="(\d+)">', second)]
    assert len(ids1) == 20 and len(ids2) == 5
    assert ids1 == sorted(ids1, reverse=True) and max(ids2) < min(ids1)
    assert "Strona 1 / 2" in first and "(25)" in first


async def test_officer_reclassifies_one_outage_from_its_form_and_returns_to_the_page(
    ctx: AppContext, users: dict[str, str]
) -> None:
    _seed(ctx)
    client = AsgiClient(create_app(ctx))
    await client.login(users["it_officer"])
    form = await client.get("/systemy/awarie/1")
    assert form.status == 200 and "zasilacz" in form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    reply = await client.post(
        "/systemy/awarie/1/przyczyna",
        {
            "cause": "planned",
            "reason": "zapowiedziane",
            "csrf_token": token[1],
            "wroc": "/systemy/bip",
        },
    )
    assert (reply.status, reply.location) == (303, "/systemy/bip")
    page = (await client.get("/systemy/awarie/1")).text
    assert "awaria → planowana — zapowiedziane" in page
    evil = await client.post(
        "/systemy/awarie/1/przyczyna",
        {"cause": "failure", "reason": "x", "csrf_token": token[1], "wroc": "//evil.example/"},
    )
    assert evil.location == "/systemy/awarie"
    with read_scope(ctx.sessions) as db:
        actions = [a.action for a in db.query(AuditLog).all()]
    assert actions.count("outage_reclassified") == 2
    await client.login(users["auditor"])
    assert (await client.get("/systemy/awarie/1")).status == 403
    await client.login(users["it_officer"])
    assert (await client.get("/systemy/awarie/999")).status == 404
