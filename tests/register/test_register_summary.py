"""The annual summary for the quality report (counts only) and the daily anchor job."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text

from inventory.register.jobs import anchor_job
from inventory.register.public import RegisterSummary, annual_summary
from itops.db.session import session_scope
from tests.register.conftest import Office


def _summary(office: Office, year: int = 2026) -> RegisterSummary:
    with session_scope(office.ctx.sessions) as db:
        return annual_summary(db, office.ctx.settings, year, office.clock.now())


def test_the_summary_counts_acts_per_month_and_scope_without_names(office: Office) -> None:
    office.grant(scopes="computer_content,work_email,activity_logs")
    office.notice(office.jan)
    office.act(scopes="computer_content,work_email")
    office.act(
        scopes="work_email",
        start=datetime(2026, 11, 3, 9, 0, tzinfo=UTC),
        end=datetime(2026, 11, 3, 9, 5, tzinfo=UTC),
    )
    summary = _summary(office)
    assert summary.acts_total == 2
    assert summary.acts_per_month[11] == 2 and sum(summary.acts_per_month.values()) == 2
    assert summary.acts_per_scope == {
        "computer_content": 1,
        "work_email": 2,
        "it_resources": 0,
        "activity_logs": 0,
    }
    assert summary.all_within_policy and summary.acts_outside_policy == 0
    assert summary.employees_without_notice == 1
    assert summary.chain_verified and summary.head_seq == 4
    flat = json.dumps(dataclasses.asdict(summary))
    for personal in ("Jan", "Anna", "EMP-TEST", office.officer, office.admin):
        assert personal not in flat


def test_acts_of_another_year_are_not_counted(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    office.act()
    assert _summary(office, 2025).acts_total == 0
    assert _summary(office, 2026).acts_total == 1


def test_a_notice_corrected_to_a_later_date_puts_an_act_outside_policy(office: Office) -> None:
    from inventory.register import service

    office.grant()
    notice = office.notice(office.jan)
    office.act()
    with session_scope(office.ctx.sessions) as db:
        service.record_notice(
            db,
            office.clock.now(),
            office.admin,
            office.jan,
            date(2026, 11, 25),
            "Regulamin 2026",
            corrects=notice,
            reason="pomyłka w dacie",
        )
    summary = _summary(office)
    assert not summary.all_within_policy and summary.acts_outside_policy == 1


def test_a_broken_chain_is_reported_as_not_verified(office: Office) -> None:
    office.grant()
    office.notice(office.jan)
    engine = office.ctx.engine
    drop = {
        "sqlite": "DROP TRIGGER register_entry_no_update",
        "postgresql": "DROP TRIGGER register_entry_append_only ON register_entry",
    }[engine.dialect.name]
    with engine.begin() as conn:
        conn.execute(text(drop))
        conn.execute(text("UPDATE register_entry SET received_on = '2020-01-01' WHERE seq = 2"))
    assert not _summary(office).chain_verified


def test_the_daily_job_writes_the_anchor_file(office: Office, tmp_path: Path) -> None:
    from inventory.register.config import RegisterConfig

    path = tmp_path / "anchors" / "register.json"
    office.ctx.settings = office.ctx.settings.model_copy(
        update={"employee_monitoring": RegisterConfig(anchor_file=path)}
    )
    office.grant()
    anchor_job(office.ctx)
    anchor = json.loads(path.read_text(encoding="utf-8"))
    assert anchor["seq"] == 1 and anchor["anchored_at"] == "2026-11-26T10:00:00.000000Z"


def test_the_public_key_and_the_newest_signed_head_go_into_the_annual_report(
    signed: Office,
) -> None:
    from reports.annual import collect
    from reports.data import to_json
    from reports.render import render_html

    signed.grant()
    anchor = signed.seal()
    assert anchor is not None
    with session_scope(signed.ctx.sessions) as db:
        report = collect(db, signed.ctx.settings, 2026, signed.clock.now())
    data = to_json(report)
    signing = data["annex"]["register_chain"]["signing"]
    assert signing["public_key"] == signed.key.public.text
    assert signing["fingerprint"] == signed.key.public.fingerprint
    assert signing["anchor_text"] == anchor.text() and signing["head_seq"] == 1
    assert data["annex"]["register_chain"]["verified"] is True
    html = render_html(
        report, signed.clock.now(), "Europe/Warsaw", signed.ctx.settings.unit_names()
    )
    assert signed.key.public.fingerprint in html and anchor.text() in html
    assert "Klucz publiczny rejestru §82 (Ed25519)" in html


def test_the_register_pdf_prints_the_public_key_and_a_fresh_signed_head(
    signed: Office,
) -> None:
    import subprocess
    import tempfile

    from inventory.register import export

    signed.grant()
    signed.notice(signed.jan)
    with session_scope(signed.ctx.sessions) as db:
        export.sign_for_print(db, signed.ctx.settings, signed.clock.now())
    with session_scope(signed.ctx.sessions) as db:
        data = export.collect(
            db,
            signed.ctx.settings.office.name,
            signed.tz,
            date(2026, 1, 1),
            date(2026, 12, 31),
            signed.clock.now(),
            10,
            signed.ctx.settings,
        )
    assert data.signing is not None and data.signing.head_seq == 2
    assert data.verification.ok, data.verification.describe()
    csv_text = export.to_csv(data)
    assert signed.key.public.text in csv_text and data.signing.anchor_text in csv_text
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(export.to_pdf(data))
        pdf.flush()
        text_out = subprocess.run(
            ["pdftotext", pdf.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    flat = "".join(text_out.split())
    assert "".join(signed.key.public.text.split()) in flat
    assert "Podpisanystanrejestru(kotwica):wpisnr2" in flat
