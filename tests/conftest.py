"""Shared fixtures: a fresh migrated database per test on SQLite and PostgreSQL.

Storage tests take the ``db_url`` (or ``ctx``) fixture and run once per engine.
PostgreSQL comes from ``ITOPS_TEST_DATABASE_URL`` (a server where we may CREATE
DATABASE); each test gets a database cloned from a migrated template, emptied again
for the next test of the same worker, so parallel runs never share tables. Without the
variable the PostgreSQL half is skipped locally but fails under CI (``CI`` set): a
missing server must never pass silently.
"""

from __future__ import annotations

import gc
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from itops.clock import FixedClock
from itops.config import Settings, validate
from itops.context import AppContext
from itops.db.session import make_engine, make_sessionmaker, upgrade

# A database call on the event loop during a request is an error in every test (and in
# every daemon a test starts, which inherits the variable): see itops/web/offloop.py.
os.environ["ITOPS_STRICT_EVENT_LOOP"] = "1"

PG_ENV = "ITOPS_TEST_DATABASE_URL"
ENGINES = ["sqlite", "postgresql"]

MINIMAL_OFFICE: dict[str, Any] = {
    "name": "Urząd Testowy w Przykładowie",
    "timezone": "Europe/Warsaw",
    "holidays": "PL",
    "extra_days_off": ["2026-08-14", "2026-12-28"],
    "hours": {
        "monday": ["08:00-16:00"],
        "tuesday": ["07:30-15:30"],
        "wednesday": ["07:30-15:30"],
        "thursday": ["07:30-15:30"],
        "friday": ["07:30-15:30"],
    },
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def without_root_reads(argv: list[str]) -> list[str]:
    """``argv`` run without root's power to read any file (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH dropped by util-linux ``setpriv``), so a mode-000 file or
    directory is unreadable even when the suite runs as root, as CI does."""
    if os.geteuid() != 0:
        return argv
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *argv]


def _pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set under CI: PostgreSQL tests must run")
        pytest.skip(f"{PG_ENV} not set: PostgreSQL half skipped (CI requires it)")
    return url


# What a reused database must still look like: its schema, privileges, triggers and
# functions, and the migration it is at. A test that changed any of it (a role granted,
# a trigger dropped) gets its database thrown away instead of reused.
_PG_FINGERPRINT = """
SELECT md5(string_agg(line, E'\\n' ORDER BY line)) FROM (
  SELECT format('rel %s %s %s', c.relname, c.relkind, c.relacl) AS line
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('att %s.%s %s %s %s', c.relname, a.attname, a.atttypid, a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('con %s %s', conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('idx %s', pg_get_indexdef(indexrelid)) FROM pg_index
   WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
  UNION ALL
  SELECT format('trg %s %s %s', tgname, tgenabled, pg_get_triggerdef(oid)) FROM pg_trigger
   WHERE NOT tgisinternal
  UNION ALL
  SELECT format('fn %s %s', proname, md5(prosrc)) FROM pg_proc
   WHERE pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('nsp %s %s', nspname, nspacl) FROM pg_namespace
   WHERE nspname !~ '^pg_(toast_)?temp_'
  UNION ALL
  SELECT format('db %s', datacl) FROM pg_database WHERE datname = current_database()
  UNION ALL
  SELECT format('set %s', setconfig) FROM pg_db_role_setting
   WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  UNION ALL
  SELECT format('ver %s', version_num) FROM alembic_version
) AS lines
"""


# The tables a test wrote to (any row left), with their size on disk.
_PG_USED_TABLES = """
SELECT format('%I', c.relname), pg_relation_size(c.oid)
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
   AND c.relname <> 'alembic_version'
   AND (xpath('//row/n/text()',
        query_to_xml(format('SELECT 1 AS n FROM %I LIMIT 1', c.relname), false, false, '')
       ))[1] IS NOT NULL
"""

# Every sequence a test drew from starts again where the template's does.
_PG_RESET_SEQUENCES = """
SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)
  FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL
"""


class _PgTemplates:
    """One migrated template database per test session (and worker); a database per test.

    A test's database is a clone of the template, emptied and reused by the next test
    of the same worker: PostgreSQL's DROP DATABASE waits for a checkpoint and CREATE
    DATABASE copies the template through the WAL, 1-3 s each on a loaded machine, a
    third of the suite's time when every test made and dropped its own.
    """

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.template = f"itops_tpl_{uuid.uuid4().hex[:12]}"
        self.clones: list[str] = []
        self.free: list[str] = []
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        upgrade(self.url_for(self.template))
        self.fingerprint = self._fingerprint(self.template)

    def url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def clone(self) -> str:
        name = f"itops_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.clones.append(name)
        return self.url_for(name)

    def take(self) -> str:
        """A migrated database with no rows: an emptied one of an earlier test, or a clone."""
        if self.free:
            return self.url_for(self.free.pop())
        return self.clone()

    def give_back(self, url: str) -> None:
        """Empty the test's database for the next test, or drop it if it cannot be trusted
        to be the template again (schema, privileges or triggers changed, rows stuck)."""
        name = make_url(url).database or ""
        if name not in self.clones:
            return  # the test dropped it itself
        if self._reset(name):
            self.free.append(name)
        else:
            self.drop(name)
            self.clones.remove(name)

    def _reset(self, name: str) -> bool:
        with self.admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        engine = create_engine(self.url_for(name))
        try:
            with engine.begin() as conn:
                conn.execute(text("SET lock_timeout = '5s'"))
                conn.execute(text("SET synchronous_commit = off"))
                # The register's append-only triggers and the foreign keys fire on origin only.
                conn.execute(text("SET session_replication_role = replica"))
                for table, size in conn.execute(text(_PG_USED_TABLES)).all():
                    # DELETE leaves small tables as they were; a big one is truncated so the
                    # next test does not scan its dead rows. TRUNCATE makes new files and
                    # costs more than a DELETE of a few rows, so it is kept for those.
                    verb = "TRUNCATE" if size > 1 << 20 else "DELETE FROM"
                    conn.execute(text(f"{verb} {table}"))
                conn.execute(text(_PG_RESET_SEQUENCES))
            return self._fingerprint(name, engine) == self.fingerprint
        except Exception:
            return False
        finally:
            engine.dispose()

    def _fingerprint(self, name: str, engine: Any = None) -> str:
        own = engine is None
        engine = engine or create_engine(self.url_for(name))
        try:
            with engine.connect() as conn:
                return str(conn.scalar(text(_PG_FINGERPRINT)))
        finally:
            if own:
                engine.dispose()

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        for name in [*self.clones, self.template]:
            self.drop(name)
        self.admin.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.engine("sqlite")``: a test of one engine's own mechanism (SQLite's
    write lock, PostgreSQL's roles) is not collected for the other engine at all, instead
    of being reported as skipped there (a skip in CI would look like a missing server)."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("engine")
        callspec = getattr(item, "callspec", None)
        engines = {v for v in callspec.params.values() if v in ENGINES} if callspec else set()
        if marker is not None and engines and marker.args[0] not in engines:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection imported: the per-test collection then scans only new objects.

    A full collection of the imported libraries costs ~90 ms; over 1,300 tests that was
    two minutes of the suite.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _collect_garbage() -> Iterator[None]:
    """Collect after every test, so a leaked connection is blamed on the test that leaked it.

    What survives is frozen: the next test's collection scans only what that test made.
    Without the freeze each collection walked the whole grown heap (~250,000 objects
    after a few hundred tests), about a fifth of the suite's time.
    """
    yield
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def _pg_templates() -> Iterator[_PgTemplates]:
    templates = _PgTemplates(_pg_admin_url())
    yield templates
    templates.close()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "itops.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database on each engine."""
    if request.param == "sqlite":
        target = tmp_path / "itops.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    templates: _PgTemplates = request.getfixturevalue("_pg_templates")
    url = templates.take()
    yield url
    templates.give_back(url)


@pytest.fixture(params=ENGINES)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database with no schema at all, on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    templates: _PgTemplates = request.getfixturevalue("_pg_templates")
    name = f"itops_e_{uuid.uuid4().hex[:12]}"
    with templates.admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield templates.url_for(name)
    templates.drop(name)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))


def make_settings(db_url: str, **sections: Any) -> Settings:
    data: dict[str, Any] = {"office": dict(MINIMAL_OFFICE), "storage": {"url": db_url}}
    data.update(sections)
    return validate(data)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


@pytest.fixture
def ctx(settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[AppContext]:
    """An AppContext on a fresh database of each engine, with a fixed clock."""
    engine = make_engine(settings.storage.url)
    app = AppContext(
        settings=settings,
        config_path=tmp_path / "itops.toml",
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=clock,
    )
    from itops.daemon import sync_units

    sync_units(app)
    yield app
    # A test (or the code under test) that keeps a session or connection open fails
    # here, at teardown: in the daemon that connection would be held for ever.
    from tests.fakes import dispose_checked

    dispose_checked(engine)


def write_config(path: Path, db_url: str, port: int | None = None, extra: str = "") -> Path:
    """A minimal valid TOML config file (office + storage + web)."""
    hours = "\n".join(f"{d} = {r!r}".replace("'", '"') for d, r in MINIMAL_OFFICE["hours"].items())
    path.write_text(
        f"""[office]
name = "{MINIMAL_OFFICE["name"]}"
timezone = "Europe/Warsaw"
holidays = "PL"
extra_days_off = ["2026-08-14", "2026-12-28"]
[office.hours]
{hours}

[storage]
url = "{db_url}"

[web]
bind = "127.0.0.1:{port or free_port()}"
{extra}
""",
        encoding="utf-8",
    )
    return path
