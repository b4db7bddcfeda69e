"""Tables of the §82 register.

``register_entry`` is the register itself: one append-only, hash-chained table for
every kind of entry (authorisation, revocation, notice, inspection act), so a single
sequence and a single chain cover everything an inspector may ask about. Corrections
are new entries of the same kind whose ``corrects_seq`` names the corrected entry.
``register_read_log`` records every read of the register (who viewed what, when).
``register_checkpoint`` holds the signed facts of each retention prune (the DELETE
trigger judges every deleted entry against them) and ``register_seal`` the signed heads
of the chain. All four tables are protected by UPDATE/DELETE triggers (migrations).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from itops.db.models import Base

# Bounds of the metadata fields: the register holds metadata, never content.
LOGIN_LEN = 64
RESOURCE_LEN = 200
POLICY_LEN = 100
REASON_LEN = 500
JUSTIFICATION_LEN = 2000
OUTCOME_LEN = 2000
OS_USER_LEN = 100


class RegisterEntry(Base):
    """One entry of the register; the columns a kind does not use stay NULL.

    ``prev_hash`` is the SHA-256 of the previous entry's canonical form (64 zeros for
    the first entry) and ``hash`` the SHA-256 of this entry's canonical form (see
    ``inventory.register.chain``).
    """

    __tablename__ = "register_entry"
    __table_args__ = (
        Index("ix_register_entry_kind", "kind"),
        Index("ix_register_entry_employee_id", "employee_id"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(LOGIN_LEN))
    corrects_seq: Mapped[int | None] = mapped_column(Integer)
    ref_seq: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(REASON_LEN))
    # authorisation
    subject_login: Mapped[str | None] = mapped_column(String(LOGIN_LEN))
    scopes: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # notice
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    received_on: Mapped[date | None] = mapped_column(Date)
    policy_version: Mapped[str | None] = mapped_column(String(POLICY_LEN))
    # inspection act
    inspector: Mapped[str | None] = mapped_column(String(LOGIN_LEN))
    resource: Mapped[str | None] = mapped_column(String(RESOURCE_LEN))
    purpose: Mapped[str | None] = mapped_column(String(32))
    justification: Mapped[str | None] = mapped_column(String(JUSTIFICATION_LEN))
    start: Mapped[datetime | None]
    end: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(OUTCOME_LEN))
    # who ran the CLI command (operating-system user, SUDO_USER); NULL for dashboard writes
    os_user: Mapped[str | None] = mapped_column(String(OS_USER_LEN))
    # chain
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class RegisterRead(Base):
    """One read of the register: who, when, which view and with which filters."""

    __tablename__ = "register_read_log"
    __table_args__ = (Index("ix_register_read_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(LOGIN_LEN))
    channel: Mapped[str] = mapped_column(String(16))
    view: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(500), default="")
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class RegisterCheckpoint(Base):
    """The signed facts of one retention prune, keyed by its checkpoint entry's ``seq``.

    ``facts`` is the canonical JSON of everything the prune relied on (see
    ``inventory.register.checkpoints``); the four columns repeat the facts the database's
    DELETE trigger needs. ``signature`` (Ed25519, base64) covers ``entry_hash`` and
    ``facts``, so the row can be checked even after its entry was pruned in turn.
    No foreign key: a later prune may remove the checkpoint entry, never this row.
    """

    __tablename__ = "register_checkpoint"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    through_seq: Mapped[int] = mapped_column(Integer)
    cut_day: Mapped[date] = mapped_column(Date)
    cut_at: Mapped[datetime]
    retention_years: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))
    facts: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class RegisterSeal(Base):
    """One signed head of the chain: entry ``seq`` had ``hash`` at ``signed_at``.

    ``kind``: ``head`` (the periodic signature), ``anchor`` (the daily anchor sent off
    the machine) or ``export`` (printed in a register PDF). ``tsa_token`` is the RFC 3161
    time-stamp token (DER, base64) of an anchor when a time-stamp authority is configured.
    """

    __tablename__ = "register_seal"
    __table_args__ = (Index("ix_register_seal_seq", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    tsa_token: Mapped[str | None] = mapped_column(Text)
