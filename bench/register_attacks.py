"""§82 register: run every attack of issue 14 against a real database and count the catches.

Run: .venv/bin/python bench/register_attacks.py [POSTGRESQL_ADMIN_URL]
Each attack gets a fresh, migrated database (a temporary SQLite file, and with the URL a
new PostgreSQL database with a real SELECT/INSERT/DELETE attacker role) and the office's
signed register; it prints what the database refused and what ``verify`` found, then
"register attacks tried and caught: N of M". Prints figures; exits 1 if any got through.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.register

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from inventory.register.signing import create_key_file  # noqa: E402
from itops.clock import FixedClock  # noqa: E402
from itops.config import validate  # noqa: E402
from itops.context import AppContext  # noqa: E402
from itops.daemon import sync_units  # noqa: E402
from itops.db.session import make_engine, make_sessionmaker, upgrade  # noqa: E402
from tests.register import attacks  # noqa: E402
from tests.register.conftest import make_office  # noqa: E402

OFFICE = {"name": "Urząd Testowy (DEMO)", "timezone": "Europe/Warsaw", "holidays": "PL"}


@contextmanager
def _database(admin_url: str | None, tmp: Path) -> Iterator[tuple[str, Engine]]:
    """A migrated database URL and an attacker engine (SQLite: the file itself)."""
    if admin_url is None:
        url = f"sqlite:///{tmp / f'{uuid.uuid4().hex}.db'}"
        upgrade(url)
        sql = make_engine(url)
        yield url, sql
        sql.dispose()
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name, role = f"itops_atk_{uuid.uuid4().hex[:10]}", f"attacker_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    owner = create_engine(url)
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
        conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    sql = make_engine(make_url(url).set(username=role).render_as_string(hide_password=False))
    try:
        yield url, sql
    finally:
        sql.dispose()
        with owner.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
        owner.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def _attack(
    admin_url: str | None, tmp: Path, attack: Callable[[attacks.Scene], list[attacks.Outcome]]
) -> list[attacks.Outcome]:
    with _database(admin_url, tmp) as (url, sql):
        key = tmp / f"{uuid.uuid4().hex}.key"
        create_key_file(key)
        settings = validate(
            {
                "office": OFFICE,
                "storage": {"url": url},
                "employee_monitoring": {"signing_key_file": str(key)},
            }
        )
        engine = make_engine(url)
        ctx = AppContext(
            settings=settings,
            config_path=tmp / "itops.toml",
            engine=engine,
            sessions=make_sessionmaker(engine),
            clock=FixedClock(datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
        )
        try:
            sync_units(ctx)
            scene = attacks.seed(make_office(ctx, ctx.clock))  # type: ignore[arg-type]
            scene.sql = sql
            return attack(scene)
        finally:
            engine.dispose()


def run_all(admin_url: str | None, say: Callable[[str], None] = print) -> tuple[int, int]:
    """Every attack on SQLite (and PostgreSQL with ``admin_url``): (tried, caught)."""
    tried = caught = 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in [("sqlite", None), *([("postgresql", admin_url)] if admin_url else [])]:
            for attack in attacks.ATTACKS:
                for outcome in _attack(url, Path(tmp), attack):
                    tried += 1
                    caught += outcome.stopped
                    say(f"{label}: {'CAUGHT' if outcome.stopped else 'MISSED'} {outcome.line()}")
    return tried, caught


def main() -> None:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    tried, caught = run_all(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"register attacks tried and caught: {caught} of {tried}")
    sys.exit(0 if caught == tried else 1)


if __name__ == "__main__":
    main()
