"""What every feature's DEMO seed shares: the invented year's calendar and generator.

Why in the core: each feature seeds its own part of the DEMO office (``seed_demo`` in
its ``public`` module) and the parts must draw from one ``random.Random`` in a fixed
order, so the same year gives the same office. The orchestrator
(``reports.demo``) builds one ``DemoWorld`` and hands it to each part in turn; what
one part gives the next (employee codes, computers) travels as plain values.
Also here: the core's own tables that mark a database as someone's office, and the
"seed started / complete" mark.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from itops.config import Settings

ACTOR = "demo"
SEED_MARK = "demo_seed"


class DemoWorld:
    """The year's calendar and the generator every part draws from."""

    def __init__(
        self,
        settings: Settings,
        tz: ZoneInfo,
        year: int,
        start: datetime,
        until: datetime,
        rng: random.Random,
    ) -> None:
        self.settings, self.tz, self.year = settings, tz, year
        self.start, self.until, self.rng = start, until, rng
        self.last_day = min(date(year, 12, 31), until.astimezone(tz).date())

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)

    def days(self) -> list[date]:
        first = date(self.year, 1, 1)
        return [first + timedelta(n) for n in range((self.last_day - first).days + 1)]

    def day_in(self, month_lo: int, month_hi: int) -> date:
        """A random date in the months (the caller skips dates after ``last_day``)."""
        lo = date(self.year, month_lo, 1)
        hi = date(self.year, month_hi, 28)
        return lo + timedelta(self.rng.randrange((hi - lo).days + 1))


@dataclass(frozen=True)
class DemoHost:
    """A DEMO computer the antivirus and the agent report on."""

    hostname: str
    bought: date
    retired: date | None
    os: str
    serial: str


@dataclass(frozen=True)
class DemoReport:
    """A host's last DEMO agent report: when, and the Defender fields it carried."""

    host: DemoHost
    at: datetime
    antivirus: dict[str, Any]


def tables_in_use(db: Session, models: tuple[Any, ...]) -> list[str]:
    """The tables of ``models`` that hold at least one row."""
    return [m.__tablename__ for m in models if db.scalars(select(m).limit(1)).first()]


def core_tables_in_use(db: Session) -> list[str]:
    """Users, the heartbeat and employees: a database someone logged into, or that a
    daemon ever ran on, is somebody's office and gets no invented data."""
    from itops.db.models import Employee, Heartbeat, User

    return tables_in_use(db, (User, Heartbeat, Employee))


def mark(db: Session, value: str) -> None:
    """Record how far a seed got ("started YEAR", "complete YEAR")."""
    from itops.db.models import AppSetting

    row = db.get(AppSetting, SEED_MARK)
    if row is None:
        db.add(AppSetting(name=SEED_MARK, value=value))
    else:
        row.value = value


def seed_unfinished(db: Session) -> bool:
    """True when a DEMO seed began here and never finished (interrupted, crashed): the
    database then holds part of a DEMO year, which must not pass for a seeded office."""
    from itops.db.models import AppSetting

    row = db.get(AppSetting, SEED_MARK)
    return row is not None and row.value.startswith("started")
