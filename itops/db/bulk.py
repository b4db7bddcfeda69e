"""Many rows of one table written in one statement on PostgreSQL, an executemany elsewhere.

psycopg runs an executemany as one pipelined statement per row, and much of that cost is
psycopg's Python per row and PostgreSQL's per-statement work; the agent report writer
writes four such lists per batch. On PostgreSQL a list is sent instead as one JSON
document, read back into rows by ``json_to_recordset`` in one ``UPDATE … FROM`` or
``INSERT … SELECT``. Each value goes through its column type's bind processing first (a
naive time is refused as before), times travel as ISO 8601 with their offset and floats
as their shortest exact repr, so the rows written are the same. SQLite (and a single row,
or a JSON column) keeps the plain executemany.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Table, bindparam, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

__all__ = ["insert_rows", "update_by_key"]


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent in a JSON row")


def _document(
    dialect: Dialect,
    columns: Sequence[Column[Any]],
    names: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> str:
    """The rows as a JSON array of objects keyed by column name, values bind-processed."""
    procs: list[Callable[[Any], Any] | None] = [
        c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns
    ]
    out = []
    for row in rows:
        item = {}
        for column, name, proc in zip(columns, names, procs, strict=True):
            value = row[name]
            item[column.name] = proc(value) if proc is not None else value
        out.append(item)
    return json.dumps(out, ensure_ascii=False, allow_nan=False, default=_iso)


def _recordset(dialect: Dialect, columns: Sequence[Column[Any]], alias: str) -> str:
    quote = dialect.identifier_preparer.quote
    types = ", ".join(f"{quote(c.name)} {c.type.compile(dialect=dialect)}" for c in columns)
    return f"json_to_recordset(CAST(:rows AS json)) AS {alias}({types})"


def _one_statement(dialect: Dialect, columns: Sequence[Column[Any]], rows: Sequence[Any]) -> bool:
    return (
        dialect.name == "postgresql"
        and len(rows) > 1
        and not any(isinstance(c.type, JSON) for c in columns)
    )


def update_by_key(session: Session, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """``UPDATE table SET … WHERE key = …`` for each row: every row has the same keys, the
    key's value under ``b_<key>``, the others under their column names. In one statement
    the rows are locked in the plan's order, not the list's (the agent writer's callers
    hold their hosts' token locks, taken in id order, before any of this)."""
    if not rows:
        return
    bkey = f"b_{key}"
    names = [bkey, *(n for n in rows[0] if n != bkey)]
    columns = [table.c[key], *(table.c[n] for n in names[1:])]
    dialect = session.get_bind().dialect
    update = table.update().where(table.c[key] == bindparam(bkey))
    # A key twice would be updated once, by either row, in one statement: executemany then.
    if not _one_statement(dialect, columns, rows) or len({r[bkey] for r in rows}) < len(rows):
        session.execute(update, rows)
        return
    quote = dialect.identifier_preparer.quote
    sets = ", ".join(f"{quote(c.name)} = v.{quote(c.name)}" for c in columns[1:])
    sql = (
        f"UPDATE {quote(table.name)} AS t SET {sets} "  # noqa: S608 - quoted names, bound values
        f"FROM {_recordset(dialect, columns, 'v')} WHERE t.{quote(key)} = v.{quote(key)}"
    )
    _execute(session, sql, dialect, columns, names, rows, fallback=update)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT INTO table`` the rows (every row has the same keys, column names)."""
    if not rows:
        return
    names = list(rows[0])
    columns = [table.c[n] for n in names]
    dialect = session.get_bind().dialect
    if not _one_statement(dialect, columns, rows):
        session.execute(table.insert(), rows)
        return
    quote = dialect.identifier_preparer.quote
    listed = ", ".join(quote(c.name) for c in columns)
    sql = (
        f"INSERT INTO {quote(table.name)} ({listed}) "  # noqa: S608 - quoted names, bound values
        f"SELECT {listed} FROM {_recordset(dialect, columns, 'v')}"
    )
    _execute(session, sql, dialect, columns, names, rows, fallback=table.insert())


def _execute(
    session: Session,
    sql: str,
    dialect: Dialect,
    columns: Sequence[Column[Any]],
    names: Sequence[str],
    rows: Sequence[dict[str, Any]],
    fallback: Any,
) -> None:
    try:
        document = _document(dialect, columns, names, rows)
    except ValueError:  # a value JSON cannot carry (inf, NaN) or a bad one (a naive time):
        session.execute(fallback, rows)  # the executemany, which stores or refuses it as before
        return
    session.execute(text(sql), {"rows": document})
