"""Exports for the data protection officer (IOD): CSV and PDF of the register for a period.

Both carry every entry recorded in the period with its sequence number and hash, plus
the chain's verification result, the register's public key and a signed head (an
anchor), so a printed copy can be checked against the database and vouches for it later.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from inventory.register import queries, seals, verification
from inventory.register.public import SigningSummary, signing_summary
from inventory.register.signing import KeyFileError, configured_key
from itops import formats
from itops.config import Settings
from itops.spreadsheet import neutralise

TEMPLATES = Path(__file__).parent / "templates"

CSV_COLUMNS = (
    "seq",
    "kind",
    "recorded_at",
    "recorded_by",
    "os_user",
    "corrects_seq",
    "superseded",
    "subject",
    "employee_code",
    "employee_name",
    "scopes",
    "valid_from",
    "valid_to",
    "received_on",
    "policy_version",
    "resource",
    "purpose",
    "justification",
    "start",
    "end",
    "outcome",
    "ref_seq",
    "reason",
    "hash",
)


@dataclass(frozen=True)
class ExportData:
    office: str
    first: date
    last: date
    generated_at: datetime
    rows: list[queries.EntryRow]
    verification: verification.Verification
    tz: ZoneInfo
    retention_years: int = 10
    signing: SigningSummary | None = None


def collect(
    session: Session,
    office: str,
    tz: ZoneInfo,
    first: date,
    last: date,
    now: datetime,
    retention_years: int = 10,
    settings: Settings | None = None,
) -> ExportData:
    """The export's content; with ``settings``, verified and signed as the office's."""
    if settings is None:
        result = verification.verify(session, verification.Policy(now=now))
        signing = None
    else:
        result = verification.verify_settings(session, settings, now)
        signing = signing_summary(session, settings)
    return ExportData(
        office,
        first,
        last,
        now,
        queries.entry_rows(session, tz, first, last),
        result,
        tz,
        retention_years,
        signing,
    )


def sign_for_print(session: Session, settings: Settings, now: datetime) -> None:
    """Sign the current head for a printed export (when the key is readable here)."""
    try:
        key = configured_key(settings)
    except KeyFileError:
        return  # the export still prints the newest stored signed head
    if key is not None:
        seals.seal_head(session, key, now, settings.office.name, kind=seals.EXPORT)


def _cell(value: object, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _shown(value: object, tz: ZoneInfo) -> str:
    """A moment or a day of the printout as the one formatter writes it: 26.11.2026 10:00,
    05.02.2021 (the CSV keeps ISO)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return formats.moment(value, tz.key, "pl", "short")
    if isinstance(value, date):
        return formats.day(value, "pl")
    return str(value)


def _csv_cell(value: object, tz: ZoneInfo) -> str:
    """A cell of the CSV: text a spreadsheet would run as a formula is neutralised."""
    return neutralise(_cell(value, tz))


def to_csv(data: ExportData) -> str:
    """UTF-8 CSV (times in the office's zone with their offset), one entry per row.

    Names and free text come from people (employee names, purposes, reasons): any cell
    a spreadsheet would evaluate is prefixed with an apostrophe.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in data.rows:
        writer.writerow([_csv_cell(getattr(row, c), data.tz) for c in CSV_COLUMNS])
    writer.writerow([])
    writer.writerow(["# chain", data.verification.describe()])
    signing = data.signing
    if signing is not None and signing.public_key:
        writer.writerow(["# public key", signing.public_key, signing.fingerprint])
        if signing.anchor_text:
            writer.writerow(["# signed head", signing.anchor_text])
    writer.writerow(
        [
            "# retention",
            f"{data.retention_years} years; older entries no longer in force may be pruned "
            "under a signed checkpoint entry",
        ]
    )
    return out.getvalue()


def to_html(data: ExportData) -> str:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True)
    )
    env.filters["local"] = lambda v: _shown(v, data.tz)
    env.filters["years"] = lambda n: formats.years(n, "pl")
    return env.get_template("register_export_pdf.html").render(data=data)


def to_pdf(data: ExportData) -> bytes:
    """The same content as a printable PDF (WeasyPrint, DejaVu fonts for Polish letters)."""
    from weasyprint import HTML

    pdf = HTML(string=to_html(data)).write_pdf()
    assert pdf is not None  # noqa: S101 - write_pdf without a target always returns bytes
    return bytes(pdf)
