"""Exit clearance (karta obiegowa, IT part) and the handover protocol (protokół zdawczo-odbiorczy).

The IT officer signs off only when every asset the employee holds is returned and
every system permission is revoked. Signing renders both documents as HTML, stores
them with their SHA-256, and appends a ``document`` ledger event carrying the hashes
to every asset the employee returned, so a later change of a document is detectable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from inventory import ledger
from inventory.models import Asset, AssetEvent, Clearance, Permission
from inventory.people import EmployeeView, view
from itops import formats
from itops.config import Settings
from itops.db.models import Employee
from itops.errors import ValidationError

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class HeldAsset:
    id: int
    inventory_no: str | None
    category: str
    description: str
    serial: str | None


@dataclass(frozen=True)
class OpenPermission:
    id: int
    system: str
    granted_on: date


@dataclass(frozen=True)
class ReturnedAsset:
    asset_id: int
    inventory_no: str | None
    category: str
    description: str
    serial: str | None
    returned_at: datetime


@dataclass(frozen=True)
class RevokedPermission:
    system: str
    granted_on: date
    revoked_on: date


@dataclass(frozen=True)
class ClearanceStatus:
    """What still blocks the sign-off, and what was already settled."""

    employee: EmployeeView
    held: tuple[HeldAsset, ...]
    permissions: tuple[OpenPermission, ...]
    returned: tuple[ReturnedAsset, ...]
    revoked: tuple[RevokedPermission, ...]
    signed_at: datetime | None

    @property
    def open_items(self) -> list[str]:
        return [f"{a.category} {a.inventory_no or a.id}" for a in self.held] + [
            f"permission {p.system}" for p in self.permissions
        ]

    @property
    def can_sign(self) -> bool:
        return not self.held and not self.permissions


def _describe(a: Asset) -> str:
    """Make and model; "—" when neither is known (the category has its own column, and
    its stored key, "phone", is no word of a Polish document)."""
    return " ".join(p for p in (a.manufacturer, a.model) if p) or "—"


def status(session: Session, employee_id: int) -> ClearanceStatus:
    emp = session.get(Employee, employee_id)
    if emp is None:
        raise ValidationError(f"no employee #{employee_id}")
    held = session.scalars(
        select(Asset).where(Asset.holder_id == emp.id).order_by(Asset.inventory_no)
    ).all()
    perms = session.scalars(
        select(Permission).where(Permission.employee_id == emp.id).order_by(Permission.system)
    ).all()
    returned_events = session.execute(
        select(AssetEvent, Asset)
        .join(Asset, Asset.id == AssetEvent.asset_id)
        .where(
            AssetEvent.kind == "returned",
            or_(
                AssetEvent.detail.contains(json.dumps(emp.code)),
                AssetEvent.detail.contains(json.dumps(emp.full_name, ensure_ascii=False)),
            ),
        )
        .order_by(AssetEvent.at)
    ).all()
    returned = tuple(
        ReturnedAsset(a.id, a.inventory_no, a.category, _describe(a), a.serial, ev.at)
        for ev, a in returned_events
        if json.loads(ev.detail).get("holder") in (emp.code, emp.full_name)
    )
    last = session.scalars(
        select(Clearance).where(Clearance.employee_id == emp.id).order_by(Clearance.id.desc())
    ).first()
    return ClearanceStatus(
        employee=view(emp),
        held=tuple(
            HeldAsset(a.id, a.inventory_no, a.category, _describe(a), a.serial) for a in held
        ),
        permissions=tuple(
            OpenPermission(p.id, p.system, p.granted_on) for p in perms if p.revoked_on is None
        ),
        returned=returned,
        revoked=tuple(
            RevokedPermission(p.system, p.granted_on, p.revoked_on)
            for p in perms
            if p.revoked_on is not None
        ),
        signed_at=last.signed_at if last else None,
    )


def mark_returned(
    session: Session, employee_id: int, asset_id: int, now: datetime, actor: str
) -> None:
    asset = session.get(Asset, asset_id)
    if asset is None or asset.holder_id != employee_id:
        raise ValidationError(f"asset #{asset_id} is not held by employee #{employee_id}")
    ledger.set_holder(session, asset, "", now, now, actor)
    if asset.status == "in_use":
        asset.status = "in_stock"


def revoke_permission(session: Session, employee_id: int, permission_id: int, on: date) -> None:
    perm = session.get(Permission, permission_id)
    if perm is None or perm.employee_id != employee_id:
        raise ValidationError(f"permission #{permission_id} is not employee #{employee_id}'s")
    if perm.revoked_on is None:
        perm.revoked_on = on


def grant_permission(
    session: Session, employee_id: int, system: str, on: date, note: str = ""
) -> int:
    """Record a system permission granted to the employee; returns its id."""
    if not system.strip():
        raise ValidationError("the system name is empty")
    if len(system.strip()) > 200 or len(note) > 400:
        raise ValidationError("the system name (200) or note (400) is too long")
    if session.get(Employee, employee_id) is None:  # a foreign key the database would refuse
        raise ValidationError(f"no employee #{employee_id}")
    perm = Permission(employee_id=employee_id, system=system.strip(), granted_on=on, note=note)
    session.add(perm)
    session.flush()
    return perm.id


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True)
    )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_documents(
    st: ClearanceStatus, settings: Settings, at: datetime, signed_by: str
) -> tuple[str, str]:
    """The karta obiegowa (IT part) and the handover protocol, as standalone HTML."""
    env = _environment()
    tz = settings.office.timezone
    from inventory.i18n import LABELS

    # Polish documents: moments in office time and days by the one formatter
    # ("26.11.2026 10:00", "05.02.2026"), as the printed §82 list and the report; an
    # asset's category in words ("telefon", not the stored key "phone")
    values = {
        "office": settings.office,
        "st": st,
        "signed_by": signed_by,
        "at_local": formats.moment(at, tz, "pl", "short"),
        "local": lambda dt: formats.moment(dt, tz, "pl", "short"),
        "day": lambda d: formats.day(d, "pl") if d else "—",
        "label": lambda key: LABELS.get(str(key), str(key)),
    }
    card = env.get_template("inventory_doc_clearance_card.html").render(values)
    protocol = env.get_template("inventory_doc_handover_protocol.html").render(values)
    return card, protocol


@dataclass(frozen=True)
class SignedClearance:
    """A signed clearance: both documents as stored, with their SHA-256."""

    id: int
    employee_id: int
    signed_at: datetime
    signed_by: str
    card_sha256: str
    protocol_sha256: str
    card_html: str
    protocol_html: str


def _signed(row: Clearance) -> SignedClearance:
    return SignedClearance(
        row.id,
        row.employee_id,
        row.signed_at,
        row.signed_by,
        row.card_sha256,
        row.protocol_sha256,
        row.card_html,
        row.protocol_html,
    )


def signed_clearances(session: Session, employee_id: int) -> list[SignedClearance]:
    """The employee's signed clearances, oldest first."""
    rows = session.scalars(
        select(Clearance).where(Clearance.employee_id == employee_id).order_by(Clearance.id)
    )
    return [_signed(row) for row in rows]


def signed_clearance(session: Session, clearance_id: int) -> SignedClearance | None:
    row = session.get(Clearance, clearance_id)
    return _signed(row) if row is not None else None


def sign_off(
    session: Session, employee_id: int, settings: Settings, now: datetime, actor: str
) -> SignedClearance:
    """Sign the IT part of the clearance; refused (nothing written) while anything is open."""
    st = status(session, employee_id)
    if not st.can_sign:
        raise ValidationError(
            f"cannot sign off {st.employee.full_name}: still open: " + ", ".join(st.open_items)
        )
    card, protocol = render_documents(st, settings, now, actor)
    row = Clearance(
        employee_id=employee_id,
        signed_at=now,
        signed_by=actor,
        card_sha256=sha256(card),
        protocol_sha256=sha256(protocol),
        card_html=card,
        protocol_html=protocol,
    )
    session.add(row)
    session.flush()
    for item in {r.asset_id for r in st.returned}:
        asset = session.get(Asset, item)
        assert asset is not None  # noqa: S101 - from a join
        ledger.record(
            session,
            asset,
            "document",
            now,
            now,
            actor,
            {
                "document": "protokół zdawczo-odbiorczy",
                "clearance_id": row.id,
                "employee": st.employee.code,
                "card_sha256": row.card_sha256,
                "protocol_sha256": row.protocol_sha256,
            },
            document_sha256=row.protocol_sha256,
        )
    return _signed(row)


def render_pdf(html: str) -> bytes:
    """PDF of a stored document (WeasyPrint; needs Debian pango and DejaVu fonts)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
