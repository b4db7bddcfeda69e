"""Core tables. Feature packages define their own tables on the same ``Base``.

Every table carries times as ``UtcDateTime``; every row that belongs to the office or
one of its organisational units names the unit, so per-unit KPIs need no migration.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from itops.db.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention (Alembic batch mode on SQLite needs it)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}


class OrgUnit(Base):
    """The office (id ``office``) and its organisational units, synced from config."""

    __tablename__ = "org_unit"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Heartbeat(Base):
    """The daemon's last sign of life; its age at start-up becomes a monitoring gap."""

    __tablename__ = "heartbeat"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime]
    started_at: Mapped[datetime]
    pid: Mapped[int] = mapped_column(Integer)
    clean_shutdown: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Base):
    """A person who logs in to itops; the role decides what they may see and do."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]


class Employee(Base):
    """A member of staff (minimal): inventory holders, §82 register subjects, trainees."""

    __tablename__ = "employee"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"), default="office")
    position: Mapped[str] = mapped_column(String(200), default="")
    hired_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class AuditLog(Base):
    """Security-relevant acts: logins, failed logins, permission changes, register reads."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class AppSetting(Base):
    """Small values itops generates once and keeps (e.g. the session signing key)."""

    __tablename__ = "app_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LoginThrottle(Base):
    """Failed-login counters per login and per client address (web layer, revision 0500_web).

    Kept in the database, not in memory, so a lockout survives a restart and holds
    across several worker processes.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class SessionRevocation(Base):
    """Sessions of a user started before ``before`` are void (web layer, revision 0500_web).

    Session cookies are signed, not stored, so logging out on one device could not end a
    copy of the cookie elsewhere; this row does: written on logout and password change.
    """

    __tablename__ = "session_revocation"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    before: Mapped[datetime]
