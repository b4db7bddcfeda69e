"""``itops.db.bulk`` writes the rows an executemany writes (issue 17 'agent API'): on
PostgreSQL as arrays unnest-ed by one statement, on SQLite as the executemany itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, select

from checks.backups.models import AvHost, AvReport
from itops.context import AppContext
from itops.db.bulk import insert_rows, update_by_key
from itops.db.session import session_scope

HOSTS: Table = AvHost.__table__  # type: ignore[assignment]
REPORTS: Table = AvReport.__table__  # type: ignore[assignment]
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _host(name: str, **values: Any) -> dict[str, Any]:
    return {
        "host": name,
        "product": "defender",
        "first_seen": T0,
        "last_report_at": T0,
        "status": 0,
        "summary": "ok",
        "since": T0,
        "signature_updated": None,
        "signature_version": None,
        "realtime": None,
        "fields": {"a": 1},
        **values,
    }


def _rows(ctx: AppContext, table: Table, order: Any) -> list[dict[str, Any]]:
    with session_scope(ctx.sessions) as db:
        return [dict(r._mapping) for r in db.execute(select(table).order_by(order))]


@pytest.mark.parametrize("count", [1, 3])
def test_rows_inserted_and_updated_as_an_executemany_would(ctx: AppContext, count: int) -> None:
    names = [f"pc-{i}" for i in range(count)]
    with session_scope(ctx.sessions) as db:
        insert_rows(db, HOSTS, [_host(n) for n in names])
        insert_rows(
            db,
            REPORTS,
            [
                {
                    "host": n,
                    "product": "defender",
                    "reported_at": T0 + timedelta(seconds=i),
                    "status": i,
                    "summary": f'"{n}" – ł, {{x}}',
                    "signature_age": None if i else 1.5,
                    "realtime": bool(i % 2) if i else None,
                }
                for i, n in enumerate(names)
            ],
        )
    later = T0 + timedelta(hours=1)
    with session_scope(ctx.sessions) as db:
        update_by_key(
            db,
            HOSTS,
            "host",
            [
                {"b_host": n, "last_report_at": later + timedelta(minutes=i), "summary": f"s{i}"}
                for i, n in enumerate(reversed(names))
            ],
        )
        update_by_key(db, HOSTS, "host", [{"b_host": names[0], "fields": {"b": [1, 2]}}])
        update_by_key(db, HOSTS, "host", [])
    hosts = _rows(ctx, HOSTS, HOSTS.c.host)
    expected = [
        _host(
            n,
            last_report_at=later + timedelta(minutes=count - 1 - i),
            summary=f"s{count - 1 - i}",
            fields={"b": [1, 2]} if i == 0 else {"a": 1},
        )
        for i, n in enumerate(names)
    ]
    assert hosts == expected
    reports = _rows(ctx, REPORTS, REPORTS.c.id)
    assert [(r["host"], r["reported_at"], r["status"]) for r in reports] == [
        (n, T0 + timedelta(seconds=i), i) for i, n in enumerate(names)
    ]
    assert reports[0]["summary"] == '"pc-0" – ł, {x}'
    assert [r["signature_age"] for r in reports] == [1.5] + [None] * (count - 1)
    assert [r["realtime"] for r in reports] == [None] + [bool(i % 2) for i in range(1, count)]


def test_a_naive_time_is_refused_as_before(ctx: AppContext) -> None:
    row = {"host": "pc-a", "product": "x", "status": 0, "summary": "", "reported_at": T0}
    naive = {**row, "reported_at": T0.replace(tzinfo=None)}
    with pytest.raises(Exception, match="naive"), session_scope(ctx.sessions) as db:
        insert_rows(db, REPORTS, [row, naive])


def test_a_value_json_cannot_carry_is_written_by_the_executemany(ctx: AppContext) -> None:
    row = {"host": "pc-a", "product": "x", "status": 0, "summary": "", "reported_at": T0}
    with session_scope(ctx.sessions) as db:
        insert_rows(
            db, REPORTS, [{**row, "signature_age": float("inf")}, {**row, "signature_age": None}]
        )
    ages = [r["signature_age"] for r in _rows(ctx, REPORTS, REPORTS.c.id)]
    assert ages == [float("inf"), None]


def test_a_key_twice_is_updated_in_order(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        insert_rows(db, HOSTS, [_host("pc-a"), _host("pc-b")])
    with session_scope(ctx.sessions) as db:
        update_by_key(
            db, HOSTS, "host", [{"b_host": "pc-a", "summary": s} for s in ("first", "last")]
        )
    assert [r["summary"] for r in _rows(ctx, HOSTS, HOSTS.c.host)] == ["last", "ok"]
