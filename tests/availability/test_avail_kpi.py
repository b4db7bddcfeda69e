"""KPI 1, table-driven: outages against the office calendar, on both engines.

Office hours (conftest): Monday 08:00-16:00, Tuesday-Friday 07:30-15:30, Europe/Warsaw,
Polish holidays, extra days off 2026-08-14 and 2026-12-28.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from checks.availability.entry import reclassify
from checks.availability.figures import AvailabilityReport
from checks.availability.kpi import compute
from checks.availability.models import MonitoringGap, Outage
from itops.config import Settings
from itops.db.models import OrgUnit
from itops.db.session import make_engine, make_sessionmaker, session_scope
from itops.errors import ValidationError
from tests.conftest import make_settings

WARSAW = ZoneInfo("Europe/Warsaw")
LATER = datetime(2027, 6, 1, tzinfo=UTC)
CHECKS = [
    {"name": "bip", "kind": "tcp", "host": "127.0.0.1", "port": 1},
    {"name": "poczta", "kind": "tcp", "host": "127.0.0.1", "port": 2},
]


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW)


@dataclass(frozen=True)
class Case:
    """One scenario: outages (check, local start, local end or None, cause) → figures."""

    id: str
    outages: list[tuple[str, str, str | None, str]]
    office_downtime: float
    check_downtime: dict[str, float] = field(default_factory=dict)
    first: date = date(2026, 1, 1)
    until: date = date(2027, 1, 1)
    gaps: list[tuple[str, str, str]] = field(default_factory=list)
    maintenance: list[dict[str, object]] = field(default_factory=list)
    reclassify_to: str | None = None
    check_excluded: dict[str, float] = field(default_factory=dict)
    check_unknown: dict[str, float] = field(default_factory=dict)


CASES = [
    Case(
        "outage_across_weekend_counts_only_friday_and_monday_hours",
        [("bip", "2026-03-13T15:00", "2026-03-16T09:00", "failure")],
        office_downtime=30 * 60 + 60 * 60,
        check_downtime={"bip": 5400, "poczta": 0},
    ),
    Case(
        "outage_on_easter_monday_is_not_counted",
        [("bip", "2026-04-06T10:00", "2026-04-06T12:00", "failure")],
        office_downtime=0,
    ),
    Case(
        "outage_on_24_december_2025_is_not_counted",
        [("bip", "2025-12-24T09:00", "2025-12-24T11:00", "failure")],
        office_downtime=0,
        first=date(2025, 1, 1),
        until=date(2026, 1, 1),
    ),
    Case(
        "outage_across_spring_dst_change_counts_local_hours",
        [("bip", "2026-03-27T15:00", "2026-03-30T08:30", "failure")],
        office_downtime=30 * 60 + 30 * 60,
    ),
    Case(
        "outage_across_autumn_dst_change_counts_local_hours",
        [("bip", "2026-10-23T15:00", "2026-10-26T09:00", "failure")],
        office_downtime=30 * 60 + 60 * 60,
    ),
    Case(
        "outage_open_at_period_end_is_cut_at_the_end",
        [("bip", "2026-12-31T15:00", None, "failure")],
        office_downtime=30 * 60,
    ),
    Case(
        "overlapping_outages_on_two_kpi_checks_count_once_for_the_office",
        [
            ("bip", "2026-03-10T08:00", "2026-03-10T10:00", "failure"),
            ("poczta", "2026-03-10T09:00", "2026-03-10T11:00", "failure"),
        ],
        office_downtime=3 * 3600,
        check_downtime={"bip": 7200, "poczta": 7200},
    ),
    Case(
        "monitoring_gap_is_neither_downtime_nor_uptime",
        [],
        office_downtime=0,
        gaps=[("bip", "2026-03-11T08:00", "2026-03-11T09:00")],
        check_unknown={"bip": 3600, "poczta": 0},
    ),
    Case(
        "planned_window_is_excluded_and_the_rest_counts",
        [("bip", "2026-03-12T09:00", "2026-03-12T11:00", "failure")],
        office_downtime=3600,
        maintenance=[
            {
                "name": "aktualizacja BIP",
                "checks": ["bip"],
                "start": "2026-03-12T08:00:00",
                "end": "2026-03-12T10:00:00",
            }
        ],
        check_downtime={"bip": 3600},
        check_excluded={"bip": 7200, "poczta": 0},
    ),
    Case(
        "recurring_window_stays_at_local_time_after_spring_dst_change",
        [("bip", "2026-03-30T08:00", "2026-03-30T09:00", "failure")],
        office_downtime=0,
        maintenance=[{"name": "kopie", "weekdays": ["monday"], "hours": "08:00-09:00"}],
    ),
    Case(
        "recurring_window_stays_at_local_time_after_autumn_dst_change",
        [("bip", "2026-10-26T08:00", "2026-10-26T09:30", "failure")],
        office_downtime=30 * 60,
        maintenance=[{"name": "kopie", "weekdays": ["monday"], "hours": "08:00-09:00"}],
    ),
    Case(
        "window_that_only_silences_alerts_still_counts",
        [("bip", "2026-03-12T09:00", "2026-03-12T10:00", "failure")],
        office_downtime=3600,
        maintenance=[
            {
                "name": "cisza",
                "checks": ["bip"],
                "start": "2026-03-12T08:00:00",
                "end": "2026-03-12T10:00:00",
                "exclude_from_availability": False,
            }
        ],
    ),
    Case(
        "outage_reclassified_as_false_alarm_is_not_counted",
        [("bip", "2026-03-17T08:00", "2026-03-17T09:00", "failure")],
        office_downtime=0,
        reclassify_to="false_alarm",
    ),
    Case(
        "outage_reclassified_as_planned_is_excluded",
        [("bip", "2026-03-17T08:00", "2026-03-17T09:00", "failure")],
        office_downtime=0,
        reclassify_to="planned",
        check_excluded={"bip": 3600},
    ),
]


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def settings_for(db_url: str, case: Case) -> Settings:
    return make_settings(db_url, checks=CHECKS, maintenance=case.maintenance)


def sync_units(sessions: sessionmaker[Session], settings: Settings) -> None:
    with session_scope(sessions) as db:
        for unit_id, name in settings.unit_names().items():
            db.merge(OrgUnit(id=unit_id, name=name))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_availability_table(case: Case, db_url: str, sessions: sessionmaker[Session]) -> None:
    settings = settings_for(db_url, case)
    sync_units(sessions, settings)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    with session_scope(sessions) as db:
        ids = []
        for name, start, end, cause in case.outages:
            row = Outage(
                check_name=name,
                unit_id="office",
                start=local(start),
                end=local(end) if end else None,
                cause=cause,
                created_at=created,
            )
            db.add(row)
            db.flush()
            ids.append(row.id)
        for name, start, end in case.gaps:
            db.add(
                MonitoringGap(
                    unit_id="office",
                    check_name=name,
                    start=local(start),
                    end=local(end),
                    reason="test",
                )
            )
        if case.reclassify_to:
            reclassify(db, ids[0], case.reclassify_to, "anna", "kabel odłączony testowo", LATER)
    with session_scope(sessions) as db:
        report = compute(db, settings, case.first, case.until, now=LATER)
    assert report.office.downtime_seconds == pytest.approx(case.office_downtime)
    for name, seconds in case.check_downtime.items():
        assert report.check(name).downtime_seconds == pytest.approx(seconds)
    for name, seconds in case.check_excluded.items():
        assert report.check(name).excluded_seconds == pytest.approx(seconds)
    for name, seconds in case.check_unknown.items():
        assert report.check(name).unknown_seconds == pytest.approx(seconds)
        assert report.check(name).availability == 1.0
    w = report.office.working_seconds
    expected = (w - report.office.excluded_seconds - case.office_downtime) / (
        w - report.office.excluded_seconds
    )
    assert report.office.availability == pytest.approx(expected)
    assert report.office.met is (case.office_downtime == 0)


def _two_days(
    db_url: str,
    sessions: sessionmaker[Session],
    gap: tuple[str, str],
    outages: list[tuple[str, str]],
) -> AvailabilityReport:
    """Wed 11 and Thu 12 March 2026 (16 working hours) with one gap and the outages of bip."""
    settings = make_settings(db_url, checks=CHECKS)
    sync_units(sessions, settings)
    with session_scope(sessions) as db:
        db.add(
            MonitoringGap(
                unit_id="office",
                check_name="bip",
                start=local(gap[0]),
                end=local(gap[1]),
                reason="test",
            )
        )
        for start, end in outages:
            db.add(
                Outage(
                    check_name="bip",
                    unit_id="office",
                    start=local(start),
                    end=local(end),
                    cause="failure",
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
    with session_scope(sessions) as db:
        return compute(db, settings, date(2026, 3, 11), date(2026, 3, 13), now=LATER)


def test_time_itops_could_not_tell_is_no_uptime(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    """bip unknown 08:00-12:00 on Wednesday and down one hour on Thursday: 11 of the 12
    known hours, not 15 of 16 (the gap had been counted as uptime, although the report
    says it counts as neither)."""
    gap = ("2026-03-11T08:00", "2026-03-11T12:00")
    report = _two_days(db_url, sessions, gap, [("2026-03-12T09:00", "2026-03-12T10:00")])
    bip = report.check("bip")
    assert bip.availability == pytest.approx(11 / 12)
    assert bip.coverage == pytest.approx(12 / 16)
    assert report.office.availability == pytest.approx(15 / 16)  # poczta was watched


def test_an_outage_open_across_a_gap_stays_downtime(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    """Down 09:00-11:00, the probe unsure 10:00-12:00: two hours down out of 15 known."""
    gap = ("2026-03-12T10:00", "2026-03-12T12:00")
    report = _two_days(db_url, sessions, gap, [("2026-03-12T09:00", "2026-03-12T11:00")])
    bip = report.check("bip")
    assert bip.downtime_seconds == 7200
    assert bip.availability == pytest.approx(13 / 15)


def test_json_has_the_documented_shape(db_url: str, sessions: sessionmaker[Session]) -> None:
    settings = make_settings(db_url, checks=CHECKS)
    with session_scope(sessions) as db:
        data = compute(db, settings, date(2026, 1, 1), date(2027, 1, 1), now=LATER).to_json(
            "Europe/Warsaw"
        )
    assert set(data) == {"period", "checks", "office"}
    assert data["period"] == {"from": "2026-01-01", "to": "2027-01-01", "as_of": None}
    assert set(data["checks"][0]) == {
        "name",
        "working_seconds",
        "excluded_seconds",
        "downtime_seconds",
        "unknown_seconds",
        "availability",
        "coverage",
        "outages",
    }
    assert set(data["office"]) == {
        "working_seconds",
        "downtime_seconds",
        "availability",
        "target",
        "met",
        "basis",
    }


def test_reclassification_keeps_the_original_cause(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    settings = make_settings(db_url, checks=CHECKS)
    with session_scope(sessions) as db:
        row = Outage(
            check_name="bip",
            unit_id="office",
            start=local("2026-03-17T08:00"),
            end=local("2026-03-17T09:00"),
            cause="failure",
            created_at=LATER,
        )
        db.add(row)
        db.flush()
        reclassify(db, row.id, "external", "anna", "awaria u dostawcy", LATER)
    with session_scope(sessions) as db:
        report = compute(db, settings, date(2026, 1, 1), date(2027, 1, 1), now=LATER)
        stored = db.get(Outage, row.id)
    entry = report.outages[0]
    assert (entry.cause, entry.original_cause, entry.counts) == ("external", "failure", False)
    assert report.check("bip").external_seconds == 3600
    assert stored is not None and stored.cause == "failure"


def test_future_working_time_is_not_yet_measured(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    settings = make_settings(db_url, checks=CHECKS)
    with session_scope(sessions) as db:
        whole = compute(db, settings, date(2026, 1, 1), date(2027, 1, 1), now=LATER)
        part = compute(
            db,
            settings,
            date(2026, 1, 1),
            date(2027, 1, 1),
            now=datetime(2026, 1, 5, 12, tzinfo=UTC),
        )
    # Friday 2 January 07:30-15:30 and Monday 5 January 08:00-13:00 (12:00 UTC) so far.
    assert part.office.working_seconds == 8 * 3600 + 5 * 3600
    assert whole.office.working_seconds > part.office.working_seconds


def test_unit_figure_follows_the_unit_calendar(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    units = [{"id": "szkola-1", "name": "Szkoła Testowa", "hours": {"saturday": ["08:00-12:00"]}}]
    checks = [
        *CHECKS,
        {"name": "szkola-www", "kind": "tcp", "host": "127.0.0.1", "port": 3, "unit": "szkola-1"},
    ]
    settings = make_settings(db_url, checks=checks, units=units)
    with session_scope(sessions) as db:
        db.add(
            Outage(
                check_name="szkola-www",
                unit_id="szkola-1",
                start=local("2026-03-14T09:00"),
                end=local("2026-03-14T10:00"),
                cause="failure",
                created_at=LATER,
            )
        )
    with session_scope(sessions) as db:
        office = compute(db, settings, date(2026, 1, 1), date(2027, 1, 1), now=LATER)
        unit = compute(db, settings, date(2026, 1, 1), date(2027, 1, 1), unit="szkola-1", now=LATER)
    assert office.office.downtime_seconds == 0
    assert unit.office.downtime_seconds == 3600
    assert [c.name for c in unit.checks] == ["szkola-www"]


def test_monthly_breakdown_adds_up_to_the_year(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    settings = make_settings(db_url, checks=CHECKS)
    with session_scope(sessions) as db:
        db.add(
            Outage(
                check_name="bip",
                unit_id="office",
                start=local("2026-03-31T15:00"),
                end=local("2026-04-01T08:30"),
                cause="failure",
                created_at=LATER,
            )
        )
    with session_scope(sessions) as db:
        report = compute(db, settings, date(2026, 1, 1), date(2027, 1, 1), now=LATER)
    assert len(report.months) == 12
    assert sum(m.working_seconds for m in report.months) == report.office.working_seconds
    assert report.months[2].downtime_seconds == 30 * 60
    assert report.months[3].downtime_seconds == 60 * 60


def test_unknown_check_is_refused(db_url: str, sessions: sessionmaker[Session]) -> None:
    settings = make_settings(db_url, checks=CHECKS)
    with session_scope(sessions) as db, pytest.raises(ValidationError, match="nie-ma"):
        compute(db, settings, date(2026, 1, 1), date(2027, 1, 1), check="nie-ma", now=LATER)
