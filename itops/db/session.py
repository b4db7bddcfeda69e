"""Engines, sessions and the schema-revision guard.

SQLite gets WAL (readers never block the writer), ``busy_timeout`` (a second writer
waits instead of failing with "database is locked") and ``foreign_keys`` per
connection, because SQLite forgets pragmas between connections.

Two kinds of transaction, chosen by the caller:

- ``session_scope``: a write. On SQLite it starts with ``BEGIN IMMEDIATE``, taking the
  write lock up front, so a transaction that reads and then writes never fails half-way
  with SQLITE_BUSY when another writer committed in between.
- ``read_scope``: a read. A deferred ``BEGIN`` on SQLite, which in WAL mode never waits
  for the write lock (a page renders while a long import holds it); flushing a change
  in it raises ``StorageError``. PostgreSQL runs both the same way.

A web request sets ``lock_wait`` (``request_lock_wait``) so that its writes wait for
another writer's lock only briefly and then fail with "database is locked" (answered
503, nothing written) instead of holding a client for the whole ``busy_timeout``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm import UOWTransaction as _UOWTransaction

from itops.errors import StorageError

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_OPTION = "itops_read"
_REVISION_LINE = re.compile(r"^(revision|down_revision) = (.+)$", re.MULTILINE)

# How long (ms) a write in the current context waits for SQLite's write lock; None: the
# engine's busy_timeout. Context variables follow a request into its worker threads.
lock_wait: ContextVar[int | None] = ContextVar("itops_lock_wait", default=None)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the per-backend settings itops relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Request threads (40 in Starlette's pool) and the agent report writer share the
    # pool: SQLAlchemy's default of 5 + 10 made threads queue for a connection.
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 40)
    return create_engine(url, **kwargs)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None: another backend, or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def require_database(url: str) -> None:
    """Refuse a SQLite database file that does not exist, before anything opens it.

    Why: SQLite creates a missing file on connect, so a command pointed at the wrong
    path (``/var/lib/itops/itops.db`` instead of ``./var/itops.db``) would leave an
    empty database behind and then call it empty. Only ``itops db upgrade`` (and
    ``make run`` through it) creates the database.
    """
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise StorageError(
            f"no database file at {path} ([storage] url, or ITOPS_DATABASE_URL); "
            "create it with `itops db upgrade` (or `make run`), or point the config at "
            "the existing one"
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's lower() folds only ASCII: "casefold(x)" folds "Ł" too, as PostgreSQL's
    # lower() does under a UTF-8 locale (searches of Polish text; see ``folded``).
    dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)


def _casefold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def folded(column: Any, dialect: str) -> Any:
    """``column`` case-folded in SQL on either engine, for ``.contains(text.casefold())``."""
    return func.casefold(column) if dialect == "sqlite" else func.lower(column)


def _sqlite_begin(connection: Any) -> None:
    wait = lock_wait.get()
    connection.exec_driver_sql(
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS if wait is None else int(wait)}"
    )
    if connection.get_execution_options().get(READ_OPTION):
        # Deferred: a WAL reader takes no lock a writer holds, and waits for none.
        connection.exec_driver_sql("BEGIN")
        return
    # BEGIN IMMEDIATE takes the write lock up front, so busy_timeout applies and a
    # reader-turned-writer never fails with SQLITE_BUSY in the middle of a transaction.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One short write transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One read transaction (deferred on SQLite: it never waits for the write lock).

    Flushing a change raises ``StorageError``: a write belongs in ``session_scope``.
    """
    session = factory()
    session.info[READ_OPTION] = True
    try:
        session.connection(execution_options={READ_OPTION: True})
        yield session
        if session.new or session.dirty or session.deleted:
            raise StorageError("a change was made in a read-only transaction (read_scope)")
    finally:
        # close, not rollback: its transaction ends all the same, and the objects read
        # keep their loaded state (a rollback would expire them), as after a commit here
        session.close()


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_reads(session: Session, _flush: _UOWTransaction, _instances: Any) -> None:
    if session.info.get(READ_OPTION) and (session.new or session.dirty or session.deleted):
        raise StorageError("a change was flushed in a read-only transaction (read_scope)")


PRUNE_BATCH = 2000  # rows per transaction when pruning: each holds SQLite's write lock briefly


def delete_in_batches(
    factory: sessionmaker[Session],
    id_column: Any,
    condition: Any,
    batch: int = PRUNE_BATCH,
) -> int:
    """Delete the rows matching ``condition`` in transactions of at most ``batch`` rows.

    Why: one ``DELETE`` of 15,000 raw results at a first start held SQLite's write lock
    long enough for the other jobs to fail with "database is locked"; between two
    batches every other writer gets its turn. Returns the number of rows deleted.
    """
    from sqlalchemy import delete, select

    table = id_column.class_
    total = 0
    while True:
        with session_scope(factory) as db:
            ids = list(db.scalars(select(id_column).where(condition).limit(batch)))
            if ids:
                db.execute(
                    delete(table)
                    .where(id_column.in_(ids))
                    .execution_options(synchronize_session=False)
                )
        total += len(ids)
        if len(ids) < batch:
            return total


def transient_problem(exc: BaseException) -> str | None:
    """The first line of a database error that a retry can cure (locked, unreachable).

    SQLAlchemy's ``OperationalError`` (SQLite "database is locked", a PostgreSQL
    restart) anywhere in the chain of causes; None for anything else (a bug, bad data).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OperationalError):
            return str(current.orig or current).strip().splitlines()[0]
        current = current.__cause__ or current.__context__
    return None


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    if len(heads) != 1:
        raise StorageError(f"migrations have {len(heads)} heads; expected exactly one")
    return str(heads[0])


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise StorageError(f"cannot open the database: {exc.orig}") from None


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (``itops db upgrade``)."""
    from alembic import command

    make_engine(url).dispose()  # creates the SQLite directory if needed
    try:
        command.upgrade(alembic_config(url), revision)
    except SQLAlchemyError as exc:
        raise StorageError(f"migration failed: {exc}") from None


def script_heads() -> set[str]:
    """The head revisions read straight from the migration files (no alembic import).

    Why: importing alembic costs most of a short command's start-up (``itops kpi``);
    ``ensure_current`` only needs to know whether the database is at the head. A test
    holds this equal to alembic's own answer.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"]))
        down = ast.literal_eval(found.get("down_revision", "None"))
        parents.update((down,) if isinstance(down, str) else down or ())
    return revisions - parents


def stored_revision(engine: Engine) -> str | None:
    """The revision in ``alembic_version`` (None: no itops schema), read with plain SQL."""
    try:
        with engine.connect().execution_options(**{READ_OPTION: True}) as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except OperationalError as exc:
        raise StorageError(f"cannot open the database: {exc.orig}") from None
    return str(rows[0][0]) if len(rows) == 1 else None


def ensure_current(engine: Engine) -> None:
    """Refuse to run on a database below the code's schema, naming the fixing command."""
    current = stored_revision(engine)
    if current is not None and script_heads() == {current}:
        return
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None:
        raise StorageError(
            "the database has no itops schema yet; run `itops db upgrade` (or `make run`)"
        )
    raise StorageError(
        f"the database schema is at revision {current}, the code needs {head}; "
        "run `itops db upgrade`"
    )


def ping(engine: Engine) -> str | None:
    """None when the database answers a trivial query, else the reason."""
    try:
        with engine.connect().execution_options(**{READ_OPTION: True}) as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return None
