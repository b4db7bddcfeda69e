"""Backup and antivirus storage on SQLite and PostgreSQL: incidents, events, API figures."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import func, select

from checks.backups import store
from checks.backups.metrics import BackupCollector
from checks.backups.models import BackupIncident, BackupRun, RestoreTest
from checks.backups.public import (
    antivirus_compliance,
    antivirus_year_summary,
    backup_year_summary,
)
from checks.backups.service import service
from itops import events
from itops.context import AppContext
from itops.db.session import session_scope
from itops.errors import ValidationError
from itops.events import Event
from itops.messages import raw, render
from itops.status import Measurement, ProbeResult, Status
from tests.backups.backup_support import (
    PUSH_TOKEN,
    agent_report,
    settings_with,
    store_antivirus,
)


def configure(ctx: AppContext, **sections: Any) -> None:
    ctx.settings = settings_with(ctx.settings.storage.url, **sections)


def captured(ctx: AppContext) -> list[Event]:
    seen: list[Event] = []
    ctx.events.subscribe(seen.append)
    return seen


def dump(path: Path, age: timedelta, now: datetime, size: int = 1000) -> None:
    path.write_bytes(b"x" * size)
    stamp = (now - age).timestamp()
    os.utime(path, (stamp, stamp))


async def test_stale_backup_opens_an_incident_and_recovery_closes_it(
    ctx: AppContext, tmp_path: Path
) -> None:
    configure(
        ctx,
        backups=[
            {"name": "ewidencja", "kind": "file", "path": f"{tmp_path}/*.gz", "max_age": "26h"}
        ],
    )
    seen = captured(ctx)
    now = ctx.clock.now()
    dump(tmp_path / "a.gz", timedelta(hours=30), now)
    snap = await service(ctx).look("ewidencja")
    assert snap is not None and snap.status is Status.CRITICAL
    assert [e.kind for e in seen] == [events.BACKUP_NONCOMPLIANT]
    ctx.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    dump(tmp_path / "b.gz", timedelta(minutes=5), ctx.clock.now())
    snap = await service(ctx).look("ewidencja")
    assert snap is not None and snap.status is Status.OK
    assert [e.kind for e in seen] == [events.BACKUP_NONCOMPLIANT, events.BACKUP_RECOVERED]
    with session_scope(ctx.sessions) as db:
        incidents = store.backup_incidents(db, "ewidencja")
    assert len(incidents) == 1
    assert incidents[0].end is not None and incidents[0].end - incidents[0].start == timedelta(
        hours=2
    )
    assert service(ctx).snapshot.backups["ewidencja"].last_size == 1000


def result(status: Status, at: datetime, *ms: Measurement) -> ProbeResult:
    return ProbeResult("serwer", "restic", status, raw("podsumowanie"), at, 0.1, tuple(ms))


def test_failed_verification_makes_a_fresh_backup_noncompliant(ctx: AppContext) -> None:
    configure(
        ctx,
        backups=[
            {
                "name": "serwer",
                "kind": "restic",
                "repository": "/r",
                "password_file": "/p",
                "max_age": "1d",
            }
        ],
    )
    cfg = ctx.settings.backups[0]
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        store.record_backup(
            db,
            cfg,
            result(Status.OK, now, Measurement("last_success_ts", now.timestamp())),
            verify=False,
        )
        snap, found = store.record_backup(
            db, cfg, result(Status.CRITICAL, now, Measurement("verify_ok", 0)), verify=True
        )
    assert snap.status is Status.CRITICAL and snap.last_verify_ok is False
    assert [e.kind for e in found] == [events.BACKUP_NONCOMPLIANT]
    # the look's words, then the verification's verdict once, in the reader's language
    assert render(snap.summary, "pl") == "podsumowanie; weryfikacja nieudana: podsumowanie"
    assert str(found[0].summary) == "podsumowanie; verification failed: podsumowanie"


def test_undecided_verification_keeps_the_previous_verdict(ctx: AppContext) -> None:
    configure(
        ctx,
        backups=[
            {
                "name": "serwer",
                "kind": "restic",
                "repository": "/r",
                "password_file": "/p",
                "max_age": "1d",
            }
        ],
    )
    cfg = ctx.settings.backups[0]
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        store.record_backup(
            db, cfg, result(Status.OK, now, Measurement("verify_ok", 1)), verify=True
        )
        snap, _ = store.record_backup(
            db, cfg, result(Status.UNKNOWN, now + timedelta(days=7)), verify=True
        )
    assert snap.last_verify_ok is True and snap.last_verify_at == now


def test_success_ping_after_start_carries_the_run_time(ctx: AppContext) -> None:
    configure(ctx, backups=[{"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"}])
    cfg = ctx.settings.backups[0]
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        store.record_ping(db, cfg, "start", now)
        store.record_ping(db, cfg, "success", now + timedelta(minutes=12))
        facts = store.push_facts(db, "nas")
    assert facts.runtime == 720
    assert facts.last_success == now + timedelta(minutes=12)


def test_invalid_restore_test_writes_nothing(ctx: AppContext) -> None:
    configure(ctx, backups=[{"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"}])
    now = ctx.clock.now()
    with pytest.raises(ValidationError, match="unknown backup"), session_scope(ctx.sessions) as db:
        store.add_restore_test(
            db,
            ctx.settings,
            backup="brak",
            performed_at=now,
            performed_by="Jan Testowy",
            restored="x",
            success=True,
            notes="",
            recorded_by="jan",
            now=now,
        )
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(RestoreTest)) == 0


def test_year_summary_counts_noncompliant_time_and_restore_tests(ctx: AppContext) -> None:
    configure(ctx, backups=[{"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"}])
    cfg = ctx.settings.backups[0]
    jan1 = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)  # 1 January 00:00 in Warsaw
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    with session_scope(ctx.sessions) as db:
        store.ensure_state(db, cfg, jan1)
        db.add(
            BackupIncident(
                backup="nas",
                kind="noncompliant",
                start=jan1 + timedelta(days=10),
                end=jan1 + timedelta(days=20),
                summary="x",
            )
        )
        db.add(
            BackupIncident(
                backup="nas",
                kind="noncompliant",
                start=jan1 + timedelta(days=30),
                end=jan1 + timedelta(days=32),
                summary="y",
            )
        )
        db.add(
            BackupIncident(
                backup="nas",
                kind="unknown",
                start=jan1 + timedelta(days=40),
                end=jan1 + timedelta(days=41),
                summary="z",
            )
        )
        for ok in (True, False):
            store.add_restore_test(
                db,
                ctx.settings,
                backup="nas",
                performed_at=now - timedelta(days=5),
                performed_by="Anna Przykładowa",
                restored="baza kadrowa do /tmp/test",
                success=ok,
                notes="",
                recorded_by="anna",
                now=now,
            )
    with session_scope(ctx.sessions) as db:
        [summary] = backup_year_summary(db, ctx.settings, 2026, now)
    observed = (now - jan1).total_seconds() - 86400
    assert summary.noncompliant_seconds == 12 * 86400
    assert summary.compliant_share == pytest.approx((observed - 12 * 86400) / observed)
    assert summary.longest_noncompliant_seconds == 10 * 86400
    assert summary.noncompliant_periods == 2
    assert (summary.restore_tests, summary.restore_tests_failed) == (2, 1)


def test_prune_drops_raw_runs_but_keeps_incidents(ctx: AppContext) -> None:
    now = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        db.add(
            BackupRun(
                backup="a",
                at=now - timedelta(days=40),
                mode="look",
                status=0,
                summary="",
                duration=0,
            )
        )
        db.add(BackupRun(backup="a", at=now, mode="look", status=0, summary="", duration=0))
        db.add(
            BackupIncident(
                backup="a",
                kind="noncompliant",
                start=now - timedelta(days=400),
                end=now - timedelta(days=399),
            )
        )
    assert store.prune(ctx.sessions, now - timedelta(days=31)) == 1
    with session_scope(ctx.sessions) as db:
        assert db.scalar(select(func.count()).select_from(BackupRun)) == 1
        assert db.scalar(select(func.count()).select_from(BackupIncident)) == 1


def test_agent_reports_give_the_compliance_figure_of_expected_hosts(ctx: AppContext) -> None:
    svc = service(ctx)
    seen = captured(ctx)
    now = ctx.clock.now()
    store_antivirus(svc, agent_report("PC-01", now))
    store_antivirus(
        svc, agent_report("PC-02", now - timedelta(hours=1), RealTimeProtectionEnabled=False)
    )
    assert [e.kind for e in seen] == [events.ANTIVIRUS_NONCOMPLIANT]
    with session_scope(ctx.sessions) as db:
        c = antivirus_compliance(db, ctx.settings, now, ["pc-01", "PC-02", "PC-03"])
    assert (c.compliant, c.expected) == (1, 3)
    assert c.ratio == pytest.approx(1 / 3)
    states = {h.host: h.state for h in c.hosts}
    assert states == {"pc-01": "compliant", "pc-02": "noncompliant", "pc-03": "unknown"}
    # Never-reported hosts first (out for an unknown time), then longest out first.
    assert [h.host for h in c.others] == ["pc-03", "pc-02"]
    out = c.others[1].out_for(now)
    assert out == timedelta(hours=1)


async def test_host_silent_for_a_week_is_unknown_not_compliant(ctx: AppContext) -> None:
    svc = service(ctx)
    now = ctx.clock.now()
    store_antivirus(svc, agent_report("PC-01", now - timedelta(days=8)))
    await svc.sweep()
    with session_scope(ctx.sessions) as db:
        c = antivirus_compliance(db, ctx.settings, now, None)
    assert c.compliant == 0 and c.hosts[0].state == "unknown"
    assert svc.snapshot.antivirus["pc-01"].status is Status.UNKNOWN


def test_antivirus_year_summary_names_the_host_longest_out(ctx: AppContext) -> None:
    svc = service(ctx)
    now = ctx.clock.now()
    start = now - timedelta(days=10)
    store_antivirus(svc, agent_report("PC-01", start))
    store_antivirus(svc, agent_report("PC-02", start))
    store_antivirus(svc, agent_report("PC-02", start + timedelta(days=1), AntivirusEnabled=False))
    store_antivirus(svc, agent_report("PC-02", start + timedelta(days=3)))
    with session_scope(ctx.sessions) as db:
        year = antivirus_year_summary(db, ctx.settings, 2026, now)
    assert year.hosts == 2
    assert [h.host for h in year.longest_out] == ["pc-02"]
    assert year.longest_out[0].out_seconds == 2 * 86400
    assert year.compliant_share == pytest.approx(1 - 2 / 20)


def test_metrics_come_from_the_snapshot(ctx: AppContext) -> None:
    svc = service(ctx)
    store_antivirus(svc, agent_report("PC-01", ctx.clock.now()))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BackupCollector(svc))
    text = generate_latest(registry).decode()
    assert 'itops_antivirus_compliant{host="pc-01"} 1.0' in text
    assert "itops_antivirus_compliant_ratio 1.0" in text
    assert 'itops_antivirus_realtime_enabled{host="pc-01"} 1.0' in text


def test_fresh_backup_without_verification_for_two_intervals_is_a_warning(ctx: AppContext) -> None:
    configure(
        ctx,
        backups=[
            {
                "name": "serwer",
                "kind": "restic",
                "repository": "/r",
                "password_file": "/p",
                "max_age": "1d",
                "verify_interval": "7d",
            }
        ],
    )
    cfg = ctx.settings.backups[0]
    start = ctx.clock.now()
    later = start + timedelta(days=15)
    fresh = Measurement("last_success_ts", later.timestamp())
    with session_scope(ctx.sessions) as db:
        store.record_backup(db, cfg, result(Status.OK, start, fresh), verify=False)
        snap, _ = store.record_backup(db, cfg, result(Status.OK, later, fresh), verify=False)
    assert snap.status is Status.WARNING
    assert "no successful verification" in str(snap.summary)


async def test_push_backup_never_pinged_turns_critical_after_period_and_grace(
    ctx: AppContext,
) -> None:
    configure(ctx, backups=[{"name": "nas", "kind": "push", "token": PUSH_TOKEN, "period": "1d"}])
    seen = captured(ctx)
    first = await service(ctx).look("nas")
    assert first is not None and first.status is Status.UNKNOWN
    ctx.clock.advance(timedelta(hours=25, minutes=1))  # type: ignore[attr-defined]
    late = await service(ctx).look("nas")
    assert late is not None and late.status is Status.CRITICAL
    assert "no success ping" in str(late.summary)
    assert [e.kind for e in seen] == [events.BACKUP_NONCOMPLIANT]
