"""The backups' and antivirus' part of the DEMO office: a year of looks and reports.

Everything goes through ``store`` (what the backup checks, the agent API and the
restore-test form write), so incidents and compliance figures are what a real year
leaves behind. The computers come from the inventory seed as ``DemoHost`` values;
each host's last Defender report goes back to it for the agent report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from checks.backups.config import BACKUPS, BackupConfig
from itops.demo import ACTOR, DemoHost, DemoReport, DemoWorld, tables_in_use
from itops.messages import Summary
from itops.status import Measurement, ProbeResult, Status


@dataclass
class BackupsDemo:
    """What the backups and antivirus seed wrote."""

    antivirus_reports: int = 0
    backup_looks: int = 0
    restore_tests: int = 0
    last_reports: list[DemoReport] = field(default_factory=list)


def tables_with_data(db: Session) -> list[str]:
    """The backups' and antivirus' tables that mark a database as someone's office."""
    from checks.backups.models import AvHost, BackupState

    return tables_in_use(db, (BackupState, AvHost))


def seed_demo(db: Session, world: DemoWorld, hosts: Sequence[DemoHost]) -> BackupsDemo:
    """Defender reports of ``hosts``, then a year of every configured backup."""
    out = BackupsDemo()
    out.antivirus_reports, out.last_reports = _antivirus(db, world, hosts)
    out.backup_looks, out.restore_tests = _backups(db, world)
    return out


def _defender(updated: datetime, realtime: bool = True) -> dict[str, Any]:
    return {
        "AMServiceEnabled": True,
        "AntivirusEnabled": True,
        "RealTimeProtectionEnabled": realtime,
        "AMRunningMode": "Normal",
        "AntivirusSignatureLastUpdated": updated.isoformat(),
        "AntivirusSignatureVersion": f"1.{400 + updated.timetuple().tm_yday}.0.0",
        "QuickScanAge": 1,
        "FullScanAge": 12,
    }


def _antivirus(
    db: Session, world: DemoWorld, hosts: Sequence[DemoHost]
) -> tuple[int, list[DemoReport]]:
    """Defender reports: a first one, a few hosts out of compliance for days, three recent
    weeks. Returns how many, and each host's last one (its agent report carries it)."""
    from checks.backups.agent_part import record_agent_report

    rng = world.rng
    count, last_reports = 0, []
    troubled = set(rng.sample(range(len(hosts)), max(1, len(hosts) // 10)))
    for index, item in enumerate(hosts):
        host, bought, retired = item.hostname, item.bought, item.retired
        first = max(bought, date(world.year, 1, 2))
        last = min(retired - timedelta(days=1), world.last_day) if retired else world.last_day
        if last < first:
            continue
        plan: list[tuple[date, float, bool]] = [(first, 0.2, True)]
        if index in troubled and (last - first).days > 40:
            bad = first + timedelta(days=rng.randrange(10, (last - first).days - 20))
            plan.append((bad, rng.choice((4.0, 6.5)), index % 4 != 0))
            plan.append((bad + timedelta(days=rng.randrange(2, 12)), 0.2, True))
        plan += [(d, 0.2, True) for d in (last - timedelta(days=7), last) if d > first]
        moments: list[tuple[datetime, dict[str, Any]]] = []
        for day, lag_days, realtime in plan:
            # Never after the end of the seeded time (seeding today before 09:00).
            at = min(world.local(day, 8, rng.randrange(50)), world.until)
            moments.append((at, _defender(at - timedelta(days=lag_days), realtime)))
        moments.sort(key=lambda m: m[0])
        for at, fields in moments:
            data = {"hostname": host, "antivirus": fields, "reported_at": at.isoformat()}
            record_agent_report(db, world.settings, data, at)
            count += 1
        at, fields = moments[-1]
        last_reports.append(DemoReport(item, at, fields))
    return count, last_reports


def _backups(db: Session, world: DemoWorld) -> tuple[int, int]:
    """A daily look per configured backup, weekly verification, one bad spell each, tests."""
    from checks.backups.kinds import VERIFIED_KINDS
    from checks.backups.store import add_restore_test, record_backup, record_ping
    from checks.kinds.backup_base import VERIFY_AT

    rng = world.rng
    looks = restore_tests = 0
    recent = world.last_day - timedelta(days=14)
    for index, cfg in enumerate(world.settings.section(BACKUPS)):
        month = (2 + index * 2) % 12 + 1
        outage_from = world.day_in(month, month)
        outage_days = 2 + index
        last_success: datetime | None = None
        size = 2_000_000_000 + index * 750_000_000
        for day in world.days():
            broken = outage_from <= day < outage_from + timedelta(days=outage_days)
            ran = world.local(day, 1, 30)
            if not broken and ran < world.until:
                last_success = ran + timedelta(minutes=40)
                size += rng.randrange(1_000_000, 20_000_000)
                if cfg.kind == "push" and day > recent and last_success <= world.until:
                    record_ping(db, cfg, "start", ran)
                    record_ping(db, cfg, "success", last_success)
            look = world.local(day, 7)
            if look > world.until or last_success is None:
                continue
            # Looks every day near a bad spell and in the last month, else weekly: the
            # incidents (what the year's figures read) come out the same.
            near = abs((day - outage_from).days) <= outage_days + 2
            if not (near or day > recent or day.weekday() == 0 or day.day == 1):
                continue
            _look(db, cfg, look, last_success, size, broken)
            looks += 1
            if cfg.kind in VERIFIED_KINDS and day.weekday() == 6 and not broken:
                verified = world.local(day, 5)
                record_backup(
                    db,
                    cfg,
                    ProbeResult(
                        cfg.name,
                        cfg.kind,
                        Status.OK,
                        Summary("backup.demo_repository_ok"),
                        verified,
                        600.0,
                        (Measurement(VERIFY_AT, verified.timestamp(), "ts"),),
                    ),
                    verify=True,
                )
        for month in (4, 10):
            day = world.day_in(month, month)
            when = world.local(day, 12)
            ok = month == 10 or index > 0
            if when > world.until:
                continue
            add_restore_test(
                db,
                world.settings,
                backup=cfg.name,
                performed_at=when,
                performed_by="DEMO Informatyk Urzędu",
                restored=f"DEMO: przykładowe pliki z kopii {cfg.name}",
                success=ok,
                notes="" if ok else "DEMO: błędny plik hasła; poprawiony",
                recorded_by=ACTOR,
                now=world.until,
            )
            restore_tests += 1
    return looks, restore_tests


def _look(
    db: Session,
    cfg: BackupConfig,
    at: datetime,
    last_success: datetime,
    size: int,
    broken: bool,
) -> None:
    """One look as the backup check would report it (CRITICAL once over ``max_age``)."""
    from checks.backups.store import record_backup
    from checks.kinds.backup_base import LAST_SUCCESS, SIZE

    age_h = (at - last_success).total_seconds() / 3600
    status = Status.OK
    summary = Summary("backup.demo_newest", {"hours": age_h, "gb": size / 1e9})
    limit = cfg.max_age or timedelta(hours=26)
    if broken and at - last_success > limit:
        status, summary = Status.CRITICAL, Summary("backup.demo_too_old", {"hours": age_h})
    result = ProbeResult(
        cfg.name,
        cfg.kind,
        status,
        summary,
        at,
        2.0,
        (
            Measurement(LAST_SUCCESS, last_success.timestamp(), "ts"),
            Measurement(SIZE, float(size), "B"),
        ),
    )
    record_backup(db, cfg, result, verify=False)
