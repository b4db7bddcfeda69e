"""The DEMO office's assets as inventory import rows (``inventory.demo``): 120 computers,
30 printers and 20 other devices in service on 31 December, and the old computers the
year retired. The rows draw from ``world.rng`` in a fixed order; keep it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from itops.demo import DemoWorld

# In service on 31 December: 120 computers, 30 printers, 20 other devices.
DESKTOPS, LAPTOPS, SERVERS = 95, 17, 8
PRINTERS, MFDS = 22, 8
OTHERS = (("monitor", 8), ("network", 6), ("ups", 4), ("phone", 2))
# Invented Polish model names of the other devices (the category keys stay as stored).
OTHER_MODELS = {"monitor": "Monitor", "network": "Przełącznik", "ups": "UPS", "phone": "Telefon"}
BOUGHT_IN_YEAR = 19  # computers bought in the year (KPI 3: 19 / 120 = 15.8 %)
RETIRED_IN_YEAR = 8  # old computers retired in the year (replaced by the new ones)
LOCATIONS = tuple(f"DEMO pokój {n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 15, 21, 22))
SUPPLIERS = ("DEMO Sprzęt Biurowy sp. z o.o.", "DEMO Komputery Przykładowo S.A.")


FILE_SERVER = "demo-srv-pliki"  # the example config's host check "serwer-plikow"

Row = dict[str, str]


@dataclass
class _Rows:
    """The rows so far, and the dates they are bought on."""

    world: DemoWorld
    rows: list[Row] = field(default_factory=list)

    def old_day(self) -> date:
        rng, year = self.world.rng, self.world.year
        return date(year - 1 - rng.randrange(8), 1 + rng.randrange(12), 1 + rng.randrange(28))

    def new_day(self) -> date:
        return self.world.day_in(2, 11)

    def add(
        self,
        prefix: str,
        n: int,
        category: str,
        maker: str,
        model: str,
        bought: date,
        price: int,
        **extra: str,
    ) -> Row:
        row = {
            "inventory_no": f"DEMO/{prefix}/{n:03d}",
            "category": category,
            "manufacturer": maker,
            "model": model,
            "serial": f"DEMO-SN-{prefix}-{n:04d}",
            "purchase_date": bought.isoformat(),
            "purchase_document": f"DEMO FV {bought.year}/{bought.month:02d}/{n:03d}",
            "price": str(Decimal(price)),
            "location": LOCATIONS[n % len(LOCATIONS)],
            "holder": "",
            "status": "in_use",
            "retired_date": "",
            "supplier": SUPPLIERS[n % 2],
            "warranty_end": date(bought.year + 3, bought.month, 1).isoformat(),
            "hostname": "",
            "unit": "office",
        }
        row.update(extra)
        self.rows.append(row)
        return row


def asset_rows(world: DemoWorld, codes: list[str]) -> tuple[list[Row], list[Row]]:
    """Every DEMO asset as an import row, and the computers among them (the same dicts)."""
    rows = _Rows(world)
    computers = _workstations(rows, codes) + _servers(rows) + _retired(rows)
    _devices(rows)
    return rows.rows, computers


def _workstations(rows: _Rows, codes: list[str]) -> list[Row]:
    """Desktops and laptops, ``BOUGHT_IN_YEAR`` of them bought in the year."""
    world = rows.world
    total = DESKTOPS + LAPTOPS
    new_numbers = set(world.rng.sample(range(1, total + 1), BOUGHT_IN_YEAR))
    computers = []
    for n in range(1, total + 1):
        laptop = n > DESKTOPS
        bought = rows.new_day() if n in new_numbers else rows.old_day()
        category = "laptop" if laptop else "desktop"
        model = ("DEMO Book 14" if laptop else "DEMO Office Mini") + f" G{2 + bought.year % 5}"
        row = rows.add(
            "KOMP",
            n,
            category,
            "DEMO Computers",
            model,
            bought,
            3900 if laptop else 3100,
            hostname=f"demo-pc-{n:03d}",
            holder=codes[(n - 1) % len(codes)],
        )
        if "szkola-1" in world.settings.unit_names() and n % 12 == 0:
            row["unit"] = "szkola-1"
        computers.append(row)
    return computers


def _servers(rows: _Rows) -> list[Row]:
    return [
        rows.add(
            "SRV",
            n,
            "server",
            "DEMO Serwery",
            "DEMO Rack 1U",
            rows.old_day(),
            18000,
            hostname=FILE_SERVER if n == 1 else f"demo-srv-{n:02d}",
            location="DEMO serwerownia",
        )
        for n in range(1, SERVERS + 1)
    ]


def _retired(rows: _Rows) -> list[Row]:
    """Old computers retired in the year: bought long ago, not counted on 31 December."""
    computers = []
    for n in range(1, RETIRED_IN_YEAR + 1):
        bought = date(rows.world.year - 9, 1 + n, 10)
        retired = rows.world.day_in(2, 11)
        row = rows.add(
            "KOMP-S",
            n,
            "desktop",
            "DEMO Computers",
            "DEMO Office Tower G1",
            bought,
            2500,
            hostname=f"demo-pc-stary-{n:02d}",
            status="retired",
            retired_date=retired.isoformat(),
        )
        computers.append(row)
    return computers


def _devices(rows: _Rows) -> None:
    """Printers, multifunction devices and the other devices (monitors, switches ...)."""
    for n in range(1, PRINTERS + 1):
        rows.add("DRUK", n, "printer", "DEMO Print", "DEMO Laser 400", rows.old_day(), 900)
    for n in range(1, MFDS + 1):
        rows.add("MFD", n, "mfd", "DEMO Print", "DEMO MultiCopy 5", rows.old_day(), 4200)
    for category, count in OTHERS:
        for n in range(1, count + 1):
            rows.add(
                category.upper(),
                n,
                category,
                "DEMO Urządzenia",
                f"DEMO {OTHER_MODELS[category]} {n}",
                rows.old_day(),
                600,
            )
