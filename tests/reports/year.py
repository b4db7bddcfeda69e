"""A hand-built year 2025 for the report tests, entered through the features' own functions.

Two monitored systems (one named like an XSS probe), three failures of the mail server in
working hours (one on a holiday, not counted), a planned outage, assets and repair
protocols of every kind, purchases, a training, and antivirus reports of two hosts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from checks.availability.entry import add_outages, parse_outage
from checks.backups.store import record_av
from inventory.people import add_employee, add_training
from itops.context import AppContext
from itops.db.session import session_scope
from itops.status import Status
from tests.conftest import write_config
from tests.inventory.helpers import asset, protocol

YEAR = 2025
TZ = ZoneInfo("Europe/Warsaw")
XSS = "<script>alert(1)</script>"

CHECKS = f"""
[[checks]]
name = "poczta"
kind = "tcp"
host = "127.0.0.1"
port = 1

[[checks]]
name = "{XSS}"
kind = "tcp"
host = "127.0.0.1"
port = 2

[report]
prepared_by = "Zażółć Gęślą-Jaźń"
approved_by = "Kierownik Referatu Organizacyjnego"
"""

OFFICE_EXTRA = """process_owner = "Kierownik Referatu Organizacyjnego"
organisational_unit = "Referat Organizacyjny"
"""

OUTAGES = [
    # check, start, end, cause, note
    ("poczta", "2025-03-10T08:00:00+01:00", "2025-03-10T09:00:00+01:00", "failure", "zasilacz"),
    ("poczta", "2025-06-17T12:00:00+02:00", "2025-06-17T12:47:00+02:00", "failure", "dysk"),
    ("poczta", "2025-10-02T14:00:00+02:00", "2025-10-02T14:40:00+02:00", "failure", "<b>sieć</b>"),
    ("poczta", "2025-11-11T09:00:00+01:00", "2025-11-11T12:00:00+01:00", "failure", "święto"),
    (XSS, "2025-05-06T09:00:00+02:00", "2025-05-06T10:00:00+02:00", "planned", "aktualizacja"),
]


def config(path: Path, db_url: str) -> Path:
    """The office config with the two systems and the report's signatures."""
    cfg = write_config(path, db_url, extra=CHECKS)
    text = cfg.read_text(encoding="utf-8").replace(
        "[office.hours]", OFFICE_EXTRA + "[office.hours]", 1
    )
    cfg.write_text(text, encoding="utf-8")
    return cfg


def build(app: AppContext) -> None:
    """Enter the year; ``app`` must have been created from ``config``."""
    settings = app.settings
    now = app.clock.now()
    with session_scope(app.sessions) as db:
        items = [parse_outage(settings, *row) for row in OUTAGES]
        add_outages(db, settings, items, now, "anna", "manual")
        for i in range(1, 17):
            asset(db, f"INV-TEST-{i:04d}", bought=date(2019 + i % 6, 3, i), hostname=f"pc{i:02d}")
        asset(db, "INV-TEST-0101", category="printer", bought=date(2021, 1, 5))
        asset(
            db,
            "INV-TEST-0102",
            category="desktop",
            bought=date(2025, 4, 1),
            purchase_document="FV/2025/04/0001",
        )
        asset(
            db,
            "INV-TEST-0103",
            category="laptop",
            bought=date(2025, 9, 9),
            purchase_document="FV/2025/09/0002",
        )
        protocol(db, "PN/1/2025", date(2025, 2, 3), "INV-TEST-0001")
        protocol(db, "PN/2/2025", date(2025, 5, 5), "INV-TEST-0002", kind="reinstall")
        protocol(db, "PN/3/2025", date(2025, 7, 7), "INV-TEST-0101", kind="maintenance")
        protocol(db, "PN/4/2025", date(2025, 8, 8), "INV-TEST-0003", kind="component_replacement")
        protocol(db, "PN/5/2025", date(2025, 9, 1), "INV-TEST-0004", kind="other_repair")
        add_employee(db, "EMP-TEST-01", "Łucja Ślęzak")
        add_employee(db, "EMP-TEST-02", "Źdźisław Żółć")
        add_training(
            db,
            date(2025, 4, 14),
            "Bezpieczeństwo poczty",
            "informatyk",
            "group",
            ["EMP-TEST-01", "EMP-TEST-02"],
        )
        for host, status, at in (
            ("pc01", Status.OK, datetime(2025, 1, 10, 9, tzinfo=UTC)),
            ("pc02", Status.OK, datetime(2025, 1, 10, 9, tzinfo=UTC)),
            ("pc02", Status.CRITICAL, datetime(2025, 6, 1, 9, tzinfo=UTC)),
            ("pc02", Status.OK, datetime(2025, 6, 8, 9, tzinfo=UTC)),
        ):
            record_av(
                db,
                host=host,
                product="Microsoft Defender",
                status=status,
                summary="test",
                at=at,
                signature_updated=at,
                signature_version="1.0",
                realtime=True,
                fields={},
            )
