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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from inventory import ledger
from inventory.collect import usable_id
from inventory.models import AgentToken, Asset, AssetEvent, AssetMac
from inventory.payload import AgentReport, ReportInvalid, fingerprint
from itops.db.session import session_scope
from itops.report_parts import AfterCommit, PartItem, PartRefused, ReportPart

LAPTOP_CHASSIS = {8, 9, 10, 11, 14, 30, 31, 32}
SERVER_CHASSIS = {17, 23, 25, 28, 29}
CHUNK = 500  # values per IN (...) list

Parts = Mapping[str, ReportPart[Any]]


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


def _chunks(values: Iterable[Any]) -> list[list[Any]]:
    items = sorted(set(values))
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


@dataclass(eq=False)
class _Asset:
    """What a batch needs of one asset (read with plain queries, written back in bulk)."""

    id: int | None
    serial: str | None
    hardware_uuid: str | None
    hostname: str | None
    status: str
    fingerprint: dict[str, Any] | None
    new: dict[str, Any] | None = None  # the row to insert, for an asset discovered now
    changed: dict[str, Any] | None = None  # the values to write back


@dataclass
class _Known:
    """The candidate assets of a batch, indexed the way ``match`` asks (kept current as
    the batch discovers assets and changes host names, serials and MACs)."""

    by_serial: dict[str, list[_Asset]] = field(default_factory=lambda: defaultdict(list))
    by_uuid: dict[str, list[_Asset]] = field(default_factory=lambda: defaultdict(list))
    by_host: dict[str, list[_Asset]] = field(default_factory=lambda: defaultdict(list))
    by_mac: dict[str, _Asset] = field(default_factory=dict)
    keys: dict[int, tuple[str | None, str | None, str | None]] = field(default_factory=dict)

    def index(self, asset: _Asset) -> None:
        old = self.keys.get(id(asset))
        new = (asset.serial, asset.hardware_uuid, (asset.hostname or "").lower() or None)
        if old == new:
            return
        for table, before, after in zip(
            (self.by_serial, self.by_uuid, self.by_host),
            old or (None, None, None),
            new,
            strict=True,
        ):
            if before == after:
                continue
            if before is not None and asset in table.get(before, []):
                table[before].remove(asset)
            if after is not None:
                table[after].append(asset)
        self.keys[id(asset)] = new

    @staticmethod
    def _order(asset: _Asset) -> int:
        return asset.id if asset.id is not None else 1 << 62  # discovered in this batch: last

    def match(self, report: AgentReport) -> _Asset | None:
        """By serial, then hardware UUID, then MAC, then host name (not retired first)."""
        serial = usable_id(report.hardware.serial)
        if serial and self.by_serial.get(serial):
            return min(self.by_serial[serial], key=self._order)
        uuid = usable_id(report.hardware.uuid).lower()
        if uuid and self.by_uuid.get(uuid):
            return min(self.by_uuid[uuid], key=self._order)
        for nic in report.nics:
            found = self.by_mac.get(ledger.normalise_mac(nic.mac))
            if found is not None:
                return found
        named = self.by_host.get(report.hostname.lower())
        if not named:
            return None
        by_name = min(named, key=lambda a: (a.status == "retired", self._order(a)))
        if serial and by_name.serial and by_name.serial != serial:
            return None  # a different machine under a reused host name
        return by_name


_COLUMNS = (Asset.id, Asset.serial, Asset.hardware_uuid, Asset.hostname, Asset.status, Asset.facts)


def _load_candidates(session: Session, reports: Sequence[AgentReport]) -> _Known:
    serials = {s for r in reports if (s := usable_id(r.hardware.serial))}
    uuids = {u for r in reports if (u := usable_id(r.hardware.uuid).lower())}
    hosts = {r.hostname.lower() for r in reports}
    macs = {m for r in reports for n in r.nics if (m := ledger.normalise_mac(n.mac))}
    rows: dict[int, Any] = {}
    # Host names need a scan of inv_asset (lower() has no index); serials and UUIDs are
    # indexed. Three statements for the whole batch.
    for column, values in (
        (func.lower(Asset.hostname), hosts),
        (Asset.serial, serials),
        (Asset.hardware_uuid, uuids),
    ):
        for chunk in _chunks(values):
            rows.update(
                (r.id, r) for r in session.execute(select(*_COLUMNS).where(column.in_(chunk)))
            )
    mac_rows: list[tuple[str, int]] = []
    for chunk in _chunks(macs):
        mac_rows += [
            (m, a)
            for m, a in session.execute(
                select(AssetMac.mac, AssetMac.asset_id).where(AssetMac.mac.in_(chunk))
            )
        ]
    missing = {a for _, a in mac_rows if a not in rows}
    for chunk in _chunks(missing):
        rows.update(
            (r.id, r) for r in session.execute(select(*_COLUMNS).where(Asset.id.in_(chunk)))
        )
    known = _Known()
    assets: dict[int, _Asset] = {}
    for asset_id in sorted(rows):
        r = rows[asset_id]
        assets[asset_id] = found = _Asset(
            r.id,
            r.serial,
            r.hardware_uuid,
            r.hostname,
            r.status,
            json.loads(r.facts or "{}").get("fingerprint"),
        )
        known.index(found)
    for mac, asset_id in mac_rows:
        known.by_mac[mac] = assets[asset_id]
    return known


def _check_tokens(session: Session, items: Sequence[Received]) -> dict[int, Refused]:
    """Lock the senders' token rows (id order) and refuse reports whose token was revoked,
    replaced or moved meanwhile; mark the others used. Returns refusals by item index."""
    ids = sorted({i.token_id for i in items if i.token_id is not None})
    if not ids:
        return {}
    rows: dict[int, Any] = {}
    for chunk in _chunks(ids):
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
    for when in sorted(set(used.values())):
        same = [t for t, w in used.items() if w == when]
        for chunk in _chunks(same):
            session.execute(
                update(AgentToken).where(AgentToken.id.in_(chunk)).values(last_used=when)
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
    session.execute(dialect_insert(AssetMac).on_conflict_do_nothing(index_elements=["mac"]), rows)


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


def store_reports(
    session: Session, items: Sequence[Received], parts: Parts
) -> tuple[list[StoredReport | Refused], list[AfterCommit]]:
    """Store ``items`` in order in the caller's transaction (the caller commits).

    Returns one outcome per item and what to run after the commit. Raises on a storage
    failure: the caller rolls the whole batch back (and may retry the items one by one).
    """
    refused = _check_tokens(session, items)
    accepted = [(n, i) for n, i in enumerate(items) if n not in refused]
    known = _load_candidates(session, [i.report for _, i in accepted])
    events: list[tuple[_Asset, str, datetime, dict[str, Any]]] = []
    macs: list[tuple[str, _Asset]] = []
    part_items: dict[str, list[PartItem[Any]]] = defaultdict(list)
    done: list[tuple[int, _Asset, str, bool, bool]] = []
    touched: dict[int, _Asset] = {}
    for n, item in accepted:
        report, now = item.report, item.now
        asset = known.match(report)
        discovered = asset is None
        if asset is None:
            asset = _Asset(
                None,
                usable_id(report.hardware.serial) or None,
                usable_id(report.hardware.uuid).lower() or None,
                report.hostname,
                "in_use",
                None,
                new=_new_asset(report),
            )
            events.append((asset, "discovered", now, {"hostname": report.hostname}))
        previous = asset.fingerprint
        current = fingerprint(report)
        changed = bool(previous) and previous != current
        if changed:
            assert previous is not None  # noqa: S101 - narrowed by bool() above
            diff = {k: [previous.get(k), v] for k, v in current.items() if previous.get(k) != v}
            events.append(
                (asset, "hardware_changed", now, {"changes": diff, "hostname": report.hostname})
            )
        asset.hostname = report.hostname
        asset.fingerprint = current
        if not asset.serial and usable_id(report.hardware.serial):
            asset.serial = usable_id(report.hardware.serial)
        if not asset.hardware_uuid and usable_id(report.hardware.uuid):
            asset.hardware_uuid = usable_id(report.hardware.uuid).lower()
        for nic in report.nics:
            mac = ledger.normalise_mac(nic.mac)
            if mac and mac not in known.by_mac:
                known.by_mac[mac] = asset
                macs.append((mac, asset))
        asset.changed = {
            "hostname": asset.hostname,
            "last_seen": now,
            "serial": asset.serial,
            "hardware_uuid": asset.hardware_uuid,
            "facts": json.dumps(
                {
                    "fingerprint": current,
                    "report": report.model_dump(mode="json"),
                    "received_at": now.isoformat(),
                },
                ensure_ascii=False,
            ),
        }
        touched[id(asset)] = asset
        known.index(asset)
        for key, value in item.parts:
            part_items[key].append(PartItem(report.hostname.lower(), value, now))
        done.append((n, asset, report.hostname, discovered, changed))
    _write_assets(session, list(touched.values()))
    if events:
        session.execute(
            insert(AssetEvent),
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
                for a, kind, at, detail in events
            ],
        )
    _insert_macs(session, [{"mac": mac, "asset_id": a.id} for mac, a in macs])
    after: list[AfterCommit] = [
        parts[key].store(session, found) for key, found in part_items.items()
    ]
    outcomes: dict[int, StoredReport | Refused] = dict(refused)
    for n, asset, host, discovered, changed in done:
        assert asset.id is not None  # noqa: S101 - inserted by _write_assets
        outcomes[n] = StoredReport(asset.id, host, discovered, changed)
    return [outcomes[n] for n in range(len(items))], after


def _write_assets(session: Session, assets: list[_Asset]) -> None:
    """New assets in one multi-row insert (their ids come back in order), changed ones in
    one executemany update by primary key."""
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
    known = [{"id": a.id, **(a.changed or {})} for a in assets if a.new is None]
    if known:
        session.execute(update(Asset), known)


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
