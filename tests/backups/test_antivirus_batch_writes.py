"""A batch of antivirus reports writes only what changed of each host's row (issue 17
'agent API'): what is stored afterwards is exactly each host's last report, whether a
column changed, stayed or changed only its type (``1`` → ``True``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from checks.backups import store
from checks.backups.models import AvHost, AvReport
from itops.context import AppContext
from itops.db.session import session_scope
from itops.status import Status


def _input(host: str, at: Any, status: Status = Status.OK, **fields: Any) -> store.AvInput:
    return store.AvInput(
        host=host,
        product="defender",
        status=status,
        summary=f"{host} at {at.isoformat()}",
        at=at,
        signature_updated=at - timedelta(hours=2),
        signature_version="1.421.0.0",
        realtime=True,
        fields={"AntivirusEnabled": True, "AMProductVersion": "4.18", **fields},
    )


def _stored(ctx: AppContext) -> dict[str, dict[str, Any]]:
    with session_scope(ctx.sessions) as db:
        return {
            r.host: {
                "product": r.product,
                "first_seen": r.first_seen,
                "last_report_at": r.last_report_at,
                "status": r.status,
                "summary": r.summary,
                "since": r.since,
                "signature_updated": r.signature_updated,
                "signature_version": r.signature_version,
                "realtime": r.realtime,
                "fields": r.fields,
            }
            for r in db.scalars(select(AvHost))
        }


def test_a_batch_stores_each_hosts_last_report_whole(ctx: AppContext) -> None:
    t0 = ctx.clock.now()
    t1, t2 = t0 + timedelta(minutes=5), t0 + timedelta(minutes=10)
    first = [
        _input("pc-same", t0),
        _input("pc-fields", t0, Extra=1),
        _input("pc-type", t0, Extra=1),
        _input("pc-status", t0),
        _input("pc-twice", t0),
    ]
    with session_scope(ctx.sessions) as db:
        store.record_av_many(db, first)
    second = [
        _input("pc-same", t1),
        _input("pc-fields", t1, Extra=2, More="x"),
        _input("pc-type", t1, Extra=True),  # equal to 1 in Python, not in the stored JSON
        _input("pc-status", t1, Status.CRITICAL, AntivirusEnabled=False),
        _input("pc-twice", t1, Status.WARNING),
        _input("pc-twice", t2),  # back to OK within the batch: since stays the first
        _input("pc-new", t2),
    ]
    with session_scope(ctx.sessions) as db:
        snaps, _ = store.record_av_many(db, second)
    rows = _stored(ctx)
    last = {i.host: i for i in second}
    for host, report in last.items():
        row = rows[host]
        assert row["last_report_at"] == report.at, host
        assert row["summary"] == report.summary, host
        assert row["status"] == int(report.status), host
        assert row["signature_updated"] == report.signature_updated, host
        assert row["fields"] == report.fields, host
        assert list(row["fields"]) == list(report.fields), host
        for key, value in report.fields.items():
            assert type(row["fields"][key]) is type(value), (host, key)
    assert rows["pc-type"]["fields"]["Extra"] is True
    assert rows["pc-same"]["since"] == t0
    assert rows["pc-status"]["since"] == t1
    assert rows["pc-twice"]["since"] == t2  # OK → WARNING → OK: a change, then another
    assert rows["pc-new"]["first_seen"] == rows["pc-new"]["since"] == t2
    assert {r.host for r in snaps} == set(last)
    assert [s.summary for s in snaps if s.host == "pc-same"][0].code  # read back as a summary
    with session_scope(ctx.sessions) as db:
        history = db.scalars(select(AvReport.host).order_by(AvReport.id)).all()
    assert len(history) == len(first) + len(second)


def test_an_older_report_arriving_late_changes_nothing_of_the_state(ctx: AppContext) -> None:
    t0 = ctx.clock.now()
    with session_scope(ctx.sessions) as db:
        store.record_av_many(db, [_input("pc-late", t0, Extra="new")])
    before = _stored(ctx)
    with session_scope(ctx.sessions) as db:
        store.record_av_many(
            db, [_input("pc-late", t0 - timedelta(hours=1), Status.CRITICAL, Extra="old")]
        )
    assert _stored(ctx) == before
