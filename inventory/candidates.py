"""The candidate assets of a batch of agent reports, read in a few statements.

``load_candidates`` reads every asset a batch could match (by host name, serial,
hardware UUID or MAC address) with one statement per kind of key, not a few per
report; ``Known.match`` then matches each report in memory, in the order
``inventory.intake`` stores them, and is kept current as the batch discovers assets
and changes host names, serials and MACs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inventory import ledger
from inventory.collect import usable_id
from inventory.models import Asset, AssetMac
from inventory.payload import AgentReport

CHUNK = 500  # values per IN (...) list


def chunks(values: Iterable[Any]) -> list[list[Any]]:
    items = sorted(set(values))
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


@dataclass(eq=False)
class Candidate:
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
class Known:
    """The candidate assets of a batch, indexed the way ``match`` asks (kept current as
    the batch discovers assets and changes host names, serials and MACs)."""

    by_serial: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_uuid: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_host: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    by_mac: dict[str, Candidate] = field(default_factory=dict)
    keys: dict[int, tuple[str | None, str | None, str | None]] = field(default_factory=dict)

    def index(self, asset: Candidate) -> None:
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
    def _order(asset: Candidate) -> int:
        return asset.id if asset.id is not None else 1 << 62  # discovered in this batch: last

    def match(self, report: AgentReport) -> Candidate | None:
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


_FACTS_HEAD = '{"fingerprint": '  # how ``inventory.intake`` writes ``inv_asset.facts``
_DECODER = json.JSONDecoder()


def stored_fingerprint(facts: str | None) -> Any:
    """The ``fingerprint`` of a stored ``inv_asset.facts``, without decoding the whole report
    stored beside it: facts written by ``inventory.intake`` begin with it, so only that
    object is decoded (the rest is not read, so a row damaged after it is not noticed
    here); anything else (another layout, an empty value) is decoded whole, as before."""
    if facts and facts.startswith(_FACTS_HEAD):
        return _DECODER.raw_decode(facts, len(_FACTS_HEAD))[0]
    return json.loads(facts or "{}").get("fingerprint")


COLUMNS = (Asset.id, Asset.serial, Asset.hardware_uuid, Asset.hostname, Asset.status, Asset.facts)


def load_candidates(session: Session, reports: Sequence[AgentReport]) -> Known:
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
        for chunk in chunks(values):
            rows.update(
                (r.id, r) for r in session.execute(select(*COLUMNS).where(column.in_(chunk)))
            )
    mac_rows: list[tuple[str, int]] = []
    for chunk in chunks(macs):
        mac_rows += [
            (m, a)
            for m, a in session.execute(
                select(AssetMac.mac, AssetMac.asset_id).where(AssetMac.mac.in_(chunk))
            )
        ]
    missing = {a for _, a in mac_rows if a not in rows}
    for chunk in chunks(missing):
        rows.update((r.id, r) for r in session.execute(select(*COLUMNS).where(Asset.id.in_(chunk))))
    known = Known()
    assets: dict[int, Candidate] = {}
    for asset_id in sorted(rows):
        r = rows[asset_id]
        assets[asset_id] = found = Candidate(
            r.id,
            r.serial,
            r.hardware_uuid,
            r.hostname,
            r.status,
            stored_fingerprint(r.facts),
        )
        known.index(found)
    for mac, asset_id in mac_rows:
        known.by_mac[mac] = assets[asset_id]
    return known
