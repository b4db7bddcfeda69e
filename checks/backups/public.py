"""The public API of the backups and antivirus feature (annual report, tiles, DEMO seed).

Other features call only these functions; they return plain frozen dataclasses. Years
are calendar years in the office's time zone; shares are computed from the incident
intervals with ``itops.intervals`` (time-weighted, never counts of samples).

Rules:
- a backup is compliant while its status is OK or WARNING; CRITICAL intervals are
  non-compliant; UNKNOWN intervals (itops could not tell) are left out of both sides,
  like monitoring gaps in the availability KPI;
- a host's antivirus is compliant only while OK; WARNING, CRITICAL and silence (no
  report for ``antivirus.silent_after``) all count as out of compliance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checks.backups.config import ANTIVIRUS, BACKUPS, BackupConfig
from checks.backups.demo import seed_demo
from checks.backups.demo import tables_with_data as demo_tables_with_data
from checks.backups.models import (
    NONCOMPLIANT,
    UNKNOWN,
    AvHost,
    AvIncident,
    BackupIncident,
    BackupRun,
    BackupState,
    RestoreTest,
)
from checks.backups.store import normalize_host
from itops.config import Settings
from itops.intervals import Interval, clip, normalize, subtract, total_seconds
from itops.messages import Summary, from_stored
from itops.status import Status

__all__ = [
    "AntivirusCompliance",
    "AntivirusYearSummary",
    "BackupConfig",
    "BackupYearSummary",
    "HostCompliance",
    "HostYear",
    "antivirus_compliance",
    "inventory_computers",
    "protected_hosts",
    "retirements",
    "antivirus_year_summary",
    "backup_year_summary",
    "demo_tables_with_data",
    "seed_demo",
    "year_bounds",
]


def year_bounds(settings: Settings, year: int) -> tuple[datetime, datetime]:
    """1 January 00:00 to the next 1 January 00:00, office local time (aware)."""
    tz = ZoneInfo(settings.office.timezone)
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


@dataclass(frozen=True)
class BackupYearSummary:
    """One backup over one year."""

    name: str
    kind: str
    unit_id: str
    watched_seconds: float
    unknown_seconds: float
    noncompliant_seconds: float
    compliant_share: float | None
    noncompliant_periods: int
    longest_noncompliant: Interval | None
    last_verification_at: datetime | None
    last_verification_ok: bool | None
    restore_tests: int
    restore_tests_failed: int
    last_restore_test_at: datetime | None

    @property
    def longest_noncompliant_seconds(self) -> float:
        return self.longest_noncompliant.seconds if self.longest_noncompliant else 0.0


def _intervals(rows: list[tuple[datetime, datetime | None]], until: datetime) -> list[Interval]:
    return normalize(Interval(s, min(e or until, until)) for s, e in rows if s < until)


def backup_year_summary(
    session: Session, settings: Settings, year: int, now: datetime
) -> list[BackupYearSummary]:
    """Every configured backup over ``year`` (watched from its first sighting to ``now``)."""
    start, end = year_bounds(settings, year)
    out: list[BackupYearSummary] = []
    for cfg in settings.section(BACKUPS):
        state = session.get(BackupState, cfg.name)
        until = min(end, now)
        if state is None or state.first_seen >= until:
            watched: list[Interval] = []
        else:
            watched = [Interval(max(start, state.first_seen), until)]
        rows = session.execute(
            select(BackupIncident.kind, BackupIncident.start, BackupIncident.end).where(
                BackupIncident.backup == cfg.name,
                BackupIncident.start < until,
            )
        ).all()
        bad = (
            clip(_intervals([(s, e) for k, s, e in rows if k == NONCOMPLIANT], until), start, until)
            if watched
            else []
        )
        unknown = (
            clip(_intervals([(s, e) for k, s, e in rows if k == UNKNOWN], until), start, until)
            if watched
            else []
        )
        observed = subtract(watched, unknown)
        bad = subtract(bad, unknown)
        observed_s, bad_s = total_seconds(observed), total_seconds(bad)
        longest = max(bad, key=lambda i: i.seconds, default=None)
        verify_at, verify_ok = _last_verification(session, state, cfg.name, end)
        tests = session.execute(
            select(RestoreTest.success, func.count(), func.max(RestoreTest.performed_at))
            .where(
                RestoreTest.backup == cfg.name,
                RestoreTest.performed_at >= start,
                RestoreTest.performed_at < end,
            )
            .group_by(RestoreTest.success)
        ).all()
        count = sum(int(n) for _, n, _ in tests)
        failed = sum(int(n) for ok, n, _ in tests if not ok)
        last_test = max((m for _, _, m in tests if m is not None), default=None)
        out.append(
            BackupYearSummary(
                name=cfg.name,
                kind=cfg.kind,
                unit_id=cfg.unit,
                watched_seconds=total_seconds(watched),
                unknown_seconds=total_seconds(unknown),
                noncompliant_seconds=bad_s,
                compliant_share=(observed_s - bad_s) / observed_s if observed_s > 0 else None,
                noncompliant_periods=len(bad),
                longest_noncompliant=longest,
                last_verification_at=verify_at,
                last_verification_ok=verify_ok,
                restore_tests=count,
                restore_tests_failed=failed,
                last_restore_test_at=last_test,
            )
        )
    return out


def _last_verification(
    session: Session, state: BackupState | None, name: str, end: datetime
) -> tuple[datetime | None, bool | None]:
    """The newest verification before ``end``: the state's, else the raw history's."""
    if state is not None and state.last_verify_at is not None and state.last_verify_at < end:
        return state.last_verify_at, state.last_verify_ok
    row = session.execute(
        select(BackupRun.at, BackupRun.status)
        .where(
            BackupRun.backup == name,
            BackupRun.mode == "verify",
            BackupRun.at < end,
            BackupRun.status.in_([int(Status.OK), int(Status.CRITICAL)]),
        )
        .order_by(BackupRun.at.desc())
        .limit(1)
    ).first()
    return (row[0], row[1] == int(Status.OK)) if row else (None, None)


@dataclass(frozen=True)
class HostCompliance:
    """One expected host at one moment."""

    host: str
    state: str  # "compliant", "noncompliant" or "unknown"
    summary: Summary
    product: str | None
    since: datetime | None
    last_report_at: datetime | None

    def out_for(self, at: datetime) -> timedelta | None:
        """How long the host has been out of compliance (None when compliant or never seen)."""
        if self.state == "compliant" or self.since is None:
            return None
        return at - self.since


@dataclass(frozen=True)
class AntivirusCompliance:
    """Share of expected hosts that are compliant, with the others and since when."""

    at: datetime
    expected: int
    compliant: int
    hosts: tuple[HostCompliance, ...]

    @property
    def ratio(self) -> float | None:
        return self.compliant / self.expected if self.expected else None

    @property
    def others(self) -> list[HostCompliance]:
        """Non-compliant and unknown hosts, longest out first."""
        rest = [h for h in self.hosts if h.state != "compliant"]
        return sorted(rest, key=lambda h: (h.since is not None, h.since or self.at))


def inventory_computers(session: Session, settings: Settings, at: datetime) -> list[str] | None:
    """The computers the inventory has in service on ``at``'s local day, or None.

    None (inventory not installed, or no computers recorded yet) means "every host that
    ever reported", so a new installation still shows its agents.
    """
    try:
        from inventory.public import active_computer_hostnames
    except ModuleNotFoundError:
        return None
    day = at.astimezone(ZoneInfo(settings.office.timezone)).date()
    return active_computer_hostnames(session, settings, day) or None


def retirements(session: Session, settings: Settings) -> dict[str, datetime]:
    """Hosts (normalised) retired in the inventory, with the instant they left service;
    empty without the inventory. A retired host opens no non-compliance after it."""
    try:
        from inventory.public import computer_retirements
    except ModuleNotFoundError:
        return {}
    return computer_retirements(session, settings)


def protected_hosts(session: Session, settings: Settings, at: datetime) -> list[str] | None:
    """Every host whose antivirus counts at ``at``: the inventory's computers in service
    and every configured ClamAV server (``[[antivirus.clamav]]``), which protects the
    office as much as a desktop's Defender does. None: no inventory and no ClamAV entry,
    count every host that reported.

    The one population of the page header, the Pulpit tile, ``itops antivirus status``,
    the ratio metric and the report.
    """
    engines = {normalize_host(c.name) for c in settings.section(ANTIVIRUS).clamav}
    computers = inventory_computers(session, settings, at)
    if computers is None:
        if not engines:
            return None
        gone = retirements(session, settings)
        reported = {
            h for h in session.scalars(select(AvHost.host)) if h not in gone or gone[h] > at
        }
        return sorted(reported | engines)
    return sorted({normalize_host(h) for h in computers} | engines)


def antivirus_compliance(
    session: Session, settings: Settings, at: datetime, expected_hosts: list[str] | None
) -> AntivirusCompliance:
    """Compliance of ``expected_hosts`` at ``at`` (None: every host that ever reported).

    A host is compliant when its latest report is OK and not older than
    ``antivirus.silent_after``; a silent or never-seen host is "unknown", not compliant.
    Host names compare case-insensitively.
    """
    rows = {r.host: r for r in session.scalars(select(AvHost))}
    wanted = (
        sorted({normalize_host(h) for h in expected_hosts})
        if expected_hosts is not None
        else sorted(rows)
    )
    silent = settings.section(ANTIVIRUS).silent_after
    open_since: dict[str, datetime] = {}
    for host, start in session.execute(
        select(AvIncident.host, func.min(AvIncident.start))
        .where(AvIncident.end.is_(None))
        .group_by(AvIncident.host)
    ):
        open_since[host] = start
    hosts: list[HostCompliance] = []
    for host in wanted:
        row = rows.get(host)
        if row is None:
            never = Summary("antivirus.never_reported")
            hosts.append(HostCompliance(host, "unknown", never, None, None, None))
            continue
        if at - row.last_report_at > silent:
            hosts.append(
                HostCompliance(
                    host,
                    "unknown",
                    Summary("antivirus.no_report_for", {"days": silent.days}),
                    row.product,
                    row.last_report_at + silent,
                    row.last_report_at,
                )
            )
            continue
        if row.status == int(Status.OK):
            hosts.append(
                HostCompliance(
                    host,
                    "compliant",
                    from_stored(row.summary),
                    row.product,
                    None,
                    row.last_report_at,
                )
            )
            continue
        opened = open_since.get(host)
        state = "unknown" if row.status == int(Status.UNKNOWN) else "noncompliant"
        hosts.append(
            HostCompliance(
                host,
                state,
                from_stored(row.summary),
                row.product,
                opened or row.since,
                row.last_report_at,
            )
        )
    compliant = sum(1 for h in hosts if h.state == "compliant")
    return AntivirusCompliance(at, len(hosts), compliant, tuple(hosts))


@dataclass(frozen=True)
class HostYear:
    """One host over one year."""

    host: str
    tracked_seconds: float
    out_seconds: float
    longest_out: Interval | None

    @property
    def compliant_share(self) -> float | None:
        if self.tracked_seconds <= 0:
            return None
        return (self.tracked_seconds - self.out_seconds) / self.tracked_seconds


@dataclass(frozen=True)
class AntivirusYearSummary:
    """All hosts over one year: the time-weighted compliant share and the worst hosts."""

    year: int
    hosts: int
    tracked_seconds: float
    out_seconds: float
    longest_out: tuple[HostYear, ...]

    @property
    def compliant_share(self) -> float | None:
        if self.tracked_seconds <= 0:
            return None
        return (self.tracked_seconds - self.out_seconds) / self.tracked_seconds


def antivirus_year_summary(
    session: Session,
    settings: Settings,
    year: int,
    now: datetime,
    expected_hosts: list[str] | None = None,
    top: int = 10,
) -> AntivirusYearSummary:
    """Time-weighted compliant share over ``year`` and the ``top`` hosts longest out of it.

    Each host is tracked from its first report (an expected host that never reported is
    tracked, and out of compliance, for the whole year up to ``now``).
    """
    start, end = year_bounds(settings, year)
    until = min(end, now)
    rows = {r.host: r for r in session.scalars(select(AvHost))}
    wanted = (
        sorted({normalize_host(h) for h in expected_hosts})
        if expected_hosts is not None
        else sorted(rows)
    )
    incidents: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for host, s, e in session.execute(
        select(AvIncident.host, AvIncident.start, AvIncident.end).where(AvIncident.start < until)
    ):
        incidents.setdefault(host, []).append((s, e))
    gone = retirements(session, settings)
    per_host: list[HostYear] = []
    for host in wanted:
        row = rows.get(host)
        first = row.first_seen if row else start
        last = min(until, gone.get(host, until))  # a retired host is tracked up to it
        if first >= last:
            continue
        tracked = [Interval(max(start, first), last)]
        if row is None:
            out = tracked
        else:
            out = clip(_intervals(incidents.get(host, []), last), tracked[0].start, last)
        per_host.append(
            HostYear(
                host,
                total_seconds(tracked),
                total_seconds(out),
                max(out, key=lambda i: i.seconds, default=None),
            )
        )
    worst = sorted((h for h in per_host if h.out_seconds > 0), key=lambda h: -h.out_seconds)
    return AntivirusYearSummary(
        year=year,
        hosts=len(per_host),
        tracked_seconds=sum(h.tracked_seconds for h in per_host),
        out_seconds=sum(h.out_seconds for h in per_host),
        longest_out=tuple(worst[:top]),
    )
