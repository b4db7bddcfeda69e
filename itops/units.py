"""The office and its organisational units, mirrored from config into ``org_unit``.

Every process that opens the database brings the table up to date (the daemon at start
and reload, a CLI command when it opens the database, ``itops db upgrade``), so a
CLI-first setup sees the configured units without a daemon having run.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from itops.config import Settings
from itops.db.models import OrgUnit
from itops.db.session import read_scope, session_scope


def sync_units(sessions: sessionmaker[Session], settings: Settings) -> bool:
    """Add the configured units that are missing and rename changed ones; whether it wrote.

    Read first, write only on a difference: a read-only command (``itops kpi``) takes no
    write lock when the table is already current. Units removed from the config stay
    (assets, outages and checks of past years still name them).
    """
    wanted = settings.unit_names()
    with read_scope(sessions) as db:
        stored = {row.id: row.name for row in db.scalars(select(OrgUnit))}
    if all(stored.get(unit_id) == name for unit_id, name in wanted.items()):
        return False
    with session_scope(sessions) as db:
        for unit_id, name in wanted.items():
            row = db.get(OrgUnit, unit_id)
            if row is None:
                db.add(OrgUnit(id=unit_id, name=name))
            elif row.name != name:
                row.name = name
    return True
