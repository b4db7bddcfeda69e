"""What each rule last sent about each subject, so de-duplication survives a restart."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from itops.db.models import Base

SUBJECT_MAX = 255


class NotificationState(Base):
    """One row per (rule, event family, subject): the last notification sent for it."""

    __tablename__ = "notification_state"

    rule: Mapped[str] = mapped_column(String(100), primary_key=True)
    family: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime]
    recovery: Mapped[bool] = mapped_column(Boolean)
