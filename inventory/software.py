"""Installed software: stored from agent reports, searchable, counted against licences.

1. ``SoftwarePart`` is the agent report's ``software`` section as a report part: a
   report that carries a list replaces its host's rows in the report's own transaction
   (a report without the list, an older agent or ``--no-software``, leaves them alone).
2. ``search`` answers "which computers still run 7-Zip 19?": a name fragment and a
   version prefix, both case-insensitive.
3. ``licence_rows`` counts the hosts whose software matches each licence and warns when
   installations exceed the seats or the licence expires within ``EXPIRY_WARNING_DAYS``
   (or has expired).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from inventory.models import Asset, InstalledSoftware, Licence
from itops.errors import ValidationError
from itops.messages import Summary, joined
from itops.report_parts import AfterCommit, PartItem

EXPIRY_WARNING_DAYS = 30
MAX_RESULTS = 2000


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (``\\`` escapes % and _)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SoftwarePart:
    """The ``software`` field of an agent report (see the module docstring)."""

    key = "software"

    def parse(self, value: Any, now: datetime) -> list[tuple[str, str, str]]:
        """The validated packages as (name, version, publisher); no I/O."""
        return [(p.name, p.version, p.publisher) for p in value]

    def store(
        self, session: Session, items: Sequence[PartItem[list[tuple[str, str, str]]]]
    ) -> AfterCommit:
        newest: dict[str, PartItem[list[tuple[str, str, str]]]] = {}
        for item in items:
            newest[item.host] = item  # a batch may hold two reports of one host: the later
        hosts = list(newest)
        for start in range(0, len(hosts), 500):
            chunk = hosts[start : start + 500]
            session.execute(delete(InstalledSoftware).where(InstalledSoftware.host.in_(chunk)))
        rows = [
            {
                "host": item.host[:255],
                "name": name[:255],
                "version": version[:128],
                "publisher": publisher[:255],
                "seen_at": item.at,
            }
            for item in newest.values()
            for name, version, publisher in dict.fromkeys(item.value)
        ]
        if rows:
            session.execute(insert(InstalledSoftware), rows)
        return lambda: None


@dataclass(frozen=True)
class Installation:
    """One host running a package that matched a search."""

    host: str
    asset_id: int | None
    inventory_no: str | None
    name: str
    version: str
    publisher: str
    seen_at: datetime


def search(
    session: Session, name: str, version: str = "", limit: int = MAX_RESULTS
) -> list[Installation]:
    """Hosts with a package whose name contains ``name`` and whose version starts with
    ``version`` (both case-insensitive), by host then name and version."""
    name, version = name.strip(), version.strip()
    if not name:
        raise ValidationError.of(Summary("software.name_empty"))
    if len(name) > 255 or len(version) > 128:
        raise ValidationError.of(Summary("software.too_long"))
    query = select(InstalledSoftware).where(
        func.lower(InstalledSoftware.name).like(_like(name), escape="\\")
    )
    if version:
        pattern = _like(version)[1:]  # a prefix: no leading %
        query = query.where(func.lower(InstalledSoftware.version).like(pattern, escape="\\"))
    rows = list(
        session.scalars(
            query.order_by(
                InstalledSoftware.host, InstalledSoftware.name, InstalledSoftware.version
            ).limit(limit)
        )
    )
    assets = _assets(session, {r.host for r in rows})
    none: tuple[int | None, str | None] = (None, None)
    return [
        Installation(
            r.host,
            assets.get(r.host, none)[0],
            assets.get(r.host, none)[1],
            r.name,
            r.version,
            r.publisher,
            r.seen_at,
        )
        for r in rows
    ]


def _assets(session: Session, hosts: set[str]) -> dict[str, tuple[int, str | None]]:
    """Host (lower case) → (asset id, inventory number) of the newest non-retired asset."""
    out: dict[str, tuple[int, str | None]] = {}
    names = sorted(hosts)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        for aid, host, no in session.execute(
            select(Asset.id, func.lower(Asset.hostname), Asset.inventory_no)
            .where(func.lower(Asset.hostname).in_(chunk), Asset.status != "retired")
            .order_by(Asset.last_seen.desc().nulls_last(), Asset.id)
        ):
            out.setdefault(host, (aid, no))
    return out


def software_of(session: Session, hostname: str) -> list[tuple[str, str, str]]:
    """One host's installed packages (name, version, publisher), by name."""
    return [
        (r.name, r.version, r.publisher)
        for r in session.scalars(
            select(InstalledSoftware)
            .where(InstalledSoftware.host == hostname.lower())
            .order_by(InstalledSoftware.name, InstalledSoftware.version)
        )
    ]


@dataclass(frozen=True)
class LicenceRow:
    """A licence with its installations counted today and what is wrong with it."""

    id: int
    product: str
    match: str
    seats: int
    document: str
    expires_on: date | None
    note: str
    installed: int
    hosts: tuple[str, ...]
    problems: tuple[str, ...]  # "over_seats", "expiring", "expired"


def add_licence(
    session: Session,
    product: str,
    match: str,
    seats: int,
    document: str = "",
    expires_on: date | None = None,
    note: str = "",
) -> int:
    """Record a licence; every problem is named at once and nothing is written then."""
    problems: list[Summary] = []
    if not product.strip():
        problems.append(Summary("software.product_empty"))
    if not (match.strip() or product.strip()):
        problems.append(Summary("software.match_empty"))
    if seats < 0:
        problems.append(Summary("software.seats_negative"))
    for label, text, most in (
        ("product", product, 200),
        ("match", match, 255),
        ("document", document, 200),
        ("note", note, 400),
    ):
        if len(text.strip()) > most:
            name = Summary(f"software.field.{label}")
            problems.append(Summary("software.field_long", {"name": name, "most": str(most)}))
    if problems:
        raise ValidationError.of(joined(problems))
    row = Licence(
        product=product.strip(),
        match=(match.strip() or product.strip()),
        seats=seats,
        document=document.strip(),
        expires_on=expires_on,
        note=note.strip(),
    )
    session.add(row)
    session.flush()
    return row.id


def licence_rows(session: Session, today: date) -> list[LicenceRow]:
    """Every licence, by product, with installations (distinct hosts) and problems."""
    out = []
    for lic in session.scalars(select(Licence).order_by(Licence.product, Licence.id)):
        hosts = tuple(
            sorted(
                set(
                    session.scalars(
                        select(InstalledSoftware.host).where(
                            func.lower(InstalledSoftware.name).like(_like(lic.match), escape="\\")
                        )
                    )
                )
            )
        )
        problems = []
        if len(hosts) > lic.seats:
            problems.append("over_seats")
        if lic.expires_on is not None:
            if lic.expires_on < today:
                problems.append("expired")
            elif lic.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
                problems.append("expiring")
        out.append(
            LicenceRow(
                lic.id,
                lic.product,
                lic.match,
                lic.seats,
                lic.document,
                lic.expires_on,
                lic.note,
                len(hosts),
                hosts,
                tuple(problems),
            )
        )
    return out
