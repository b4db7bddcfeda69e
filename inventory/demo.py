"""The inventory's part of the DEMO office: employees, assets, repairs, trainings, agents.

Everything goes through the inventory's own functions (``people``, the CSV importer,
``repairs``, the agent intake), so the ledger is what a real year leaves behind. The
parts draw from ``world.rng`` in a fixed order (see ``reports.demo``); the computers
travel on as ``DemoHost`` values for the antivirus part, and come back with their last
Defender report for ``seed_agent_reports``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.demo_assets import FILE_SERVER, asset_rows
from itops.demo import ACTOR, DemoHost, DemoReport, DemoWorld, tables_in_use

EMPLOYEES = 60

FIRST_NAMES = (
    "Jan",
    "Anna",
    "Piotr",
    "Katarzyna",
    "Tomasz",
    "Magdalena",
    "Paweł",
    "Agnieszka",
    "Michał",
    "Małgorzata",
    "Krzysztof",
    "Joanna",
    "Łukasz",
    "Ewa",
    "Marcin",
    "Zofia",
    "Grzegorz",
    "Barbara",
    "Andrzej",
    "Elżbieta",
)
# Adjectival surnames agree with the first name (issue 13: "Jan Przykładowa" read as a
# typo): a stem takes -a for a woman, -y for a man. Every DEMO first name of a woman ends
# in -a, as Polish first names of women do (Kuba is not among them).
SURNAME_STEMS = (
    "Przykładow",
    "Testow",
    "Wzorcow",
    "Próbn",
    "Fikcyjn",
    "Zmyślon",
    "Demonstracyjn",
)
POSITIONS = (
    "inspektor",
    "podinspektor",
    "referent",
    "główny specjalista",
    "kierownik referatu",
    "sekretarz",
    "skarbnik",
    "kasjer",
    "informatyk",
)


@dataclass
class InventoryDemo:
    """What the inventory seed wrote, and what the later parts need from it."""

    codes: list[str] = field(default_factory=list)
    assets: dict[str, int] = field(default_factory=dict)
    repairs: int = 0
    trainings: int = 0
    hosts: list[DemoHost] = field(default_factory=list)


def tables_with_data(db: Session) -> list[str]:
    """The inventory's tables that mark a database as someone's office."""
    from inventory.models import Asset, Training

    return tables_in_use(db, (Asset, Training))


def seed_demo(db: Session, world: DemoWorld, now: datetime) -> InventoryDemo:
    """Employees, the inventory, repair protocols and trainings of the DEMO year."""
    out = InventoryDemo(codes=_employees(db, world))
    computers = _inventory(db, world, out, now)
    out.repairs = _repairs(db, world, computers, now)
    out.trainings = _trainings(db, world, out.codes)
    _office_devices(db, world)
    return out


DEMO_PRINTER = "drukarka-sekretariat"  # the example config's printer check
DEMO_PRINTER_MODEL = "DEMO Laser P-2000"
RECENT = timedelta(hours=12)  # within the example's max_silence (26h) with room to spare


def _office_devices(db: Session, world: DemoWorld) -> None:
    """The printer low on toner with no cartridge in stock (its drum still fine), the
    cartridges that fit it, and the last cartridge going in two months ago.

    Draws nothing from the generator: the rest of the DEMO year stays as it was.
    """
    from inventory.models import Consumable, PrinterSupply
    from inventory.stock import set_stock
    from inventory.toner import add_fit, move

    at = world.until
    set_stock(db, "DEMO Toner TK-2000 czarny", "toner", 1, 1)
    set_stock(db, "DEMO Bęben DK-2000", "drum", 1, 1)
    set_stock(db, "DEMO Toner TK-5000 czarny", "toner", 3, 1)
    add_fit(db, "DEMO Toner TK-2000 czarny", DEMO_PRINTER_MODEL, "TK-2000")
    add_fit(db, "DEMO Bęben DK-2000", DEMO_PRINTER_MODEL, "DK-2000")
    add_fit(db, "DEMO Toner TK-5000 czarny", "DEMO Laser P-5000", "")
    toner = db.scalars(
        select(Consumable).where(Consumable.name == "DEMO Toner TK-2000 czarny")
    ).one()
    note = "DEMO TK-2000 Toner Black: 3% -> 100%"
    move(db, toner, -1, "toner_replaced", at - timedelta(days=60), DEMO_PRINTER, "itops", note)
    for supply, kind, percent in (
        ("DEMO TK-2000 Toner Black", "toner", 8.0),
        ("DEMO DK-2000 Drum Unit", "drum", 45.0),
    ):
        db.add(
            PrinterSupply(
                printer=DEMO_PRINTER,
                model=DEMO_PRINTER_MODEL,
                unit="office",
                supply=supply,
                kind=kind,
                percent=percent,
                seen_at=at,
                short_since=at - timedelta(hours=3) if kind == "toner" else None,
            )
        )


def demo_name(n: int) -> tuple[str, str]:
    """The ``n``-th DEMO employee's first name and a surname of the same gender."""
    first = FIRST_NAMES[(n - 1) % len(FIRST_NAMES)]
    stem = SURNAME_STEMS[(n * 3) % len(SURNAME_STEMS)]
    return first, stem + ("a" if first.endswith("a") else "y")


def _employees(db: Session, world: DemoWorld) -> list[str]:
    from inventory.people import add_employee

    codes = []
    for n in range(1, EMPLOYEES + 1):
        first, last = demo_name(n)
        code = f"DEMO-{n:03d}"
        unit = (
            "szkola-1"
            if n > EMPLOYEES - 8 and "szkola-1" in world.settings.unit_names()
            else "office"
        )
        hired = date(world.year - 1 - world.rng.randrange(15), 1 + world.rng.randrange(12), 1)
        # The monitoring notices: the register's seed records them (its notice entries
        # are the one source the inventory's pages read).
        add_employee(db, code, f"DEMO {first} {last}", unit, POSITIONS[n % len(POSITIONS)], hired)
        codes.append(code)
    return codes


def _inventory(
    db: Session, world: DemoWorld, out: InventoryDemo, now: datetime
) -> list[dict[str, str]]:
    """Import the assets bought by now; returns the computers (also those bought later)."""
    from inventory.importers import INVENTORY_HEADER, INVENTORY_OPTIONAL, import_inventory

    every, computers = asset_rows(world, out.codes)
    rows = [r for r in every if date.fromisoformat(r["purchase_date"]) <= world.last_day]
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
    for r in computers:
        if date.fromisoformat(r["purchase_date"]) > world.last_day:
            continue
        server = r["category"] == "server"
        os_name = (
            "Windows Server 2022 Standard"
            if server
            else (
                windows[0]
                if int(r["purchase_date"][:4]) >= world.year - 2
                else world.rng.choice(windows)
            )
        )
        retired = date.fromisoformat(r["retired_date"]) if r["retired_date"] else None
        out.hosts.append(
            DemoHost(
                r["hostname"], date.fromisoformat(r["purchase_date"]), retired, os_name, r["serial"]
            )
        )
    return computers


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


def _repairs(db: Session, world: DemoWorld, computers: list[dict[str, str]], now: datetime) -> int:
    from inventory.repairs import ProtocolInput, add_protocol

    old = [
        r for r in computers if int(r["purchase_date"][:4]) < world.year and not r["retired_date"]
    ]
    targets = world.rng.sample(old, len(REPAIRS))
    dates = sorted(world.day_in(1, 12) for _ in REPAIRS)
    count = 0
    for n, ((kind, text, parts), asset, day) in enumerate(
        zip(REPAIRS, targets, dates, strict=True), start=1
    ):
        if day > world.last_day:
            continue
        add_protocol(
            db,
            ProtocolInput(
                number=f"DEMO/PN/{world.year}/{n:03d}",
                repaired_on=day,
                inventory_no=asset["inventory_no"],
                kind=kind,
                description=text,
                parts=parts,
                technician="DEMO Serwis Przykładowo",
                cost=Decimal(150 + 40 * n),
                downtime_hours=float(2 + n % 6),
            ),
            world.tz,
            now,
            ACTOR,
        )
        count += 1
    return count


TRAININGS = (
    (2, "Bezpieczeństwo informacji i RODO — szkolenie okresowe", "group"),
    (3, "Rozpoznawanie wiadomości phishingowych", "group"),
    (5, "Obsługa systemu EZD po aktualizacji", "group"),
    (6, "Nowy pracownik: zasady korzystania z systemów", "individual"),
    (9, "Kopie zapasowe i praca na dysku sieciowym", "group"),
    (10, "Monitoring poczty służbowej (§82 Regulaminu Pracy)", "group"),
    (11, "Nowy pracownik: zasady korzystania z systemów", "individual"),
)


def _trainings(db: Session, world: DemoWorld, codes: list[str]) -> int:
    from inventory.people import add_training

    count = 0
    for month, topic, kind in TRAININGS:
        day = world.day_in(month, month)
        if day > world.last_day:
            continue
        size = 1 if kind == "individual" else world.rng.randrange(12, 30)
        who = world.rng.sample(codes, size)
        add_training(db, day, topic, "DEMO Informatyk Urzędu", kind, who)
        count += 1
    return count


def _file_server_health(at: datetime) -> dict[str, Any]:
    """The file server's disk filling up: its share volume at 4 % free (CRITICAL at 5 %)."""
    gib = 2**30
    return {
        "filesystems": [
            {"mount": "C:\\", "fstype": "NTFS", "size_bytes": 120 * gib, "free_bytes": 61 * gib},
            {"mount": "D:\\", "fstype": "NTFS", "size_bytes": 2000 * gib, "free_bytes": 80 * gib},
        ],
        "memory": {"total_bytes": 32 * gib, "available_bytes": 19 * gib},
        "load": {"cpu_count": 8, "cpu_percent": 12.0},
        "services": [
            {"name": "LanmanServer", "state": "running", "enabled": True},
            {"name": "Spooler", "state": "running", "enabled": True},
        ],
        "updates": {
            "pending": 2,
            "security": 0,
            "reboot_required": False,
            "last_success": (at - timedelta(days=6)).isoformat(),
        },
        "boot_time": (at - timedelta(days=6, hours=1)).isoformat(),
    }


def recent_report_at(at: datetime, now: datetime) -> datetime:
    """When the file server's last report is dated: as seeded, unless that is older than
    ``RECENT`` at the seed's ``now`` (a January seed of last year ends on 31 December),
    then an hour before ``now``. Its full disk is a deliberate DEMO problem, and a host
    check judges only a recent report (older is UNKNOWN), whatever month the seed runs."""
    return at if now - at <= RECENT else now - timedelta(hours=1)


def seed_agent_reports(db: Session, reports: Sequence[DemoReport], now: datetime) -> None:
    """Each host's last report as the agent sends it (hardware, OS, Defender); the file
    server's dated recent at ``now`` (``recent_report_at``)."""
    from inventory.intake import store_report
    from inventory.payload import AgentReport

    for item in reports:
        host = item.host.hostname
        at = recent_report_at(item.at, now) if host == FILE_SERVER else item.at
        server = host.startswith("demo-srv")
        agent = AgentReport(
            agent_version="DEMO",
            hostname=host,
            collected_at=at,
            hardware={"vendor": "DEMO Computers", "serial": item.host.serial},
            cpu={"model": "DEMO CPU 4 cores", "cores": 4, "threads": 8},
            memory_bytes=(32 if server else 16) * 1024**3,
            disks=[
                {
                    "device": "disk0",
                    "model": "DEMO SSD",
                    "serial": f"DEMO-D-{host}",
                    "size_bytes": 512 * 10**9,
                }
            ],
            os={"system": "Windows", "name": item.host.os, "pretty": item.host.os},
            antivirus=item.antivirus,
            **(_file_server_health(at) if host == FILE_SERVER else {}),
        )
        store_report(db, agent, at)
