"""The single writer of agent reports: batches, all-or-nothing per report, answers after
commit, and safety when two itops processes share one database."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from checks.backups.models import AvHost, AvReport
from inventory.api import create_token, hash_token, report_parts
from inventory.intake import Received, Refused, StoredReport, parse_parts
from inventory.models import AgentToken, Asset, AssetEvent, AssetMac
from inventory.payload import AgentReport, parse_report
from inventory.writer import ReportWriter
from itops.context import AppContext
from itops.db.session import make_engine, make_sessionmaker, session_scope
from itops.report_parts import AfterCommit, PartItem, PartRefused


def report(
    host: str, now: datetime, mac: str = "", serial: str = "", antivirus: bool = True
) -> AgentReport:
    data: dict[str, Any] = {
        "hostname": host,
        "collected_at": (now - timedelta(minutes=1)).isoformat(),
        "hardware": {"serial": serial or f"SN-{host}"},
        "memory_bytes": 8 * 1024**3,
        "nics": [{"name": "eth0", "mac": mac}] if mac else [],
    }
    if antivirus:
        data["antivirus"] = {
            "AMServiceEnabled": True,
            "AntivirusEnabled": True,
            "RealTimeProtectionEnabled": True,
            "AntivirusSignatureLastUpdated": (now - timedelta(hours=2)).isoformat(),
        }
    import json

    return parse_report(json.dumps(data).encode(), now)


def received(
    ctx: AppContext,
    rep: AgentReport,
    token: str | None = None,
    parts: Mapping[str, Any] | None = None,
) -> Received:
    now = ctx.clock.now()
    token_id = None
    if token is not None:
        with session_scope(ctx.sessions) as db:
            token_id = db.scalar(
                select(AgentToken.id).where(AgentToken.token_sha256 == hash_token(token))
            )
    return Received(
        rep,
        now,
        token_id,
        hash_token(token) if token else None,
        parse_parts(rep, parts if parts is not None else report_parts(ctx), now),
    )


def count(ctx: AppContext, model: type) -> int:
    with session_scope(ctx.sessions) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


class Gate:
    """A report part that makes the writer wait (so reports queue into one batch) and can
    refuse to store one host's part (a storage failure inside the transaction)."""

    key = "antivirus"

    def __init__(self, inner: Any, failing_host: str = "") -> None:
        self.inner, self.failing_host = inner, failing_host
        self.release = threading.Event()
        self.entered = threading.Event()
        self.batches: list[list[str]] = []

    def parse(self, value: Mapping[str, Any], now: datetime) -> Any:
        return self.inner.parse(value, now)

    def store(self, session: Any, items: Sequence[PartItem[Any]]) -> AfterCommit:
        self.batches.append([i.host for i in items])
        self.entered.set()
        self.release.wait(10)
        if any(i.host == self.failing_host for i in items):
            raise PartRefused([("", "simulated storage failure")])
        result: AfterCommit = self.inner.store(session, items)
        return result


def _wait(futures: list[Future[Any]]) -> list[Any]:
    return [
        f.result(timeout=30) if f.exception(timeout=30) is None else f.exception() for f in futures
    ]


def test_a_failing_report_in_a_batch_fails_alone_and_writes_nothing_of_itself(
    ctx: AppContext,
) -> None:
    gate = Gate(report_parts(ctx)["antivirus"], failing_host="pc-bad")
    writer = ReportWriter(ctx, {"antivirus": gate})
    now = ctx.clock.now()
    first = writer.submit(received(ctx, report("pc-first", now), parts={"antivirus": gate}))
    assert gate.entered.wait(10)  # the writer is inside the first batch; the next queue up
    queued = [
        writer.submit(received(ctx, report(h, now), parts={"antivirus": gate}))
        for h in ("pc-a", "pc-bad", "pc-b")
    ]
    gate.release.set()
    outcomes = _wait([first, *queued])
    assert ["pc-a", "pc-bad", "pc-b"] in gate.batches, gate.batches  # one batch of three
    assert isinstance(outcomes[0], StoredReport)
    assert isinstance(outcomes[1], StoredReport) and isinstance(outcomes[3], StoredReport)
    assert isinstance(outcomes[2], PartRefused), outcomes[2]
    with session_scope(ctx.sessions) as db:
        hosts = set(db.scalars(select(Asset.hostname)))
        av = set(db.scalars(select(AvHost.host)))
    assert hosts == {"pc-first", "pc-a", "pc-b"}  # nothing of pc-bad, not even its asset
    assert av == {"pc-first", "pc-a", "pc-b"}
    assert count(ctx, AvReport) == 3


def test_each_report_is_answered_only_after_its_commit(ctx: AppContext) -> None:
    gate = Gate(report_parts(ctx)["antivirus"])
    writer = ReportWriter(ctx, {"antivirus": gate})
    future = writer.submit(
        received(ctx, report("pc-one", ctx.clock.now()), parts={"antivirus": gate})
    )
    assert gate.entered.wait(10)
    assert not future.done()  # inside the transaction: no answer yet
    gate.release.set()
    outcome = future.result(timeout=30)
    assert isinstance(outcome, StoredReport)
    with session_scope(ctx.sessions) as db:  # a new session sees it: it was committed
        assert db.get(Asset, outcome.asset_id) is not None
        assert db.get(AvHost, "pc-one") is not None


def test_concurrent_reports_share_transactions(ctx: AppContext) -> None:
    gate = Gate(report_parts(ctx)["antivirus"])
    writer = ReportWriter(ctx, {"antivirus": gate})
    now = ctx.clock.now()
    first = writer.submit(received(ctx, report("pc-000", now), parts={"antivirus": gate}))
    assert gate.entered.wait(10)
    rest = [
        writer.submit(received(ctx, report(f"pc-{i:03d}", now), parts={"antivirus": gate}))
        for i in range(1, 60)
    ]
    gate.release.set()
    assert all(isinstance(o, StoredReport) for o in _wait([first, *rest]))
    assert writer.batches == 2 and writer.largest_batch == 59
    assert count(ctx, Asset) == 60 and count(ctx, AvHost) == 60


def test_a_token_revoked_after_the_gate_is_refused_in_the_transaction(
    ctx: AppContext,
) -> None:
    with session_scope(ctx.sessions) as db:
        token = create_token(db, "pc-revoked", ctx.clock.now())
    item = received(ctx, report("pc-revoked", ctx.clock.now()), token)
    with session_scope(ctx.sessions) as db:
        db.scalars(select(AgentToken)).one().revoked = True
    outcome = ReportWriter(ctx, report_parts(ctx)).submit(item).result(timeout=30)
    assert outcome == Refused(401, "unknown or revoked agent token")
    assert count(ctx, Asset) == 0 and count(ctx, AvHost) == 0


def test_a_replaced_token_is_refused_in_the_transaction(ctx: AppContext) -> None:
    with session_scope(ctx.sessions) as db:
        old = create_token(db, "pc-rotated", ctx.clock.now())
    item = received(ctx, report("pc-rotated", ctx.clock.now()), old)
    with session_scope(ctx.sessions) as db:
        create_token(db, "pc-rotated", ctx.clock.now())  # same row, new hash
    outcome = ReportWriter(ctx, report_parts(ctx)).submit(item).result(timeout=30)
    assert isinstance(outcome, Refused) and outcome.status == 401
    assert count(ctx, Asset) == 0


def test_two_reports_with_one_mac_in_one_batch_store_the_mac_once(ctx: AppContext) -> None:
    gate = Gate(report_parts(ctx)["antivirus"])
    writer = ReportWriter(ctx, {"antivirus": gate})
    now = ctx.clock.now()
    first = writer.submit(received(ctx, report("pc-x", now), parts={"antivirus": gate}))
    assert gate.entered.wait(10)
    # Cloned virtual machines: other serials, one MAC. The second matches the first's
    # asset, discovered in the same batch (serial, then UUID, then MAC), and the MAC row
    # is inserted once, not twice (its primary key would refuse the whole batch).
    a = writer.submit(
        received(
            ctx,
            report("pc-clone-1", now, mac="02:00:00:00:00:01", serial="SN-C1"),
            parts={"antivirus": gate},
        )
    )
    b = writer.submit(
        received(
            ctx,
            report("pc-clone-2", now, mac="02:00:00:00:00:01", serial="SN-C2"),
            parts={"antivirus": gate},
        )
    )
    gate.release.set()
    outcomes = _wait([first, a, b])
    assert all(isinstance(o, StoredReport) for o in outcomes), outcomes
    assert outcomes[1].asset_id == outcomes[2].asset_id  # matched by the shared MAC
    assert count(ctx, AssetMac) == 1


def test_a_repeated_report_in_one_batch_discovers_its_host_once(ctx: AppContext) -> None:
    gate = Gate(report_parts(ctx)["antivirus"])
    writer = ReportWriter(ctx, {"antivirus": gate})
    now = ctx.clock.now()
    first = writer.submit(received(ctx, report("pc-first", now), parts={"antivirus": gate}))
    assert gate.entered.wait(10)
    twice = [
        writer.submit(received(ctx, report("pc-twice", now), parts={"antivirus": gate}))
        for _ in range(2)
    ]
    gate.release.set()
    one, two = _wait(twice)
    assert (one.discovered, two.discovered) == (True, False)
    assert one.asset_id == two.asset_id
    _wait([first])
    with session_scope(ctx.sessions) as db:
        kinds = list(db.scalars(select(AssetEvent.kind).where(AssetEvent.asset_id == one.asset_id)))
    assert kinds == ["discovered"]


@pytest.mark.parametrize("rounds", [4])
def test_two_itops_processes_on_one_database_never_discover_a_host_twice(
    ctx: AppContext, rounds: int
) -> None:
    """Two writers with engines of their own (two nodes): the token row lock, not this
    process's memory, keeps one host from being discovered twice."""
    other_engine = make_engine(ctx.settings.storage.url)
    other = AppContext(
        settings=ctx.settings,
        config_path=ctx.config_path,
        engine=other_engine,
        sessions=make_sessionmaker(other_engine),
        clock=ctx.clock,
    )
    try:
        writers = [ReportWriter(ctx, report_parts(ctx)), ReportWriter(other, report_parts(other))]
        for n in range(rounds):
            host = f"pc-race-{n}"
            with session_scope(ctx.sessions) as db:
                token = create_token(db, host, ctx.clock.now())
            items = [received(ctx, report(host, ctx.clock.now()), token) for _ in writers]
            start = threading.Barrier(2)
            futures: list[Future[Any]] = []

            def go(
                writer: ReportWriter,
                item: Received,
                start: threading.Barrier,
                futures: list[Future[Any]],
            ) -> None:
                start.wait()
                futures.append(writer.submit(item))

            threads = [
                threading.Thread(target=go, args=(w, i, start, futures))
                for w, i in zip(writers, items, strict=True)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            outcomes = _wait(futures)
            assert all(isinstance(o, StoredReport) for o in outcomes), outcomes
            assert len({o.asset_id for o in outcomes}) == 1
            assert sorted(o.discovered for o in outcomes) == [False, True]
        assert count(ctx, Asset) == rounds
    finally:
        other_engine.dispose()


def test_one_batch_marks_each_token_used_and_each_asset_seen_at_its_own_report(
    ctx: AppContext,
) -> None:
    """The batch's tokens and assets are written by one executemany each: every row
    still gets its own report's time and facts."""
    import json

    from inventory.intake import store_reports

    start = ctx.clock.now()
    hosts = [f"pc-seen-{i}" for i in range(3)]
    with session_scope(ctx.sessions) as db:
        tokens = {h: create_token(db, h, start) for h in hosts}
    parts = report_parts(ctx)
    for round_no in range(2):  # discovery, then repeat reports of known assets
        items = []
        for i, host in enumerate(hosts):
            at = start + timedelta(minutes=10 * round_no, seconds=i)
            item = received(ctx, report(host, start), tokens[host])
            items.append(Received(item.report, at, item.token_id, item.token_sha256, item.parts))
        with session_scope(ctx.sessions) as db:
            outcomes, _after = store_reports(db, items, parts)
        assert all(isinstance(o, StoredReport) for o in outcomes)
    with session_scope(ctx.sessions) as db:
        used = dict(db.execute(select(AgentToken.hostname, AgentToken.last_used)).all())
        assets = {a.hostname: a for a in db.scalars(select(Asset))}
    for i, host in enumerate(hosts):
        at = start + timedelta(minutes=10, seconds=i)
        assert used[host] == at
        assert assets[host].last_seen == at
        facts = json.loads(assets[host].facts)
        assert facts["received_at"] == at.isoformat()
        assert facts["report"]["hostname"] == host
        assert facts["fingerprint"]["memory_gib"] == 8
    assert count(ctx, Asset) == 3 and count(ctx, AvReport) == 6
