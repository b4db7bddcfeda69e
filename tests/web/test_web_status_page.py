"""``/status`` and ``/status.json``: the residents' status page (in process, both engines).

Public names, live state in words, one cell per day around the clock (no data before the
first measurement), planned maintenance ahead, the officer's audited note on an ongoing
outage, and nothing internal: the page (Polish and English) and the JSON are searched for
every internal field of the checks they show.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks.availability.models import Outage, ProbeResultRow
from itops import messages
from itops.config import Settings, load
from itops.context import AppContext
from itops.db.models import AuditLog
from itops.db.session import read_scope, session_scope
from itops.messages import Summary
from itops.status import ProbeResult, Status
from itops.web.app import create_app
from tests.conftest import write_config

from .conftest import AsgiClient

SVG = "{http://www.w3.org/2000/svg}"
BIP_HOST, BIP_PORT = "bip-wewnetrzny.lan.example", 40443
CONFIG = f"""
[[units]]
id = "wydz-tajny-9"
name = "Wydział Wewnętrzny Dziewiąty"

[[checks]]
name = "srv-bip-wew-01"
kind = "tcp"
host = "{BIP_HOST}"
port = {BIP_PORT}
unit = "wydz-tajny-9"

[[checks]]
name = "srv-ezd-wew-02"
kind = "http"
url = "http://ezd-wewnetrzny.lan.example:48080/ezd"

[[checks]]
name = "tajny-serwer-plikow"
kind = "tcp"
host = "127.0.0.1"
port = 1

[[maintenance]]
name = "Wymiana dysku w macierzy R2"
checks = ["srv-bip-wew-01"]
start = "2026-11-28T08:00:00+01:00"
end = "2026-11-28T12:00:00+01:00"

[status_page]
enabled = true
title = "Stan e-usług Gminy Testowo"
services = [
  {{ check = "srv-bip-wew-01", name = "Biuletyn Informacji Publicznej" }},
  {{ check = "srv-ezd-wew-02", name = "Elektroniczna skrzynka podawcza" }},
]
"""
INTERNAL_NOTE = "zasilacz w szafie R2 wymieniony przez serwisanta"
INTERNAL_SUMMARY = "ECONNREFUSED wewn-log-77"
PUBLIC_NOTE = "Trwa naprawa serwera BIP. Przepraszamy za utrudnienia."


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "itops.toml", db_url, extra=CONFIG)


@pytest.fixture
def settings(config: Path) -> Settings:
    return load(config)


def _seed(ctx: AppContext) -> int:
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        # first measurement 20 days ago: the 70 days before it are "no data"
        for days in (20, 10, 1):
            db.add(
                ProbeResultRow(
                    check_name="srv-bip-wew-01",
                    at=now - timedelta(days=days),
                    status=int(Status.OK),
                    duration=0.02,
                    summary=INTERNAL_SUMMARY,
                    reason="sample",
                )
            )
        db.add(  # Monday 23 November, 30 minutes
            Outage(
                check_name="srv-bip-wew-01",
                unit_id="wydz-tajny-9",
                start=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
                end=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
                cause="failure",
                summary=INTERNAL_SUMMARY,
                note=INTERNAL_NOTE,
                created_at=now,
            )
        )
        ongoing = Outage(
            check_name="srv-bip-wew-01",
            unit_id="wydz-tajny-9",
            start=now - timedelta(hours=2),
            end=None,
            cause="failure",
            summary=INTERNAL_SUMMARY,
            note=INTERNAL_NOTE,
            created_at=now,
        )
        db.add(ongoing)
        db.flush()
        ongoing_id = ongoing.id
    refused = Summary(
        "tcp.cannot_connect",
        {"target": f"{BIP_HOST}:{BIP_PORT}", "reason": Summary("net.refused")},
    )
    ctx.state.record(
        ProbeResult("srv-bip-wew-01", "tcp", Status.CRITICAL, refused, now - timedelta(hours=2), 1)
    )
    ctx.state.record(ProbeResult("srv-bip-wew-01", "tcp", Status.CRITICAL, refused, now, 1.0))
    return ongoing_id


def _cells(html: str, index: int) -> list[ET.Element]:
    found = re.search(rf'<svg [^>]*id="status-days-{index}".*?</svg>', html, re.S)
    assert found, f"no chart status-days-{index}"
    root = ET.fromstring(found.group(0))  # noqa: S314 - our own page
    return [r for r in root.iter(f"{SVG}rect") if (r.get("class") or "").startswith("cell ")]


async def test_status_page_shows_public_names_days_notes_and_maintenance_and_nothing_internal(
    ctx: AppContext, users: dict[str, str]
) -> None:
    ongoing = _seed(ctx)
    app = create_app(ctx)
    officer = AsgiClient(app)
    await officer.login(users["it_officer"])
    system = (await officer.get("/systemy/srv-bip-wew-01")).text
    assert "Komunikat na stronie statusu" in system and 'name="text"' in system
    token = re.search(r'name="csrf_token" value="([^"]+)"', system)
    assert token
    reply = await officer.post(
        f"/systemy/awarie/{ongoing}/komunikat", {"text": PUBLIC_NOTE, "csrf_token": token[1]}
    )
    assert (reply.status, reply.location) == (303, "/systemy/srv-bip-wew-01#status-note-h")
    with read_scope(ctx.sessions) as db:
        audit = [(a.actor, a.action, a.detail) for a in db.query(AuditLog).all()]
    assert (
        users["it_officer"],
        "status_note",
        f"#{ongoing} srv-bip-wew-01: {PUBLIC_NOTE}",
    ) in audit

    resident = AsgiClient(app)
    page = await resident.get("/status")
    assert page.status == 200
    html = page.text
    assert '<html lang="pl">' in html and "Stan e-usług Gminy Testowo" in html
    assert "Biuletyn Informacji Publicznej" in html and "Elektroniczna skrzynka podawcza" in html
    assert PUBLIC_NOTE in html and "awaria" in html
    assert "<script" not in html  # works without JavaScript
    bip, ezd = _cells(html, 0), _cells(html, 1)
    assert len(bip) == len(ezd) == 90
    titles = ["".join(c.itertext()) for c in bip]
    # before the first measurement (20 days back): no data, never "available"
    assert all(c.get("class") == "cell cell-none" for c in bip[:69])
    assert all(c.get("class") == "cell cell-none" for c in ezd)
    assert titles[-4] == "23.11.2026: awaria, 97,91% doby, przerwy 30 min"
    assert titles[-5].startswith("22.11.2026: działa, 100,00% doby")
    assert titles[-1].startswith("26.11.2026: awaria,") and "przerwy 120 min" in titles[-1]
    maintenance = html.split('id="maintenance-h"')[1]
    assert "28.11.2026 08:00" in maintenance and "28.11.2026 12:00" in maintenance
    assert "Biuletyn Informacji Publicznej" in maintenance

    data = json.loads((await resident.get("/status.json")).text)
    first = data["services"][0]
    assert (first["name"], first["state"], first["state_text"]) == (
        "Biuletyn Informacji Publicznej",
        "critical",
        "awaria",
    )
    assert [n["text"] for n in first["notes"]] == [PUBLIC_NOTE]
    days = {d["date"]: d for d in first["days"]}
    assert days["2026-11-23"]["downtime_minutes"] == 30.0
    assert days["2026-11-26"]["downtime_minutes"] == 120.0
    assert days["2026-11-05"]["state"] == "none" and days["2026-11-05"]["availability"] is None
    measured = [d for d in first["days"] if d["state"] != "none"]
    # the 21 measured days (today up to 11:00 local): 150 minutes down
    seconds = 20 * 86400 + 11 * 3600
    assert len(measured) == 21
    assert first["availability"] == pytest.approx((seconds - 150 * 60) / seconds)
    assert data["services"][1]["state"] == "none" and data["services"][1]["availability"] is None
    assert data["maintenance"] == [
        {
            "start": "2026-11-28T07:00:00+00:00",
            "end": "2026-11-28T11:00:00+00:00",
            "services": ["Biuletyn Informacji Publicznej"],
        }
    ]

    await resident.get("/lang/en?next=/status")
    english = (await resident.get("/status")).text
    assert '<html lang="en">' in english and "State of the services" in english
    # the one formatter: English days in British form (issue 13), as every English page
    assert "23/11/2026: failure, 97.91% of the day, interruptions 30 min" in english
    summary_texts = [
        messages.render(ctx.state.checks()["srv-bip-wew-01"].last.summary, lang)
        for lang in ("pl", "en")
    ]
    internal = [
        "srv-bip-wew-01",
        "srv-ezd-wew-02",
        "tajny-serwer-plikow",
        BIP_HOST,
        str(BIP_PORT),
        "ezd-wewnetrzny",
        "48080",
        "wydz-tajny-9",
        "Wydział Wewnętrzny",
        "tcp",
        INTERNAL_SUMMARY,
        "wewn-log",
        INTERNAL_NOTE,
        "Wymiana dysku",
        "połączenie odrzucone",
        "connection refused",
        users["it_officer"],
        *summary_texts,
    ]
    body = html.split("<body", 1)[1]
    body_en = english.split("<body", 1)[1]
    raw_json = json.dumps(data, ensure_ascii=False)
    for text in internal:
        for name, where in (("page", body), ("English page", body_en), ("JSON", raw_json)):
            assert text.lower() not in where.lower(), f"{text!r} leaks into the {name}"

    # an empty note withdraws it; the form answers only for an ongoing outage shown there
    await officer.post(f"/systemy/awarie/{ongoing}/komunikat", {"text": "", "csrf_token": token[1]})
    assert PUBLIC_NOTE not in (await AsgiClient(app).get("/status")).text
    with session_scope(ctx.sessions) as db:
        db.get(Outage, ongoing).end = ctx.clock.now()  # type: ignore[union-attr]
    ended = await officer.post(
        f"/systemy/awarie/{ongoing}/komunikat", {"text": "x", "csrf_token": token[1]}
    )
    assert ended.status == 400
    auditor = AsgiClient(app)
    await auditor.login(users["auditor"])
    refused = await auditor.post(f"/systemy/awarie/{ongoing}/komunikat", {"text": "x"})
    assert refused.status == 403


@pytest.mark.engine("sqlite")
async def test_status_page_is_off_by_default(ctx: AppContext) -> None:
    from tests.conftest import make_settings

    ctx.settings = make_settings(ctx.settings.storage.url)
    client = AsgiClient(create_app(ctx))
    assert (await client.get("/status")).status == 404
    assert (await client.get("/status.json")).status == 404
