"""Storing agent reports: match or discover the asset, the ledger, and every report part.

``store_reports`` writes a batch of validated reports in the caller's transaction with a
fixed number of queries (the tokens, the candidate assets, their MAC addresses, one
insert per table), not a few per report: the agent API's single writer
(``inventory.writer``) hands it whatever arrived while it was busy. Everything one
report implies (asset, ledger events, MACs, the antivirus part through
``itops.report_parts``) is in that transaction, so a report is stored whole or not at all.

Safe for several itops nodes on one PostgreSQL: the reporting hosts' token rows are
locked (``FOR UPDATE``, in id order) before anything is read, so two nodes never match
or discover the same host's asset at once; MAC addresses rely on their primary key
(``ON CONFLICT DO NOTHING``), not on what this process believes exists.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, sessionmaker

from inventory import ledger
from inventory.candidates import Candidate, Known, chunks, load_candidates
from inventory.collect import usable_id
from inventory.models import AgentToken, Asset, AssetEvent, AssetMac
from inventory.payload import AgentReport, ReportInvalid, fingerprint
from itops.db.bulk import update_by_key
from itops.db.session import session_scope
from itops.report_parts import AfterCommit, PartItem, PartRefused, ReportPart

LAPTOP_CHASSIS = {8, 9, 10, 11, 14, 30, 31, 32}
SERVER_CHASSIS = {17, 23, 25, 28, 29}

Parts = Mapping[str, ReportPart[Any]]
# Core tables: executemany updates by primary key, without the ORM's bulk machinery.
_TOKENS: Table = AgentToken.__table__  # type: ignore[assignment]
_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_EVENTS: Table = AssetEvent.__table__  # type: ignore[assignment]
_MACS: Table = AssetMac.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class StoredReport:
    asset_id: int
    hostname: str
    discovered: bool
    hardware_changed: bool


@dataclass(frozen=True)
class Refused:
    """A report not stored: the HTTP status and why (nothing of it was written)."""

    status: int
    message: str


@dataclass(frozen=True)
class Received:
    """A validated report waiting to be stored.

    ``token_id``/``token_sha256`` name the agent token that sent it (None: the host's own
    collection, trusted); ``parts`` holds each report part already parsed.
    """

    report: AgentReport
    now: datetime
    token_id: int | None = None
    token_sha256: str | None = None
    parts: tuple[tuple[str, Any], ...] = ()


def parse_parts(report: AgentReport, parts: Parts, now: datetime) -> tuple[tuple[str, Any], ...]:
    """Each registered part of ``report`` parsed by its owner; ``ReportInvalid`` naming
    ``<part>.<field>`` when one refuses."""
    out: list[tuple[str, Any]] = []
    problems: list[str] = []
    for key, part in parts.items():
        raw = getattr(report, key, None)
        if raw is None:
            continue
        try:
            out.append((key, part.parse(raw, now)))
        except PartRefused as exc:
            problems += [
                f"{key}.{path}: {why}" if path else f"{key}: {why}" for path, why in exc.problems
            ]
    if problems:
        raise ReportInvalid(problems)
    return tuple(out)


def _category(report: AgentReport) -> str:
    chassis = report.hardware.chassis_type
    if chassis in LAPTOP_CHASSIS:
        return "laptop"
    if chassis in SERVER_CHASSIS:
        return "server"
    return "desktop"


def _check_tokens(session: Session, items: Sequence[Received]) -> dict[int, Refused]:
    """Lock the senders' token rows (id order) and refuse reports whose token was revoked,
    replaced or moved meanwhile; mark the others used. Returns refusals by item index."""
    ids = sorted({i.token_id for i in items if i.token_id is not None})
    if not ids:
        return {}
    rows: dict[int, Any] = {}
    for chunk in chunks(ids):
        rows.update(
            (r.id, r)
            for r in session.execute(
                select(
                    AgentToken.id, AgentToken.hostname, AgentToken.token_sha256, AgentToken.revoked
                )
                .where(AgentToken.id.in_(chunk))
                .order_by(AgentToken.id)
                .with_for_update()
            )
        )
    refused: dict[int, Refused] = {}
    used: dict[int, datetime] = {}
    for n, item in enumerate(items):
        if item.token_id is None:
            continue
        row = rows.get(item.token_id)
        if row is None or row.revoked or row.token_sha256 != item.token_sha256:
            refused[n] = Refused(401, "unknown or revoked agent token")
        elif row.hostname != item.report.hostname.lower():
            refused[n] = Refused(
                403, f'this token belongs to "{row.hostname}", not "{item.report.hostname}"'
            )
        else:
            used[item.token_id] = max(item.now, used.get(item.token_id, item.now))
    # One statement (each report has its own time), rows in id order.
    update_by_key(
        session, _TOKENS, "id", [{"b_id": t, "last_used": w} for t, w in sorted(used.items())]
    )
    return refused


def _insert_macs(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert MACs; one another node (or a concurrent batch) already stored is skipped."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    session.execute(dialect_insert(_MACS).on_conflict_do_nothing(index_elements=["mac"]), rows)


def _new_asset(report: AgentReport) -> dict[str, Any]:
    """The ``inv_asset`` row of a machine first seen in ``report`` (unconfirmed)."""
    return {
        "inventory_no": None,
        "category": _category(report),
        "manufacturer": report.hardware.vendor,
        "model": report.hardware.product,
        "purchase_date": None,
        "purchase_document": "",
        "supplier": "",
        "price": None,
        "warranty_end": None,
        "building": "",
        "room": "",
        "holder_id": None,
        "holder_text": "",
        "unit_id": "office",
        "status": "in_use",
        "retired_date": None,
        "confirmed": False,
        "notes": "",
    }


@dataclass
class _Batch:
    """What the reports of a batch write, gathered in memory and then written in bulk."""

    events: list[tuple[Candidate, str, datetime, dict[str, Any]]] = field(default_factory=list)
    macs: list[tuple[str, Candidate]] = field(default_factory=list)
    parts: dict[str, list[PartItem[Any]]] = field(default_factory=lambda: defaultdict(list))
    done: list[tuple[int, Candidate, str, bool, bool]] = field(default_factory=list)
    touched: dict[int, Candidate] = field(default_factory=dict)


def store_reports(
    session: Session, items: Sequence[Received], parts: Parts
) -> tuple[list[StoredReport | Refused], list[AfterCommit]]:
    """Store ``items`` in order in the caller's transaction (the caller commits).

    Returns one outcome per item and what to run after the commit. Raises on a storage
    failure: the caller rolls the whole batch back (and may retry the items one by one).
    """
    refused = _check_tokens(session, items)
    accepted = [(n, i) for n, i in enumerate(items) if n not in refused]
    known = load_candidates(session, [i.report for _, i in accepted])
    batch = _Batch()
    for n, item in accepted:
        _apply(known, batch, n, item)
    after = _write_batch(session, batch, parts)
    outcomes: dict[int, StoredReport | Refused] = dict(refused)
    for n, asset, host, discovered, changed in batch.done:
        assert asset.id is not None  # noqa: S101 - inserted by _write_assets
        outcomes[n] = StoredReport(asset.id, host, discovered, changed)
    return [outcomes[n] for n in range(len(items))], after


def _apply(known: Known, batch: _Batch, n: int, item: Received) -> None:
    """Match (or discover) the asset of one report and note what it changes."""
    report, now = item.report, item.now
    serial = usable_id(report.hardware.serial) or None
    uuid = usable_id(report.hardware.uuid).lower() or None
    asset = known.match(report)
    discovered = asset is None
    if asset is None:
        asset = Candidate(
            None, serial, uuid, report.hostname, "in_use", None, new=_new_asset(report)
        )
        batch.events.append((asset, "discovered", now, {"hostname": report.hostname}))
    previous, current = asset.fingerprint, fingerprint(report)
    changed = bool(previous) and previous != current
    if previous and changed:
        diff = {k: [previous.get(k), v] for k, v in current.items() if previous.get(k) != v}
        batch.events.append(
            (asset, "hardware_changed", now, {"changes": diff, "hostname": report.hostname})
        )
    asset.hostname = report.hostname
    asset.fingerprint = current
    if not asset.serial and serial:
        asset.serial = serial
    if not asset.hardware_uuid and uuid:
        asset.hardware_uuid = uuid
    for nic in report.nics:
        mac = ledger.normalise_mac(nic.mac)
        if mac and mac not in known.by_mac:
            known.by_mac[mac] = asset
            batch.macs.append((mac, asset))
    asset.changed = {
        "hostname": asset.hostname,
        "last_seen": now,
        "serial": asset.serial,
        "hardware_uuid": asset.hardware_uuid,
        "facts": _facts(report, current, now),
    }
    batch.touched[id(asset)] = asset
    known.index(asset)
    for key, value in item.parts:
        batch.parts[key].append(PartItem(report.hostname.lower(), value, now))
    batch.done.append((n, asset, report.hostname, discovered, changed))


def _facts(report: AgentReport, current: dict[str, Any], now: datetime) -> str:
    """``inv_asset.facts``: the fingerprint, the whole report (serialised by pydantic, not
    dumped to dicts and encoded again) and when it was received."""
    return (
        f'{{"fingerprint": {json.dumps(current, ensure_ascii=False)}, '
        f'"report": {report.model_dump_json()}, '
        f'"received_at": {json.dumps(now.isoformat())}}}'
    )


def _write_batch(session: Session, batch: _Batch, parts: Parts) -> list[AfterCommit]:
    """The batch's rows: assets, ledger events, MACs, then each report part's."""
    _write_assets(session, list(batch.touched.values()))
    if batch.events:
        session.execute(
            _EVENTS.insert(),
            [
                {
                    "asset_id": a.id,
                    "kind": kind,
                    "at": at,
                    "recorded_at": at,
                    "actor": "agent",
                    "detail": ledger.detail_json(detail),
                    "protocol_id": None,
                    "ref_event_id": None,
                    "document_sha256": None,
                }
                for a, kind, at, detail in batch.events
            ],
        )
    _insert_macs(session, [{"mac": mac, "asset_id": a.id} for mac, a in batch.macs])
    return [parts[key].store(session, found) for key, found in batch.parts.items()]


def _write_assets(session: Session, assets: list[Candidate]) -> None:
    """New assets in one multi-row insert (their ids come back in order), changed ones in
    one update by primary key (in id order, ``itops.db.bulk``)."""
    fresh = [a for a in assets if a.id is None]
    if fresh:
        ids = (
            session.execute(
                insert(Asset).returning(Asset.id, sort_by_parameter_order=True),
                [{**(a.new or {}), **(a.changed or {})} for a in fresh],
            )
            .scalars()
            .all()
        )
        for asset, asset_id in zip(fresh, ids, strict=True):
            asset.id = asset_id
    known = sorted(
        ({"b_id": a.id, **(a.changed or {})} for a in assets if a.new is None),
        key=lambda row: int(row["b_id"]),
    )
    update_by_key(session, _ASSETS, "id", known)


def store_report(
    session: Session, report: AgentReport, now: datetime, parts: Parts | None = None
) -> StoredReport:
    """One trusted report in the caller's transaction, without after-commit work: the
    DEMO seed and tests. With ``parts`` its sections are parsed (``ReportInvalid``) and
    stored too; ``store_local`` also runs what waits for the commit."""
    received = Received(report, now, parts=parse_parts(report, parts or {}, now))
    [outcome], _after = store_reports(session, [received], parts or {})
    assert isinstance(outcome, StoredReport)  # noqa: S101 - no token, nothing to refuse
    return outcome


def store_local(
    factory: sessionmaker[Session], report: AgentReport, now: datetime, parts: Parts
) -> StoredReport:
    """A trusted report with its parts in one transaction of its own, then the parts'
    after-commit work (``ReportInvalid`` before anything is written if a part refuses)."""
    received = Received(report, now, parts=parse_parts(report, parts, now))
    with session_scope(factory) as db:
        [outcome], after = store_reports(db, [received], parts)
    for run in after:
        run()
    assert isinstance(outcome, StoredReport)  # noqa: S101 - no token, nothing to refuse
    return outcome
