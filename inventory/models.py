"""Inventory tables: assets (current state) and the append-only ledger behind every KPI.

The ``inv_asset`` row is today's picture and may change; ``inv_asset_event`` and
``inv_repair_protocol`` are append-only (UPDATE/DELETE blocked by triggers in the
migration), so KPIs 2 and 3 for any past year are recomputed from them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from itops.db.models import Base

ASSET_STATUSES = ("in_use", "in_stock", "in_repair", "retired")
PROTOCOL_KINDS = ("component_replacement", "reinstall", "other_repair", "maintenance")
KPI_PROTOCOL_KINDS = ("component_replacement", "reinstall")

# Ledger event kinds. ``purchased`` and ``retired``/``disposed`` decide "in service".
EVENT_KINDS = (
    "purchased",
    "assigned",
    "returned",
    "moved",
    "repaired",
    "reinstalled",
    "hardware_changed",
    "candidate_dismissed",
    "retired",
    "disposed",
    "updated",
    "discovered",
    "confirmed",
    "lent",
    "loan_returned",
    "document",
)

# Why a stock item's quantity changed (``StockMovement.reason``).
STOCK_REASONS = ("toner_replaced", "repair", "count")


class Asset(Base):
    """One piece of hardware as it is now; its history is in ``AssetEvent``."""

    __tablename__ = "inv_asset"
    __table_args__ = (
        Index("ix_inv_asset_serial", "serial"),
        Index("ix_inv_asset_hardware_uuid", "hardware_uuid"),
        Index("ix_inv_asset_hostname", "hostname"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inventory_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    manufacturer: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    serial: Mapped[str | None] = mapped_column(String(128))
    hardware_uuid: Mapped[str | None] = mapped_column(String(64))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    purchase_document: Mapped[str] = mapped_column(String(200), default="")
    supplier: Mapped[str] = mapped_column(String(200), default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    warranty_end: Mapped[date | None] = mapped_column(Date)
    building: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(100), default="")
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    holder_text: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"), default="office")
    status: Mapped[str] = mapped_column(String(16), default="in_use")
    retired_date: Mapped[date | None] = mapped_column(Date)
    hostname: Mapped[str | None] = mapped_column(String(255))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen: Mapped[datetime | None]
    facts: Mapped[str] = mapped_column(Text, default="{}")
    notes: Mapped[str] = mapped_column(Text, default="")


class AssetMac(Base):
    """A MAC address of an asset (agent matching falls back to it after serial and UUID)."""

    __tablename__ = "inv_asset_mac"

    mac: Mapped[str] = mapped_column(String(17), primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("inv_asset.id"), index=True)


class AssetEvent(Base):
    """One append-only ledger entry: what happened to an asset and when (UTC)."""

    __tablename__ = "inv_asset_event"
    __table_args__ = (Index("ix_inv_asset_event_asset_at", "asset_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("inv_asset.id"))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("inv_repair_protocol.id"))
    ref_event_id: Mapped[int | None] = mapped_column(ForeignKey("inv_asset_event.id"))
    document_sha256: Mapped[str | None] = mapped_column(String(64))


class RepairProtocol(Base):
    """A repair protocol (protokół naprawy); KPI 2 counts the first two kinds by ``repaired_on``."""

    __tablename__ = "inv_repair_protocol"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    repaired_on: Mapped[date] = mapped_column(Date, index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("inv_asset.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    parts: Mapped[str] = mapped_column(Text, default="")
    technician: Mapped[str] = mapped_column(String(200), default="")
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    downtime_hours: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime]


class Consumable(Base):
    """A consumable or spare part in stock (toner, drum, disk, RAM …)."""

    __tablename__ = "inv_consumable"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="other")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    min_level: Mapped[int] = mapped_column(Integer, default=0)


class CartridgeFit(Base):
    """Which printers a stock item fits: a printer model, a supply name fragment, or both.

    A printer's toner matches when the model equals the printer's (case-insensitive, empty
    = any printer) and the fragment occurs in the supply's name as the printer reports it
    (prtMarkerSuppliesDescription, e.g. "TK-2000"; empty = any supply of that printer).
    """

    __tablename__ = "inv_cartridge_fit"
    __table_args__ = (UniqueConstraint("consumable_id", "printer_model", "supply_match"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consumable_id: Mapped[int] = mapped_column(ForeignKey("inv_consumable.id"), index=True)
    printer_model: Mapped[str] = mapped_column(String(200), default="")
    supply_match: Mapped[str] = mapped_column(String(200), default="")


class PrinterSupply(Base):
    """A printer's toner or drum as its last SNMP reading gave it (one row per supply).

    ``short_since`` is set while the supply is at or below the order level and no
    matching cartridge is in stock ("zamów toner"), cleared when either changes.
    """

    __tablename__ = "inv_printer_supply"
    __table_args__ = (UniqueConstraint("printer", "supply"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    printer: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(64), default="office")
    supply: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    percent: Mapped[float | None] = mapped_column(Float)
    seen_at: Mapped[datetime]
    short_since: Mapped[datetime | None]


class StockMovement(Base):
    """One change of a stock item's quantity: a cartridge put in, parts for a repair, a count.

    Append-only by use: ``delta`` is signed (−1 a cartridge used), ``reason`` one of
    ``STOCK_REASONS``, ``printer`` the printer a cartridge went into.
    """

    __tablename__ = "inv_stock_movement"
    __table_args__ = (Index("ix_inv_stock_movement_consumable_at", "consumable_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consumable_id: Mapped[int] = mapped_column(ForeignKey("inv_consumable.id"))
    at: Mapped[datetime]
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    printer: Mapped[str] = mapped_column(String(100), default="")
    actor: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(400), default="")


class InstalledSoftware(Base):
    """One package installed on a host, as its newest agent report lists it.

    Replaced whole by each report that carries a software list (dpkg/rpm, Windows
    uninstall keys); ``host`` is the reporting host name in lower case.
    """

    __tablename__ = "inv_software"
    __table_args__ = (Index("ix_inv_software_host", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(128), default="")
    publisher: Mapped[str] = mapped_column(String(255), default="")
    seen_at: Mapped[datetime]


class Licence(Base):
    """A software licence in the ledger: how many installations it covers and until when.

    ``match`` is the fragment of the installed name that counts as this product
    (case-insensitive, e.g. "Microsoft Office Professional Plus 2021").
    """

    __tablename__ = "inv_licence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product: Mapped[str] = mapped_column(String(200))
    match: Mapped[str] = mapped_column(String(255))
    seats: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(String(200), default="")
    expires_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(400), default="")


class ProtocolPart(Base):
    """Parts a repair protocol drew from stock."""

    __tablename__ = "inv_protocol_part"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("inv_repair_protocol.id"), index=True)
    consumable_id: Mapped[int] = mapped_column(ForeignKey("inv_consumable.id"))
    quantity: Mapped[int] = mapped_column(Integer)


class Loan(Base):
    """An asset lent to an external holder (e.g. a broadband-programme beneficiary)."""

    __tablename__ = "inv_loan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("inv_asset.id"), index=True)
    borrower_name: Mapped[str] = mapped_column(String(200))
    borrower_address: Mapped[str] = mapped_column(String(400), default="")
    agreement_no: Mapped[str] = mapped_column(String(100), default="")
    lent_on: Mapped[date] = mapped_column(Date)
    expected_return: Mapped[date | None] = mapped_column(Date)
    returned_on: Mapped[date | None] = mapped_column(Date)


class Permission(Base):
    """A system permission of an employee (permissions register); open while not revoked."""

    __tablename__ = "inv_permission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    system: Mapped[str] = mapped_column(String(200))
    granted_on: Mapped[date] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(400), default="")


class Training(Base):
    """A training the IT officer ran (group or individual); the annual report counts them."""

    __tablename__ = "inv_training"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    topic: Mapped[str] = mapped_column(String(400))
    trainer: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16), default="group")


class TrainingParticipant(Base):
    """An employee who attended a training."""

    __tablename__ = "inv_training_participant"
    __table_args__ = (UniqueConstraint("training_id", "employee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("inv_training.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))


class Clearance(Base):
    """The IT part of an employee's exit clearance (karta obiegowa) once signed off."""

    __tablename__ = "inv_clearance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    signed_at: Mapped[datetime]
    signed_by: Mapped[str] = mapped_column(String(64))
    card_sha256: Mapped[str] = mapped_column(String(64))
    protocol_sha256: Mapped[str] = mapped_column(String(64))
    card_html: Mapped[str] = mapped_column(Text)
    protocol_html: Mapped[str] = mapped_column(Text)


class AgentToken(Base):
    """A per-host agent token; only its SHA-256 is stored (the token is shown once)."""

    __tablename__ = "inv_agent_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
