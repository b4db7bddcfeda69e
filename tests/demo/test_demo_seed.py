"""``itops demo seed``: one DEMO year per engine, checked through the features' own functions.

The year is seeded once per module and engine (a few seconds); every test below only
reads it, except the refusal tests, which prove that nothing was written.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from itops.cli import main
from itops.config import Settings, load
from itops.db.session import make_engine, make_sessionmaker, session_scope
from tests.conftest import write_config

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "itops.example.toml"
YEAR = 2025
FIRST, UNTIL = date(YEAR, 1, 1), date(YEAR + 1, 1, 1)
DEMO_CHECKS = {
    "demo-poczta",
    "demo-ezd",
    "demo-serwer-plikow",
    "demo-ksiegowosc",
    "demo-ewidencja",
    "demo-www",
    "demo-internet",
    "demo-szkola-siec",
}


@dataclass
class Seeded:
    config: Path
    settings: Settings
    sessions: object


def _config(tmp: Path, url: str) -> Path:
    """The example config, storing in ``url`` (the DEMO checks come from it unchanged)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    old = 'url = "sqlite:////var/lib/itops/itops.db"'
    assert old in text
    path = tmp / "itops.toml"
    path.write_text(text.replace(old, f'url = "{url}"'), encoding="utf-8")
    return path


def _itops(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str]:
    """Run the real ``itops`` entry point in-process; (exit code, stdout + stderr)."""
    code = 0
    try:
        main(["--config", str(config), *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    tmp = tmp_path_factory.mktemp("demo")
    pg = None
    if request.param == "sqlite":
        target = tmp / "itops.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), target)
        url = f"sqlite:///{target}"
    else:
        pg = request.getfixturevalue("_pg_templates")
        url = pg.clone()
    config = _config(tmp, url)
    code = 0
    try:
        main(["--config", str(config), "demo", "seed", "--year", str(YEAR), "--if-empty"])
    except SystemExit as exc:  # pragma: no cover - a failure shows its message above
        code = int(exc.code or 0)
    assert code == 0
    settings = load(config)
    engine = make_engine(url)
    yield Seeded(config, settings, make_sessionmaker(engine))
    engine.dispose()
    if pg is not None:
        name = make_url(url).database or ""
        pg.drop(name)
        pg.clones.remove(name)


def test_seed_creates_the_stated_office(seeded: Seeded) -> None:
    from inventory.public import purchases_kpi, repairs_kpi

    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        purchases = purchases_kpi(db, seeded.settings, YEAR)
        repairs = repairs_kpi(db, seeded.settings, YEAR)
    by_category: dict[str, int] = {}
    for item in repairs.equipment_items:
        by_category[item.category] = by_category.get(item.category, 0) + 1
    assert purchases.computers == 120
    assert by_category.get("printer", 0) + by_category.get("mfd", 0) == 30
    others = sum(
        n
        for c, n in by_category.items()
        if c not in ("desktop", "laptop", "server", "printer", "mfd")
    )
    assert others == 20


def test_seed_monitors_eight_systems_with_outages_and_gaps(seeded: Seeded) -> None:
    from checks.availability.models import MonitoringGap, Outage

    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        with_outages = set(db.scalars(select(Outage.check_name).distinct()))
        check_gaps = db.scalar(
            select(func.count())
            .select_from(MonitoringGap)
            .where(MonitoringGap.check_name.is_not(None))
        )
        itops_gaps = db.scalar(
            select(func.count())
            .select_from(MonitoringGap)
            .where(MonitoringGap.check_name.is_(None))
        )
        open_outages = db.scalar(
            select(func.count()).select_from(Outage).where(Outage.end.is_(None))
        )
    assert with_outages == DEMO_CHECKS
    kpi_checks = {c.name for c in seeded.settings.checks if c.kpi}
    assert DEMO_CHECKS <= kpi_checks
    assert check_gaps and check_gaps >= 8
    assert itops_gaps == 1
    assert open_outages == 0


def test_seeded_availability_is_below_target_because_of_working_hour_outages(
    seeded: Seeded,
) -> None:
    from checks.availability.kpi import compute

    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        report = compute(db, seeded.settings, FIRST, UNTIL)
    office = report.office
    counted = [e for e in report.outages if e.counts]
    assert counted, "no outage inside working hours"
    assert 0.97 < office.availability < 1.0
    assert not office.met
    assert office.downtime_seconds > 0
    for name in DEMO_CHECKS:
        item = report.check(name)
        assert item.availability < 1.0
        assert 0.99 < item.coverage < 1.0


def test_seeded_outages_on_holidays_and_weekends_are_not_counted(seeded: Seeded) -> None:
    from checks.availability.entry import list_outages
    from checks.availability.kpi import compute

    tz = ZoneInfo(seeded.settings.office.timezone)
    office = seeded.settings.calendar("office")
    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        rows = list_outages(db, FIRST, UNTIL, tz)
        report = compute(db, seeded.settings, FIRST, UNTIL)
    counted = {e.id for e in report.outages if e.working_seconds > 0}
    free_day = [
        r
        for r, _, _ in rows
        if r.end is not None
        and not office.is_working_day(r.start.astimezone(tz).date())
        and r.start.astimezone(tz).date() == r.end.astimezone(tz).date()
    ]
    holidays = [r for r in free_day if r.start.astimezone(tz).weekday() < 5]
    weekends = [r for r in free_day if r.start.astimezone(tz).weekday() >= 5]
    assert holidays and weekends
    assert not {r.id for r in free_day} & counted


def test_seeded_repairs_and_purchases_kpis_are_plausible(seeded: Seeded) -> None:
    from inventory.public import purchases_kpi, repairs_kpi

    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        repairs = repairs_kpi(db, seeded.settings, YEAR)
        purchases = purchases_kpi(db, seeded.settings, YEAR)
    assert repairs.count > 0 and repairs.ratio is not None and 0 < repairs.ratio < 0.10
    assert purchases.count > 0 and purchases.ratio is not None
    assert 0.10 < purchases.ratio < 0.25


def test_seeded_register_chain_verifies(seeded: Seeded) -> None:
    from inventory.register.public import annual_summary
    from inventory.register.verification import Policy, verify

    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        result = verify(db, Policy())
        summary = annual_summary(db, seeded.settings, YEAR)
    assert result.ok, result.describe()
    assert result.count > 60
    assert summary.acts_total == 2
    assert summary.all_within_policy
    assert summary.employees_without_notice == 0


def test_seeded_backups_antivirus_and_trainings_have_history(seeded: Seeded) -> None:
    from datetime import UTC, datetime

    from checks.backups.public import antivirus_year_summary, backup_year_summary
    from inventory.public import training_counts

    later = datetime(YEAR + 1, 1, 1, tzinfo=UTC)
    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        backups = backup_year_summary(db, seeded.settings, YEAR, later)
        av = antivirus_year_summary(db, seeded.settings, YEAR, later)
        trainings = training_counts(db, YEAR)
    assert backups and all(b.compliant_share is not None for b in backups)
    assert all(0.9 < (b.compliant_share or 0) < 1.0 for b in backups)
    assert all(b.restore_tests == 2 for b in backups)
    assert av.hosts > 100 and av.compliant_share is not None
    assert 0.9 < av.compliant_share < 1.0
    assert trainings.trainings == 7 and trainings.participants > 20


def test_everything_seeded_is_marked_demo(seeded: Seeded) -> None:
    from checks.backups.models import AvHost
    from inventory.models import Asset, RepairProtocol, Training
    from itops.db.models import Employee, User

    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        numbers = list(db.scalars(select(Asset.inventory_no)))
        hosts = [h for h in db.scalars(select(Asset.hostname)) if h]
        people = list(db.scalars(select(Employee.full_name)))
        codes = list(db.scalars(select(Employee.code)))
        av_hosts = list(db.scalars(select(AvHost.host)))
        protocols = list(db.scalars(select(RepairProtocol.number)))
        trainers = list(db.scalars(select(Training.trainer)))
        users = list(db.scalars(select(User)))
    assert numbers and all(n and n.startswith("DEMO/") for n in numbers)
    assert hosts and all(h.startswith("demo-") for h in hosts)
    assert av_hosts and all(h.startswith("demo-") for h in av_hosts)
    assert people and all(p.startswith("DEMO ") for p in people)
    assert all(c.startswith("DEMO-") for c in codes)
    assert protocols and all(p.startswith("DEMO/") for p in protocols)
    assert trainers and all(t.startswith("DEMO ") for t in trainers)
    assert users and all(u.login.startswith("demo_") and u.disabled for u in users)


def _gender_mismatch(name: str) -> bool:
    """A Polish adjectival surname ends in -a for a woman and -y/-i for a man; a woman's
    first name ends in -a. "DEMO Jan Przykładowa" is a mismatch."""
    words = name.removeprefix("DEMO ").split()
    if len(words) < 2 or not words[-1].endswith(("y", "i", "a")):
        return False  # not an adjectival surname (Nowak): no rule to check
    return words[0].endswith("a") != words[-1].endswith("a")


def test_demo_people_names_agree_in_gender(seeded: Seeded) -> None:
    from inventory.models import Training
    from itops.db.models import Employee

    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        people = list(db.scalars(select(Employee.full_name)))
        people += list(db.scalars(select(Training.trainer)))
    assert len(people) >= 60
    wrong = sorted({p for p in people if _gender_mismatch(p)})
    assert not wrong, wrong


def _counts(seeded: Seeded) -> dict[str, int]:
    from checks.availability.models import MonitoringGap, Outage
    from inventory.models import Asset
    from inventory.register.models import RegisterEntry
    from itops.db.models import Employee

    with session_scope(seeded.sessions) as db:  # type: ignore[arg-type]
        return {
            m.__tablename__: int(db.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Outage, Asset, RegisterEntry, Employee, MonitoringGap)
        }


def test_second_seed_refuses_and_writes_nothing(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _counts(seeded)
    code, output = _itops(capsys, seeded.config, "demo", "seed", "--year", str(YEAR - 1))
    assert code == 2
    assert "already has data" in output
    assert _counts(seeded) == before


def test_seed_if_empty_skips_a_database_with_data(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _counts(seeded)
    code, output = _itops(capsys, seeded.config, "demo", "seed", "--if-empty")
    assert code == 0
    assert "not empty" in output and "not seeded" in output
    assert _counts(seeded) == before


def test_seed_without_the_demo_checks_refuses(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / f"{uuid.uuid4().hex}.toml", db_url)
    code, output = _itops(capsys, config, "demo", "seed", "--year", str(YEAR))
    assert code == 2
    assert "demo-poczta" in output


def test_seed_if_empty_without_the_demo_checks_skips(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / f"{uuid.uuid4().hex}.toml", db_url)
    code, output = _itops(capsys, config, "demo", "seed", "--if-empty")
    assert code == 0
    assert "lacks the DEMO checks" in output and "not seeded" in output


def test_demo_year_plan_is_deterministic() -> None:
    """Same year, same invented office and outages (the generator is seeded with the year)."""
    import random
    from datetime import UTC, datetime

    from checks.availability import demo as availability_demo
    from inventory.demo import asset_rows
    from itops.demo import DemoWorld

    settings = load(EXAMPLE)
    tz = ZoneInfo(settings.office.timezone)

    def plan() -> tuple[object, ...]:
        world = DemoWorld(
            settings,
            tz,
            YEAR,
            datetime(YEAR, 1, 1, tzinfo=UTC),
            datetime(YEAR + 1, 1, 1, tzinfo=UTC),
            random.Random(f"itops-demo-{YEAR}"),  # noqa: S311
        )
        rows, _ = asset_rows(world, ["DEMO-001", "DEMO-002"])
        spans = [availability_demo._spans(world, i, "office", [date(YEAR, 5, 1)]) for i in range(8)]
        return tuple(tuple(sorted(r.items())) for r in rows), tuple(map(tuple, spans))

    assert plan() == plan()


def test_a_seed_stopped_part_way_is_refused_even_with_if_empty(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make run` must not start quietly on half a DEMO year after an interrupted seed."""
    from reports import demo

    def power_cut(*args: object) -> None:
        raise RuntimeError("power cut")

    config = _config(tmp_path, db_url)
    monkeypatch.setattr(demo, "_availability", power_cut)
    with pytest.raises(RuntimeError, match="power cut"):
        main(["--config", str(config), "demo", "seed", "--year", str(YEAR)])
    monkeypatch.undo()
    code, output = _itops(capsys, config, "demo", "seed", "--if-empty")
    assert code == 2
    assert "stopped part-way" in output and "DEMO=no" in output
