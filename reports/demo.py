"""The DEMO office: ``itops demo seed`` fills an empty database with one invented year.

Why: a newcomer running ``make run`` should see a full dashboard and annual report at
once, not empty tables. Every row goes through the features' own functions (inventory
importer and ledger, the outage tracker, the backups and antivirus store, the §82
register service, the heartbeat), so ledgers, intervals and the register's hash chain
are exactly what a real year would leave behind.

Rules:
1. Only an empty database is seeded (see ``in_use``); a second seed writes nothing.
2. Everything is marked DEMO: names "DEMO …", inventory numbers "DEMO/…", hosts
   ``demo-…``, codes "DEMO-…"; nothing resembles a real person or device.
3. The year is deterministic: one ``random.Random`` seeded with the year; nothing is
   dated after "now" (seeding the current year stops at today).
"""

from __future__ import annotations

import csv
import io
import logging
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.backups.config import BACKUPS, BackupConfig
from checks.config import CHECKS
from inventory.register.config import EMPLOYEE_MONITORING
from itops.config import Settings
from itops.context import AppContext
from itops.db.session import session_scope
from itops.errors import ValidationError
from itops.intervals import Interval
from itops.status import Measurement, ProbeResult, Status

logger = logging.getLogger(__name__)

ACTOR = "demo"
ADMIN_LOGIN = "demo_admin"
INSPECTOR_LOGIN = "demo_inspektor"


@dataclass(frozen=True)
class DemoSystem:
    """One of the eight monitored systems; ``check`` must be a ``[[checks]]`` name."""

    check: str
    label: str
    kind: str


SYSTEMS: tuple[DemoSystem, ...] = (
    DemoSystem("demo-poczta", "serwer poczty", "tcp"),
    DemoSystem("demo-ezd", "system EZD", "http"),
    DemoSystem("demo-serwer-plikow", "serwer plików", "tcp"),
    DemoSystem("demo-ksiegowosc", "system finansowo-księgowy", "tcp"),
    DemoSystem("demo-ewidencja", "ewidencja ludności", "tcp"),
    DemoSystem("demo-www", "strona internetowa urzędu", "http"),
    DemoSystem("demo-internet", "łącze internetowe", "tcp"),
    DemoSystem("demo-szkola-siec", "sieć szkoły", "tcp"),
)

# In service on 31 December: 120 computers, 30 printers, 20 other devices.
DESKTOPS, LAPTOPS, SERVERS = 95, 17, 8
PRINTERS, MFDS = 22, 8
OTHERS = (("monitor", 8), ("network", 6), ("ups", 4), ("phone", 2))
BOUGHT_IN_YEAR = 19  # computers bought in the year (KPI 3: 19 / 120 = 15.8 %)
RETIRED_IN_YEAR = 8  # old computers retired in the year (replaced by the new ones)
EMPLOYEES = 60

FIRST_NAMES = (
    "Jan", "Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka",
    "Michał", "Małgorzata", "Krzysztof", "Joanna", "Łukasz", "Ewa", "Marcin", "Zofia",
    "Grzegorz", "Barbara", "Andrzej", "Elżbieta",
)
LAST_NAMES = (
    "Przykładowy", "Testowa", "Wzorcowy", "Próbna", "Fikcyjny", "Zmyślona", "Demonstracyjny",
    "Przykładowa", "Testowy", "Wzorcowa", "Próbny", "Fikcyjna",
)
POSITIONS = (
    "inspektor", "podinspektor", "referent", "główny specjalista", "kierownik referatu",
    "sekretarz", "skarbnik", "kasjer", "informatyk",
)
LOCATIONS = tuple(f"DEMO pokój {n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 15, 21, 22))
SUPPLIERS = ("DEMO Sprzęt Biurowy sp. z o.o.", "DEMO Komputery Przykładowo S.A.")


@dataclass
class SeedSummary:
    """What one seed wrote (printed by the CLI, checked by the tests)."""

    year: int
    until: datetime
    employees: int = 0
    assets: dict[str, int] = field(default_factory=dict)
    repairs: int = 0
    outages: int = 0
    gaps: int = 0
    backup_looks: int = 0
    restore_tests: int = 0
    antivirus_reports: int = 0
    register_entries: int = 0
    trainings: int = 0

    def describe(self) -> str:
        assets = ", ".join(f"{n} {k}" for k, n in sorted(self.assets.items()))
        return (
            f"{self.year} until {self.until:%Y-%m-%d %H:%M} UTC: {self.employees} employees, "
            f"assets ({assets}), {self.repairs} repair protocols, {self.outages} outages, "
            f"{self.gaps} monitoring gaps, {self.backup_looks} backup looks, "
            f"{self.restore_tests} restore tests, {self.antivirus_reports} antivirus reports, "
            f"{self.register_entries} §82 register entries, {self.trainings} trainings"
        )


def in_use(db: Session) -> list[str]:
    """Tables that already hold data (empty list: the database may be seeded).

    Users and the heartbeat count too: a database someone logged into, or that a
    daemon ever ran on, is somebody's office and gets no invented data.
    """
    from checks.availability.models import MonitoringGap, Outage, ProbeRollup
    from checks.backups.models import AvHost, BackupState
    from inventory.models import Asset, Training
    from inventory.register.models import RegisterEntry
    from itops.db.models import Employee, Heartbeat, User

    models: tuple[Any, ...] = (
        User, Heartbeat, Employee, Asset, Training, Outage, ProbeRollup, MonitoringGap,
        RegisterEntry, BackupState, AvHost,
    )
    return [m.__tablename__ for m in models if db.scalars(select(m).limit(1)).first()]


def missing_checks(settings: Settings) -> list[str]:
    """The DEMO systems' check names the config lacks (the seed needs all eight)."""
    names = {c.name for c in settings.section(CHECKS)}
    return [s.check for s in SYSTEMS if s.check not in names]


def default_year(now: datetime, tz: ZoneInfo) -> int:
    """The current local year; in January the previous one (a whole year to look at)."""
    local = now.astimezone(tz)
    return local.year - 1 if local.month == 1 else local.year


def seed(ctx: AppContext, year: int, now: datetime | None = None) -> SeedSummary:
    """Seed the DEMO office for ``year``; ``ValidationError`` if the database is in use."""
    settings = ctx.settings
    now = (now or ctx.clock.now()).astimezone(UTC)
    tz = ZoneInfo(settings.office.timezone)
    missing = missing_checks(settings)
    if missing:
        raise ValidationError(
            "the config lacks the DEMO checks " + ", ".join(missing)
            + " (copy them from config/itops.example.toml)"
        )
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=tz).astimezone(UTC)
    if start >= now - timedelta(days=7):
        raise ValidationError(f"{year} has not begun a week ago; seed an earlier year")
    until = min(end, now - timedelta(hours=1))
    from itops.daemon import sync_units

    with session_scope(ctx.sessions) as db:
        used = in_use(db)
    if used:
        raise ValidationError(
            "the database already has data (" + ", ".join(used) + "); DEMO data goes only "
            "into an empty database"
        )
    sync_units(ctx)
    _mark(ctx, f"started {year}")  # a seed stopped part-way is told apart (seed_unfinished)
    out = SeedSummary(year=year, until=until)
    rng = random.Random(f"itops-demo-{year}")  # noqa: S311 - invented data, not secrets
    world = _World(settings, tz, year, start, until, rng)
    with session_scope(ctx.sessions) as db:
        codes = _employees(db, world, out)
        _inventory(db, world, codes, now, out)
        _repairs(db, world, now, out)
        _trainings(db, world, codes, out)
        _register(db, world, codes, out)
    with session_scope(ctx.sessions) as db:
        _antivirus(db, world, out)
        _backups(db, world, out)
    _availability(ctx, world, now, out)
    _mark(ctx, f"complete {year}")
    logger.info("seeded the DEMO office: %s", out.describe())
    return out


SEED_MARK = "demo_seed"


def _mark(ctx: AppContext, value: str) -> None:
    from itops.db.models import AppSetting

    with session_scope(ctx.sessions) as db:
        row = db.get(AppSetting, SEED_MARK)
        if row is None:
            db.add(AppSetting(name=SEED_MARK, value=value))
        else:
            row.value = value


def seed_unfinished(db: Session) -> bool:
    """True when a DEMO seed began here and never finished (interrupted, crashed): the
    database then holds part of a DEMO year, which must not pass for a seeded office."""
    from itops.db.models import AppSetting

    row = db.get(AppSetting, SEED_MARK)
    return row is not None and row.value.startswith("started")


class _World:
    """The year's calendar and the generator every part draws from."""

    def __init__(
        self, settings: Settings, tz: ZoneInfo, year: int, start: datetime, until: datetime,
        rng: random.Random,
    ) -> None:
        self.settings, self.tz, self.year = settings, tz, year
        self.start, self.until, self.rng = start, until, rng
        self.last_day = min(date(year, 12, 31), until.astimezone(tz).date())
        self.computers: list[dict[str, Any]] = []
        self.hosts: list[tuple[str, date, date | None, str]] = []  # host, from, retired, os

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)

    def days(self) -> list[date]:
        first = date(self.year, 1, 1)
        return [first + timedelta(n) for n in range((self.last_day - first).days + 1)]

    def day_in(self, month_lo: int, month_hi: int) -> date:
        """A random date in the months (the caller skips dates after ``last_day``)."""
        lo = date(self.year, month_lo, 1)
        hi = date(self.year, month_hi, 28)
        return lo + timedelta(self.rng.randrange((hi - lo).days + 1))


# --- people, inventory, repairs, trainings ------------------------------------------------


def _employees(db: Session, world: _World, out: SeedSummary) -> list[str]:
    from inventory.people import add_employee

    codes = []
    jan = date(world.year, 1, 1)
    for n in range(1, EMPLOYEES + 1):
        first = FIRST_NAMES[(n - 1) % len(FIRST_NAMES)]
        last = LAST_NAMES[(n * 7) % len(LAST_NAMES)]
        code = f"DEMO-{n:03d}"
        unit = "szkola-1" if n > EMPLOYEES - 8 and "szkola-1" in world.settings.unit_names() \
            else "office"
        hired = date(world.year - 1 - world.rng.randrange(15), 1 + world.rng.randrange(12), 1)
        notice = jan + timedelta(days=4 + n % 6)
        add_employee(
            db, code, f"DEMO {first} {last}", unit, POSITIONS[n % len(POSITIONS)], hired,
            None, notice if notice <= world.last_day else None,
        )
        codes.append(code)
    out.employees = len(codes)
    return codes


def _asset_rows(world: _World, codes: list[str]) -> list[dict[str, str]]:
    rng, year = world.rng, world.year
    rows: list[dict[str, str]] = []

    def old_day() -> date:
        return date(year - 1 - rng.randrange(8), 1 + rng.randrange(12), 1 + rng.randrange(28))

    def new_day() -> date:
        return world.day_in(2, 11)

    def add(prefix: str, n: int, category: str, maker: str, model: str, bought: date,
            price: int, **extra: str) -> dict[str, str]:
        row = {
            "inventory_no": f"DEMO/{prefix}/{n:03d}", "category": category,
            "manufacturer": maker, "model": model, "serial": f"DEMO-SN-{prefix}-{n:04d}",
            "purchase_date": bought.isoformat(),
            "purchase_document": f"DEMO FV {bought.year}/{bought.month:02d}/{n:03d}",
            "price": str(Decimal(price)), "location": LOCATIONS[n % len(LOCATIONS)],
            "holder": "", "status": "in_use", "retired_date": "",
            "supplier": SUPPLIERS[n % 2],
            "warranty_end": date(bought.year + 3, bought.month, 1).isoformat(),
            "hostname": "", "unit": "office",
        }
        row.update(extra)
        rows.append(row)
        return row

    total = DESKTOPS + LAPTOPS
    new_numbers = set(rng.sample(range(1, total + 1), BOUGHT_IN_YEAR))
    for n in range(1, total + 1):
        laptop = n > DESKTOPS
        bought = new_day() if n in new_numbers else old_day()
        category = "laptop" if laptop else "desktop"
        model = ("DEMO Book 14" if laptop else "DEMO Office Mini") + f" G{2 + bought.year % 5}"
        row = add("KOMP", n, category, "DEMO Computers", model, bought, 3900 if laptop else 3100,
                  hostname=f"demo-pc-{n:03d}", holder=codes[(n - 1) % len(codes)])
        if "szkola-1" in world.settings.unit_names() and n % 12 == 0:
            row["unit"] = "szkola-1"
        world.computers.append(row)
    for n in range(1, SERVERS + 1):
        row = add("SRV", n, "server", "DEMO Servers", "DEMO Rack 1U", old_day(), 18000,
                  hostname=f"demo-srv-{n:02d}", location="DEMO serwerownia")
        world.computers.append(row)
    # Old computers retired in the year: bought long ago, not counted on 31 December.
    for n in range(1, RETIRED_IN_YEAR + 1):
        bought = date(year - 9, 1 + n, 10)
        retired = world.day_in(2, 11)
        row = add("KOMP-S", n, "desktop", "DEMO Computers", "DEMO Office Tower G1", bought,
                  2500, hostname=f"demo-pc-stary-{n:02d}", status="retired",
                  retired_date=retired.isoformat())
        world.computers.append(row)
    for n in range(1, PRINTERS + 1):
        add("DRUK", n, "printer", "DEMO Print", "DEMO Laser 400", old_day(), 900)
    for n in range(1, MFDS + 1):
        add("MFD", n, "mfd", "DEMO Print", "DEMO MultiCopy 5", old_day(), 4200)
    for category, count in OTHERS:
        for n in range(1, count + 1):
            add(category.upper(), n, category, "DEMO Devices", f"DEMO {category} {n}",
                old_day(), 600)
    return rows


def _inventory(
    db: Session, world: _World, codes: list[str], now: datetime, out: SeedSummary
) -> None:
    from inventory.importers import INVENTORY_HEADER, INVENTORY_OPTIONAL, import_inventory

    rows = [
        r for r in _asset_rows(world, codes) if date.fromisoformat(r["purchase_date"])
        <= world.last_day
    ]
    for r in rows:
        if r["retired_date"] and date.fromisoformat(r["retired_date"]) > world.last_day:
            r["retired_date"], r["status"] = "", "in_use"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*INVENTORY_HEADER, *INVENTORY_OPTIONAL])
    writer.writeheader()
    writer.writerows(rows)
    import_inventory(db, buf.getvalue().encode(), world.tz, now, ACTOR)
    for r in rows:
        out.assets[r["category"]] = out.assets.get(r["category"], 0) + 1
    windows = ("Windows 11 Pro 23H2", "Windows 11 Pro 24H2", "Windows 10 Pro 22H2")
    for r in world.computers:
        if date.fromisoformat(r["purchase_date"]) > world.last_day:
            continue
        server = r["category"] == "server"
        os_name = "Windows Server 2022 Standard" if server else (
            windows[0] if int(r["purchase_date"][:4]) >= world.year - 2
            else world.rng.choice(windows)
        )
        retired = date.fromisoformat(r["retired_date"]) if r["retired_date"] else None
        world.hosts.append(
            (r["hostname"], date.fromisoformat(r["purchase_date"]), retired, os_name)
        )


REPAIRS: tuple[tuple[str, str, str], ...] = (
    ("component_replacement", "Wymiana dysku SSD po awarii", "DEMO dysk SSD 512 GB"),
    ("component_replacement", "Wymiana zasilacza", "DEMO zasilacz 180 W"),
    ("component_replacement", "Rozbudowa pamięci RAM po błędach", "DEMO RAM 8 GB"),
    ("component_replacement", "Wymiana płyty głównej", "DEMO płyta główna"),
    ("component_replacement", "Wymiana klawiatury laptopa", "DEMO klawiatura"),
    ("component_replacement", "Wymiana wentylatora procesora", "DEMO wentylator"),
    ("component_replacement", "Wymiana baterii laptopa", "DEMO bateria"),
    ("reinstall", "Ponowna instalacja systemu po infekcji", ""),
    ("reinstall", "Reinstalacja systemu po uszkodzeniu profilu", ""),
    ("reinstall", "Reinstalacja systemu (aktualizacja nieudana)", ""),
    ("reinstall", "Ponowna instalacja systemu i oprogramowania biurowego", ""),
    ("other_repair", "Czyszczenie i konfiguracja sterowników drukarki", ""),
    ("other_repair", "Naprawa złącza sieciowego", ""),
    ("other_repair", "Konfiguracja profilu poczty", ""),
    ("maintenance", "Przegląd okresowy i czyszczenie", ""),
    ("maintenance", "Przegląd okresowy serwerowni", ""),
)


def _repairs(db: Session, world: _World, now: datetime, out: SeedSummary) -> None:
    from inventory.repairs import ProtocolInput, add_protocol

    old = [
        r for r in world.computers
        if int(r["purchase_date"][:4]) < world.year and not r["retired_date"]
    ]
    targets = world.rng.sample(old, len(REPAIRS))
    dates = sorted(world.day_in(1, 12) for _ in REPAIRS)
    for n, ((kind, text, parts), asset, day) in enumerate(
        zip(REPAIRS, targets, dates, strict=True), start=1
    ):
        if day > world.last_day:
            continue
        add_protocol(
            db,
            ProtocolInput(
                number=f"DEMO/PN/{world.year}/{n:03d}", repaired_on=day,
                inventory_no=asset["inventory_no"], kind=kind, description=text,
                parts=parts, technician="DEMO Serwis Przykładowo",
                cost=Decimal(150 + 40 * n), downtime_hours=float(2 + n % 6),
            ),
            world.tz, now, ACTOR,
        )
        out.repairs += 1


TRAININGS = (
    (2, "Bezpieczeństwo informacji i RODO — szkolenie okresowe", "group"),
    (3, "Rozpoznawanie wiadomości phishingowych", "group"),
    (5, "Obsługa systemu EZD po aktualizacji", "group"),
    (6, "Nowy pracownik: zasady korzystania z systemów", "individual"),
    (9, "Kopie zapasowe i praca na dysku sieciowym", "group"),
    (10, "Monitoring poczty służbowej (§82 Regulaminu Pracy)", "group"),
    (11, "Nowy pracownik: zasady korzystania z systemów", "individual"),
)


def _trainings(db: Session, world: _World, codes: list[str], out: SeedSummary) -> None:
    from inventory.people import add_training

    for month, topic, kind in TRAININGS:
        day = world.day_in(month, month)
        if day > world.last_day:
            continue
        size = 1 if kind == "individual" else world.rng.randrange(12, 30)
        who = world.rng.sample(codes, size)
        add_training(db, day, topic, "DEMO Informatyk Urzędu", kind, who)
        out.trainings += 1


def _register(db: Session, world: _World, codes: list[str], out: SeedSummary) -> None:
    """Two users (disabled after use), an authorisation, notices, a correction, two acts."""
    from inventory.register import service
    from itops import auth

    at = world.local(date(world.year, 1, 2), 9)
    for login, role, name in (
        (ADMIN_LOGIN, auth.ADMIN, "DEMO Sekretarz Urzędu"),
        (INSPECTOR_LOGIN, auth.MONITORING_OFFICER, "DEMO Inspektor Monitoringu"),
    ):
        auth.add_user(db, login, role, secrets.token_urlsafe(24), at, name)
    db.flush()
    entries = 0
    service.grant(
        db, world.local(date(world.year, 1, 3), 10), ADMIN_LOGIN, INSPECTOR_LOGIN,
        ("computer_content", "work_email", "it_resources", "activity_logs"),
        date(world.year, 1, 3),
    )
    entries += 1
    policy = world.settings.section(EMPLOYEE_MONITORING).policy_version
    jan = date(world.year, 1, 1)
    first_notice: int | None = None
    for n, code in enumerate(codes, start=1):
        received = jan + timedelta(days=4 + n % 6)  # as in the employee's profile
        at = world.local(received, 14)
        if at > world.until:
            continue
        # The first notice is entered with a wrong date and corrected below.
        typed = received - timedelta(days=3) if n == 1 else received
        entry = service.record_notice(db, at, ADMIN_LOGIN, code, typed, policy, tz=world.tz)
        if n == 1:
            first_notice = entry.seq
        entries += 1
    correction_at = world.local(date(world.year, 1, 20), 9)
    if first_notice is not None and correction_at <= world.until:
        service.record_notice(
            db, correction_at, ADMIN_LOGIN, codes[0], jan + timedelta(days=5), policy,
            corrects=first_notice,
            reason="DEMO: wrong date copied from the acknowledgement form", tz=world.tz,
        )
        entries += 1
    acts = (
        (3, codes[4], "DEMO poczta służbowa", ("work_email",), "proper_use",
         "DEMO: suspected mass mailing of external offers from a work mailbox",
         "DEMO: no misuse found; the employee was told the result"),
        (9, codes[11], "DEMO komputer demo-pc-012", ("computer_content", "activity_logs"),
         "work_organisation", "DEMO: repeated complaints about unfinished cases",
         "DEMO: no private use found; workload reassigned by the manager"),
    )
    for month, code, resource, scopes, purpose, why, outcome in acts:
        day = world.day_in(month, month)
        if day > world.last_day:
            continue
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        act_start, act_end = world.local(day, 10), world.local(day, 11, 30)
        if act_end + timedelta(hours=2) > world.until:
            continue
        service.record_act(
            db, act_end + timedelta(hours=2), world.tz, INSPECTOR_LOGIN,
            service.ActInput(code, resource, scopes, purpose, why, act_start, act_end, outcome),
        )
        entries += 1
    # The demo accounts only signed the register; nobody can log in with them.
    for login in (ADMIN_LOGIN, INSPECTOR_LOGIN):
        user = auth.get_user(db, login)
        if user is not None:
            user.disabled = True
    out.register_entries = entries


# --- antivirus and backups -------------------------------------------------------------


def _defender(updated: datetime, realtime: bool = True) -> dict[str, Any]:
    return {
        "AMServiceEnabled": True, "AntivirusEnabled": True,
        "RealTimeProtectionEnabled": realtime, "AMRunningMode": "Normal",
        "AntivirusSignatureLastUpdated": updated.isoformat(),
        "AntivirusSignatureVersion": f"1.{400 + updated.timetuple().tm_yday}.0.0",
        "QuickScanAge": 1, "FullScanAge": 12,
    }


def _antivirus(db: Session, world: _World, out: SeedSummary) -> None:
    """Agent reports: a first one, a few hosts out of compliance for days, three recent weeks."""
    from checks.backups.store import record_agent_report
    from inventory.api import store_report
    from inventory.payload import AgentReport

    rng = world.rng
    troubled = set(rng.sample(range(len(world.hosts)), max(1, len(world.hosts) // 10)))
    for index, (host, bought, retired, os_name) in enumerate(world.hosts):
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
            out.antivirus_reports += 1
        at, fields = moments[-1]
        server = host.startswith("demo-srv")
        agent = AgentReport(
            agent_version="DEMO", hostname=host, collected_at=at,
            hardware={"vendor": "DEMO Computers", "serial": _serial_of(world, host)},
            cpu={"model": "DEMO CPU 4 cores", "cores": 4, "threads": 8},
            memory_bytes=(32 if server else 16) * 1024**3,
            disks=[{"device": "disk0", "model": "DEMO SSD", "serial": f"DEMO-D-{host}",
                    "size_bytes": 512 * 10**9}],
            os={"system": "Windows", "name": os_name, "pretty": os_name},
            antivirus=fields,
        )
        store_report(db, agent, at)


def _serial_of(world: _World, host: str) -> str:
    for r in world.computers:
        if r["hostname"] == host:
            return str(r["serial"])
    return ""


def _backups(db: Session, world: _World, out: SeedSummary) -> None:
    """A daily look per configured backup, weekly verification, one bad spell each, tests."""
    from checks.backups.kinds import VERIFIED_KINDS
    from checks.backups.store import add_restore_test, record_backup, record_ping
    from checks.kinds.backup_base import VERIFY_AT

    rng = world.rng
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
            out.backup_looks += 1
            if cfg.kind in VERIFIED_KINDS and day.weekday() == 6 and not broken:
                verified = world.local(day, 5)
                record_backup(
                    db, cfg,
                    ProbeResult(
                        cfg.name, cfg.kind, Status.OK, "DEMO: repository check passed",
                        verified, 600.0, (Measurement(VERIFY_AT, verified.timestamp(), "ts"),),
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
                db, world.settings, backup=cfg.name, performed_at=when,
                performed_by="DEMO Informatyk Urzędu",
                restored=f"DEMO: sample files from {cfg.name}", success=ok,
                notes="" if ok else "DEMO: wrong password file; fixed",
                recorded_by=ACTOR, now=world.until,
            )
            out.restore_tests += 1


def _look(
    db: Session, cfg: BackupConfig, at: datetime, last_success: datetime, size: int,
    broken: bool,
) -> None:
    """One look as the backup check would report it (CRITICAL once over ``max_age``)."""
    from checks.backups.store import record_backup
    from checks.kinds.backup_base import LAST_SUCCESS, SIZE

    age_h = (at - last_success).total_seconds() / 3600
    status = Status.OK
    summary = f"DEMO: newest backup {age_h:.0f} h old, {size / 1e9:.1f} GB"
    limit = cfg.max_age or timedelta(hours=26)
    if broken and at - last_success > limit:
        status, summary = Status.CRITICAL, f"DEMO: newest backup {age_h:.0f} h old (too old)"
    result = ProbeResult(
        cfg.name, cfg.kind, status, summary, at, 2.0,
        (Measurement(LAST_SUCCESS, last_success.timestamp(), "ts"),
         Measurement(SIZE, float(size), "B")),
    )
    record_backup(db, cfg, result, verify=False)


# --- availability: outages and gaps through the outage tracker --------------------------


@dataclass(frozen=True)
class _Span:
    start: datetime
    end: datetime
    status: Status
    summary: str


def _spans(world: _World, system_index: int, unit: str, holidays: list[date]) -> list[_Span]:
    """Outages in and out of working hours, on holidays and weekends, and UNKNOWN gaps."""
    rng = world.rng
    cal = world.settings.calendar(unit)
    days = world.days()
    working = [d for d in days if cal.is_working_day(d)]
    weekend = [d for d in days if d.weekday() >= 5]
    spans: list[_Span] = []
    down = Status.CRITICAL

    def within(day: date, minutes: int) -> tuple[datetime, datetime] | None:
        ranges = cal.local_ranges(day)
        if not ranges:
            return None
        begin, finish = ranges[0]
        lo = begin.hour * 60 + begin.minute
        hi = (finish.hour * 60 + finish.minute or 24 * 60) - minutes - 5
        if hi <= lo:
            return None
        at = rng.randrange(lo, hi)
        start = world.local(day, at // 60, at % 60)
        return start, start + timedelta(minutes=minutes)

    for _ in range(rng.randint(2, 5)):
        if not working:
            break
        found = within(rng.choice(working), rng.choice((6, 12, 18, 25, 40, 55, 80)))
        if found:
            spans.append(_Span(*found, down, "DEMO: connection refused"))
    for _ in range(rng.randint(1, 3)):
        if weekend:
            day = rng.choice(weekend)
            start = world.local(day, rng.randrange(6, 20))
            spans.append(_Span(start, start + timedelta(minutes=rng.randrange(30, 300)), down,
                               "DEMO: no reply (weekend)"))
    if holidays:
        day = holidays[system_index % len(holidays)]
        start = world.local(day, 9, 15)
        spans.append(_Span(start, start + timedelta(minutes=95), down,
                           "DEMO: power cut in the building (holiday)"))
    if working:
        day = rng.choice(working)
        start = world.local(day, 19, rng.randrange(60))
        spans.append(_Span(start, start + timedelta(minutes=rng.randrange(20, 180)), down,
                           "DEMO: timeout (evening)"))
        found = within(rng.choice(working), rng.choice((15, 35)))
        if found:
            spans.append(_Span(*found, Status.UNKNOWN, "DEMO: probe could not tell (DNS)"))
        night = world.local(rng.choice(working), 2)
        spans.append(_Span(night, night + timedelta(minutes=70), Status.UNKNOWN,
                           "DEMO: probe could not tell (timeout of the probe itself)"))
    spans.sort(key=lambda s: s.start)
    kept: list[_Span] = []
    for span in spans:
        if span.end > world.until - timedelta(hours=1):
            continue
        if kept and span.start < kept[-1].end + timedelta(minutes=30):
            continue
        kept.append(span)
    return kept


def _results(name: str, kind: str, world: _World, spans: list[_Span]) -> list[ProbeResult]:
    """The probe results that produce ``spans``: two failures open, one OK closes."""
    rng = world.rng
    out: list[ProbeResult] = []
    blocked = [Interval(s.start - timedelta(minutes=5), s.end + timedelta(minutes=5))
               for s in spans]
    at = world.start + timedelta(minutes=7)
    step = timedelta(hours=4)
    index = 0
    while at < world.until:
        while index < len(blocked) and blocked[index].end <= at:
            index += 1
        if index >= len(blocked) or at < blocked[index].start:
            out.append(ProbeResult(name, kind, Status.OK, "DEMO: ok", at,
                                   rng.uniform(0.002, 0.06)))
        at += step
    for span in spans:
        if span.status is Status.UNKNOWN:
            out.append(ProbeResult(name, kind, Status.UNKNOWN, span.summary, span.start, 10.0))
        else:
            out.append(ProbeResult(name, kind, span.status, span.summary, span.start, 10.0))
            out.append(ProbeResult(name, kind, span.status, span.summary,
                                   span.start + timedelta(seconds=60), 10.0))
        out.append(ProbeResult(name, kind, Status.OK, "DEMO: ok", span.end, 0.01))
    out.sort(key=lambda r: r.started_at)
    return out


def _availability(ctx: AppContext, world: _World, now: datetime, out: SeedSummary) -> None:
    from checks.availability.models import Outage
    from checks.availability.outages import ManualOutage, OutageTracker, add_outages, reclassify
    from itops import heartbeat

    settings = world.settings
    office = settings.calendar("office")
    holidays = [
        d for d in world.days() if d.weekday() < 5 and office.holiday_name(d) is not None
    ]
    tracker = OutageTracker(settings, ctx.sessions)
    by_name = {c.name: c for c in settings.section(CHECKS)}
    results: list[ProbeResult] = []
    for index, system in enumerate(SYSTEMS):
        cfg = by_name[system.check]
        spans = _spans(world, index, cfg.unit, holidays)
        results += _results(cfg.name, cfg.kind, world, spans)
        out.outages += sum(1 for s in spans if s.status is Status.CRITICAL)
        out.gaps += sum(1 for s in spans if s.status is Status.UNKNOWN)
    # In time order, one flush per local month: a flush reads back the rollups of the
    # hours it writes, so small batches keep that read small.
    results.sort(key=lambda r: r.started_at)
    month = None
    for result in results:
        key = result.started_at.astimezone(world.tz).month
        if month is not None and key != month:
            tracker.flush(now, everything=True)
        month = key
        tracker.submit(result)
    tracker.flush(now, everything=True)
    working = [d for d in world.days() if office.is_working_day(d)]
    with session_scope(ctx.sessions) as db:
        # A planned upgrade (excluded from KPI 1), an ISP fault (external) and a false alarm.
        if len(working) > 40:
            day = working[len(working) // 3]
            planned = ManualOutage(
                "demo-ezd", world.local(day, 15, 0), world.local(day, 15, 25), "planned",
                "DEMO: planned upgrade of EZD, announced to staff",
            )
            try:
                add_outages(db, settings, [planned], now, ACTOR, "manual")
                out.outages += 1
            except ValidationError:
                logger.info("DEMO planned outage skipped: overlaps a generated one")
        rows = list(db.scalars(select(Outage).order_by(Outage.start)))
        internet = [r for r in rows if r.check_name == "demo-internet"]
        if internet:
            reclassify(db, internet[0].id, "external", ACTOR,
                       "DEMO: the ISP confirmed a fault on their side", internet[0].end or now)
        www = [r for r in rows if r.check_name == "demo-www"]
        if www:
            reclassify(db, www[-1].id, "false_alarm", ACTOR,
                       "DEMO: the probe host lost its route; the site was up",
                       www[-1].end or now)
    # itops itself stopped once (server room power cut): a gap for every check.
    if len(working) > 60:
        day = working[len(working) // 2]
        stop, back = world.local(day, 11, 5), world.local(day, 11, 50)
        with session_scope(ctx.sessions) as db:
            heartbeat.beat(db, stop, clean_shutdown=False)
        heartbeat.start(ctx.sessions, back)
        out.gaps += 1
    with session_scope(ctx.sessions) as db:
        heartbeat.beat(db, now, clean_shutdown=True)
