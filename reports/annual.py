"""The annual quality report of the process "Obsługa informatyczna": numbers and files.

1. ``collect`` gathers every number through the features' public modules (KPI 1 from
   ``checks.availability.kpi``, KPIs 2 and 3 and the fleet from ``inventory.public``, backups
   and antivirus from ``checks.backups.public``, the register from
   ``inventory.register.public``) into one frozen ``reports.data.AnnualReport``; its
   ``kpi`` is ``reports.kpi.kpi_object``, the very object ``itops kpi --json`` prints,
   so the report never computes a KPI its own way.
2. ``reports.render`` turns the report into HTML and PDF.
3. ``write_annual`` writes ``raport-jakosci-YEAR.{html,pdf,json}``. The JSON holds no
   generation time, so the same year and data give the same file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from itops import __version__
from itops.config import Settings
from itops.db.session import read_scope
from reports.config import REPORT as REPORT_SECTION
from reports.data import (
    AgeBucketFigures,
    Annex,
    AnnexAntivirus,
    AnnexBackup,
    AnnualReport,
    AntivirusSection,
    AvailabilitySection,
    BackupFigures,
    CheckFigures,
    GapFigures,
    HostOut,
    Kpi,
    Meta,
    MonthFigures,
    OsSupportFigures,
    OutageFigures,
    Period,
    ProtocolFigures,
    PurchasedAsset,
    PurchasesSection,
    RegisterChain,
    RegisterSection,
    RegisterSigning,
    RepairsSection,
    Span,
    TrainingsSection,
    UpdateRiskFigures,
    to_json,
)
from reports.kpi import kpi_object, year_availability
from reports.render import conclusions, render_html, render_pdf

if TYPE_CHECKING:
    from checks.availability.public import AvailabilityReport
    from itops.intervals import Interval

logger = logging.getLogger(__name__)

PROCESS = "Obsługa informatyczna"
# Version of the counting rules the numbers follow (KPI 1: working-time intervals, gaps
# neither up nor down; KPI 2/3: ledger on 31 December). Bump when a rule changes.
COUNTING_POLICY = "itops-kpi-2026.1"


def file_stem(year: int) -> str:
    return f"raport-jakosci-{year}"


def _local(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def _span(value: Interval | None, tz: ZoneInfo) -> Span | None:
    if value is None:
        return None
    return Span(_local(value.start, tz), _local(value.end, tz), value.seconds)


def _meta(settings: Settings, year: int, lang: str, as_of: str | None = None) -> Meta:
    section = settings.section(REPORT_SECTION)
    return Meta(
        year=year,
        office=settings.office.name,
        process=PROCESS,
        category="wspomagający",
        process_owner=settings.office.process_owner,
        organisational_unit=settings.office.organisational_unit,
        period=Period(date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat(), as_of),
        itops_version=__version__,
        counting_policy=COUNTING_POLICY,
        prepared_by=section.prepared_by,
        approved_by=section.approved_by,
        lang=lang,
    )


def _availability(avail: AvailabilityReport) -> AvailabilitySection:
    checks = tuple(
        CheckFigures(
            c.name,
            c.kind,
            c.unit,
            c.counts_for_kpi,
            c.availability,
            c.coverage,
            c.outages,
            c.working_seconds,
            c.excluded_seconds,
            c.downtime_seconds,
            c.unknown_seconds,
        )
        for c in avail.checks
    )
    outages = tuple(
        OutageFigures(
            o.id,
            o.check,
            o.local_start.isoformat(),
            o.local_end.isoformat() if o.local_end else None,
            round(o.working_minutes, 2),
            o.cause,
            o.original_cause,
            o.note,
            o.counts,
            o.unit,
        )
        for o in avail.outages
    )
    months = tuple(
        MonthFigures(
            m.month.isoformat(),
            m.working_seconds,
            m.excluded_seconds,
            m.downtime_seconds,
            m.availability,
        )
        for m in avail.months
    )
    gaps = tuple(
        GapFigures(c.name, c.unknown_seconds, c.coverage)
        for c in avail.checks
        if c.unknown_seconds > 0
    )
    return AvailabilitySection(checks, months, outages, gaps)


def _repairs(session: Session, settings: Settings, year: int) -> RepairsSection:
    from inventory.public import repair_protocols

    return RepairsSection(
        tuple(
            ProtocolFigures(
                p.number, p.repaired_on.isoformat(), p.inventory_no, p.category, p.kind, p.counted
            )
            for p in repair_protocols(session, settings, year)
        )
    )


def _purchases(session: Session, settings: Settings, year: int, kpi: Kpi) -> PurchasesSection:
    from inventory.public import fleet_age_distribution, purchase_documents

    bought = kpi.purchases.purchased_list
    docs = purchase_documents(session, [a.inventory_no for a in bought if a.inventory_no])
    return PurchasesSection(
        purchased=tuple(
            PurchasedAsset(
                a.inventory_no,
                a.category,
                a.purchased_on,
                a.retired_on,
                docs.get(a.inventory_no or "", ""),
            )
            for a in bought
        ),
        fleet_age=tuple(
            AgeBucketFigures(b.label, b.min_years, b.max_years, b.count)
            for b in fleet_age_distribution(session, settings, date(year, 12, 31))
        ),
    )


def _backups(
    session: Session, settings: Settings, year: int, now: datetime, tz: ZoneInfo
) -> tuple[BackupFigures, ...]:
    from checks.backups.public import backup_year_summary

    return tuple(
        BackupFigures(
            b.name,
            b.kind,
            b.unit_id,
            b.watched_seconds,
            b.unknown_seconds,
            b.noncompliant_seconds,
            b.compliant_share,
            b.noncompliant_periods,
            _span(b.longest_noncompliant, tz),
            _local(b.last_verification_at, tz),
            b.last_verification_ok,
            b.restore_tests,
            b.restore_tests_failed,
            _local(b.last_restore_test_at, tz),
        )
        for b in backup_year_summary(session, settings, year, now)
    )


def _antivirus(
    session: Session, settings: Settings, year: int, now: datetime, tz: ZoneInfo
) -> tuple[AntivirusSection, AnnexAntivirus]:
    """The year's compliance and (for the annex) today's."""
    from checks.backups.public import (
        antivirus_compliance,
        antivirus_year_summary,
        protected_hosts,
        year_bounds,
    )

    _, end = year_bounds(settings, year)
    year_end_at = min(end - timedelta(microseconds=1), now)
    expected = protected_hosts(session, settings, year_end_at)
    av_year = antivirus_year_summary(session, settings, year, now, expected)
    av_now = antivirus_compliance(session, settings, now, protected_hosts(session, settings, now))
    section = AntivirusSection(
        av_year.hosts,
        av_year.tracked_seconds,
        av_year.out_seconds,
        av_year.compliant_share,
        tuple(
            HostOut(h.host, h.out_seconds, h.compliant_share, _span(h.longest_out, tz))
            for h in av_year.longest_out
        ),
    )
    return section, AnnexAntivirus(av_now.expected, av_now.compliant, av_now.ratio)


def _register(session: Session, settings: Settings, year: int, now: datetime) -> RegisterSection:
    from inventory.register.public import annual_summary

    r = annual_summary(session, settings, year, now)
    return RegisterSection(
        r.year,
        r.acts_total,
        {str(k): v for k, v in r.acts_per_month.items()},
        dict(r.acts_per_scope),
        r.acts_outside_policy,
        r.all_within_policy,
        r.employees_without_notice,
        r.chain_verified,
        r.head_seq,
        r.head_hash,
    )


def _signing(session: Session, settings: Settings, tz: ZoneInfo) -> RegisterSigning:
    """The register's public key and newest signed head (anchor), for the annex."""
    from inventory.register.public import signing_summary

    s = signing_summary(session, settings)
    return RegisterSigning(
        s.public_key,
        s.fingerprint,
        s.head_seq,
        s.head_hash,
        _local(s.signed_at, tz),
        s.signature,
        s.anchor_text,
        s.key_problem,
    )


def _trainings(session: Session, year: int) -> TrainingsSection:
    from inventory.public import training_counts

    t = training_counts(session, year)
    return TrainingsSection(
        t.year, t.trainings, t.group, t.individual, t.participants, t.participations
    )


def demo_office(session: Session) -> bool:
    """Whether ``itops demo seed`` wrote this database (its mark is kept in the settings)."""
    from itops.db.models import AppSetting
    from itops.demo import SEED_MARK

    return session.get(AppSetting, SEED_MARK) is not None


def _is_demo_asset(hostname: str | None, inventory_no: str | None) -> bool:
    return (hostname or "").lower().startswith("demo-") or (inventory_no or "").startswith("DEMO/")


def _os_support(session: Session, settings: Settings, today: date) -> tuple[OsSupportFigures, ...]:
    """Every reporting computer's OS support; in the DEMO office only the DEMO computers:
    the machine itops runs on reports itself daily (``collect_self``), and a real host
    name and system must not appear among the invented ones."""
    from inventory.public import os_support_status

    demo = demo_office(session)
    return tuple(
        OsSupportFigures(
            o.hostname,
            o.inventory_no,
            o.os,
            o.end_of_support.isoformat() if o.end_of_support else None,
            o.supported,
        )
        for o in os_support_status(session, settings, today)
        if not demo or _is_demo_asset(o.hostname, o.inventory_no)
    )


def _updates(session: Session, settings: Settings, now: datetime) -> UpdateRiskFigures:
    from inventory.public import update_risk

    # in the DEMO office only the DEMO computers count, as in the OS-support annex
    risk = update_risk(session, settings, now, _is_demo_asset if demo_office(session) else None)
    c = risk.counts
    return UpdateRiskFigures(
        risk.computers,
        risk.at_risk,
        c["end_of_support"],
        c["security_pending"],
        c["reboot_pending"],
        c["silent"],
        risk.security_max_days,
    )


def collect(
    session: Session, settings: Settings, year: int, now: datetime, lang: str = "pl"
) -> AnnualReport:
    """Every number of the report for ``year``, with the conclusions in ``lang``."""
    from inventory.public import lifecycles_once

    with lifecycles_once(session):  # eight parts ask for the assets' service lives
        return _collect(session, settings, year, now, lang)


def _collect(
    session: Session, settings: Settings, year: int, now: datetime, lang: str
) -> AnnualReport:
    tz = ZoneInfo(settings.office.timezone)
    now = now.astimezone(UTC)
    avail = year_availability(session, settings, year, now)
    kpi = kpi_object(session, settings, year, now, availability=avail)
    availability = _availability(avail)
    backups = _backups(session, settings, year, now, tz)
    antivirus, antivirus_now = _antivirus(session, settings, year, now, tz)
    register = _register(session, settings, year, now)
    annex = Annex(
        backups=tuple(
            AnnexBackup(b.name, b.last_verification_at, b.last_verification_ok) for b in backups
        ),
        antivirus=antivirus_now,
        register_chain=RegisterChain(
            register.chain_verified,
            register.head_seq,
            register.head_hash,
            _signing(session, settings, tz),
        ),
        os_support=_os_support(session, settings, now.astimezone(tz).date()),
        updates=_updates(session, settings, now),
    )
    return AnnualReport(
        meta=_meta(settings, year, lang, kpi.as_of),
        kpi=kpi,
        availability=availability,
        repairs=_repairs(session, settings, year),
        purchases=_purchases(session, settings, year, kpi),
        backups=backups,
        antivirus=antivirus,
        register=register,
        trainings=_trainings(session, year),
        annex=annex,
        conclusions=conclusions(kpi, availability.checks, lang),
    )


# the parts ``write_annual`` tells ``progress`` it is on: (Polish, English)
PARTS = {
    "collect": ("zbieranie danych", "collecting the data"),
    "html": ("strona HTML", "the HTML page"),
    "json": ("plik JSON", "the JSON file"),
    "pdf": ("plik PDF", "the PDF file"),
}


def write_annual(
    app: Any,
    year: int,
    out_dir: Path,
    lang: str = "pl",
    pdf: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write ``raport-jakosci-YEAR.html`` / ``.pdf`` / ``.json`` into ``out_dir``;
    ``progress`` is told each part (a ``PARTS`` key) as it begins."""
    tell = progress or (lambda _part: None)
    settings: Settings = app.settings
    now = app.clock.now()
    tell("collect")
    with read_scope(app.sessions) as db:
        report = collect(db, settings, year, now, lang)
    tell("html")
    html = render_html(report, now, settings.office.timezone, settings.unit_names())
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / file_stem(year)
    paths = [stem.with_suffix(".html"), stem.with_suffix(".json")]
    paths[0].write_text(html, encoding="utf-8")
    tell("json")
    paths[1].write_text(
        json.dumps(to_json(report), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    if pdf:
        tell("pdf")
        path = stem.with_suffix(".pdf")
        path.write_bytes(render_pdf(html))
        paths.insert(1, path)
    logger.info("annual report %s written to %s", year, out_dir)
    return paths
