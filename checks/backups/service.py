"""The running feature: builds the backup and ClamAV checks, runs them, stores, announces.

One ``BackupService`` per AppContext (``SERVICE.of(ctx)``, see itops.services). Checks run through
the core ``CheckRunner`` (timeout, every error → UNKNOWN with a hint); results are written
in one short transaction in a worker thread, then events are published and the
in-memory snapshot that /metrics and the pages read is updated.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from checks.backups import store
from checks.backups.config import ANTIVIRUS, BACKUPS, BackupConfig, ClamavConfig
from checks.backups.kinds import ANTIVIRUS_KINDS, BACKUP_KINDS, VERIFIED_KINDS
from checks.backups.store import AvSnapshot, BackupSnapshot
from checks.kinds.backup_base import BackupCheck
from checks.kinds.backup_push import PushBackupCheck
from itops.config import Settings
from itops.db.session import session_scope
from itops.events import Event
from itops.runner import CheckRunner
from itops.services import Service
from itops.status import ProbeResult, Status

if TYPE_CHECKING:
    from itops.context import AppContext

logger = logging.getLogger(__name__)


@dataclass
class Snapshot:
    """Latest backup and antivirus states in memory (read by /metrics without a query)."""

    backups: dict[str, BackupSnapshot] = field(default_factory=dict)
    antivirus: dict[str, AvSnapshot] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    loaded: bool = False
    # The inventory's computers in service (None: no inventory, count every reporting
    # host); refreshed by load() and every sweep so a scrape needs no query.
    expected_hosts: tuple[str, ...] | None = None
    # Hosts the inventory has retired (host → instant), refreshed with expected_hosts: a
    # report after retirement opens no non-compliance.
    retired: dict[str, datetime] = field(default_factory=dict)

    def antivirus_tally(self) -> tuple[int, int]:
        """(compliant, counted) hosts: the inventory's computers in service, else every
        host that reported; a silent or never-seen computer counts as not compliant.
        The one population of the ratio metric and the Pulpit tile; call under ``lock``."""
        population = (
            list(self.expected_hosts) if self.expected_hosts is not None else list(self.antivirus)
        )
        good = sum(1 for h in population if h in self.antivirus and self.antivirus[h].compliant)
        return good, len(population)


class BackupService:
    """Runs looks, verifications and ClamAV checks for one AppContext."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.snapshot = Snapshot()
        self.runner = CheckRunner(ctx.clock, 4, ())
        self._settings: Settings | None = None
        self._backups: dict[str, BackupConfig] = {}
        self._tokens: dict[str, BackupConfig] = {}
        self._clamav: dict[str, ClamavConfig] = {}
        self._checks: dict[str, BackupCheck] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    # --- configuration -----------------------------------------------------------

    def _refresh(self) -> None:
        settings = self.ctx.settings
        if settings is self._settings:
            return
        self._settings = settings
        self._backups = {b.name: b for b in settings.section(BACKUPS)}
        backups = settings.section(BACKUPS)
        self._tokens = {str(b.options.token): b for b in backups if b.kind == "push"}
        self._clamav = {c.name: c for c in settings.section(ANTIVIRUS).clamav}
        self._checks = {}
        with self.snapshot.lock:
            for gone in set(self.snapshot.backups) - set(self._backups):
                del self.snapshot.backups[gone]

    def backups(self) -> dict[str, BackupConfig]:
        self._refresh()
        return dict(self._backups)

    def clamav(self) -> dict[str, ClamavConfig]:
        self._refresh()
        return dict(self._clamav)

    def by_token(self, token: str) -> BackupConfig | None:
        self._refresh()
        return self._tokens.get(token.lower())

    def check(self, name: str, verify: bool = False) -> BackupCheck:
        self._refresh()
        key = f"{name}:{'verify' if verify else 'look'}"
        found = self._checks.get(key)
        if found is None:
            cfg = self._backups[name]
            found = BACKUP_KINDS.create(cfg, verify=verify, clock=self.ctx.clock)
            if isinstance(found, PushBackupCheck):
                found.source = self._push_facts
            self._checks[key] = found
        return found

    def _push_facts(self, name: str) -> Any:
        with session_scope(self.ctx.sessions) as db:
            store.ensure_state(db, self._backups[name], self.ctx.clock.now())
            return store.push_facts(db, name)

    def _lock(self, key: str) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    # --- runs ------------------------------------------------------------------------

    async def look(self, name: str) -> BackupSnapshot | None:
        """Look at one backup now (freshness + plausibility) and store the result."""
        if name not in self.backups():
            return None
        async with self._lock(f"look:{name}"):
            result = await self.runner.run(self.check(name))
            if result is None:
                return None
            snap, found = await asyncio.to_thread(self._store, self._backups[name], result, False)
            self.publish(found)
            return snap

    async def verify(self, name: str) -> BackupSnapshot | None:
        """Run the slow verification (``restic check`` / ``borg check``) now."""
        cfg = self.backups().get(name)
        if cfg is None or cfg.kind not in VERIFIED_KINDS:
            return None
        async with self._lock(f"verify:{name}"):
            check = self.check(name, verify=True)
            cursor = await asyncio.to_thread(self._verify_cursor, name)
            parts = getattr(check.options, "read_data_parts", 0)
            if parts > 1:
                check.verify_part = cursor % parts + 1  # type: ignore[attr-defined]
            result = await self.runner.run(check)
            if result is None:
                return None
            snap, found = await asyncio.to_thread(self._store, cfg, result, True)
            self.publish(found)
            return snap

    async def verify_if_due(self, name: str) -> BackupSnapshot | None:
        """Verify when the last attempt is older than ``verify_interval`` (survives restarts)."""
        cfg = self.backups().get(name)
        if cfg is None or cfg.kind not in VERIFIED_KINDS:
            return None
        last = await asyncio.to_thread(self._last_verify_attempt, name)
        if last is not None and self.ctx.clock.now() - last < cfg.verify_interval:
            return None
        return await self.verify(name)

    def _verify_cursor(self, name: str) -> int:
        with session_scope(self.ctx.sessions) as db:
            row = store.ensure_state(db, self._backups[name], self.ctx.clock.now())
            return row.verify_cursor

    def _last_verify_attempt(self, name: str) -> Any:
        from checks.backups.models import BackupState

        with session_scope(self.ctx.sessions) as db:
            row = db.get(BackupState, name)
            return row.last_verify_attempt_at if row else None

    def _store(
        self, cfg: BackupConfig, result: ProbeResult, verify: bool
    ) -> tuple[BackupSnapshot, list[Event]]:
        """Write in a worker thread; the caller publishes the events on the loop."""
        with session_scope(self.ctx.sessions) as db:
            snap, found = store.record_backup(db, cfg, result, verify=verify)
        with self.snapshot.lock:
            self.snapshot.backups[cfg.name] = snap
        return snap, found

    def record_ping(
        self, cfg: BackupConfig, kind: str, exit_code: int | None, remote: str | None, body: str
    ) -> None:
        with session_scope(self.ctx.sessions) as db:
            store.record_ping(
                db,
                cfg,
                kind,
                self.ctx.clock.now(),
                exit_code=exit_code,
                remote_addr=remote,
                body=body,
            )

    async def run_clamav(self, name: str) -> AvSnapshot | None:
        cfg = self.clamav().get(name)
        if cfg is None:
            return None
        check = ANTIVIRUS_KINDS.create(cfg, clock=self.ctx.clock)
        result = await self.runner.run(check)
        if result is None:
            return None
        snap, found = await asyncio.to_thread(self._store_clamav, cfg, result)
        self.publish(found)
        return snap

    def _store_clamav(
        self, cfg: ClamavConfig, result: ProbeResult
    ) -> tuple[AvSnapshot, list[Event]]:
        from checks.kinds.backup_base import from_ts
        from checks.kinds.clamav import CLAMD_UP, SIGNATURE_AT, SIGNATURE_VERSION

        v = {m.name: m.value for m in result.measurements}
        version = v.get(SIGNATURE_VERSION)
        with session_scope(self.ctx.sessions) as db:
            snap, found = store.record_av(
                db,
                host=cfg.name,
                product="clamav",
                status=result.status,
                summary=result.summary,
                at=result.started_at,
                signature_updated=from_ts(v.get(SIGNATURE_AT)),
                signature_version=str(int(version)) if version is not None else None,
                realtime=v.get(CLAMD_UP) == 1 if CLAMD_UP in v else None,
                fields={k: val for k, val in v.items()},
                retired=self.retired(),
            )
        self.remember_av(snap)
        return snap, found

    def record_agent_antivirus(self, host: str, fields: dict[str, Any], at: datetime) -> None:
        """Store one host's Defender section in a transaction of its own, exactly as the
        agent API stores it inside a report's (tests, benches, imports)."""
        from checks.backups.agent_part import AntivirusPart
        from itops.report_parts import PartItem

        part = AntivirusPart(self)
        item = PartItem(store.normalize_host(host), part.parse(fields, at), at)
        with session_scope(self.ctx.sessions) as db:
            after_commit = part.store(db, [item])
        after_commit()

    async def sweep(self) -> None:
        """Job: silent hosts → unknown; Defender signature ages re-judged at now."""
        self.publish(await asyncio.to_thread(self._sweep))

    def _sweep(self) -> list[Event]:
        from checks.backups.public import retirements

        with session_scope(self.ctx.sessions) as db:
            retired = retirements(db, self.ctx.settings)
            found = store.sweep_av(db, self.ctx.settings, self.ctx.clock.now(), retired)
            states = store.av_states(db)
            expected = self._expected_hosts(db)
        with self.snapshot.lock:
            self.snapshot.antivirus = states
            self.snapshot.expected_hosts = expected
            self.snapshot.retired = retired
        return found

    def retired(self) -> dict[str, datetime]:
        """The retired hosts as of the last load or sweep."""
        with self.snapshot.lock:
            return self.snapshot.retired

    def _expected_hosts(self, db: Any) -> tuple[str, ...] | None:
        """The same population as the dashboard's and CLI's compliance figure."""
        from checks.backups.public import protected_hosts

        found = protected_hosts(db, self.ctx.settings, self.ctx.clock.now())
        if found is None:
            return None
        return tuple(sorted({store.normalize_host(h) for h in found}))

    def prune(self) -> int:
        before = self.ctx.clock.now() - self.ctx.settings.storage.raw_retention
        return store.prune(self.ctx.sessions, before)

    def load(self) -> Snapshot:
        """Fill the in-memory snapshot from the database (once at start)."""
        from checks.backups.public import retirements

        with session_scope(self.ctx.sessions) as db:
            backups, av = store.backup_states(db), store.av_states(db)
            expected = self._expected_hosts(db)
            retired = retirements(db, self.ctx.settings)
        names = set(self.backups())
        with self.snapshot.lock:
            self.snapshot.backups = {k: v for k, v in backups.items() if k in names}
            self.snapshot.antivirus = av
            self.snapshot.expected_hosts = expected
            self.snapshot.retired = retired
            self.snapshot.loaded = True
        return self.snapshot

    def remember_av(self, snap: AvSnapshot) -> None:
        with self.snapshot.lock:
            self.snapshot.antivirus[snap.host] = snap

    def publish(self, found: list[Event]) -> None:
        for event in found:
            logger.info("%s %s: %s", event.kind, event.subject, event.summary)
            self.ctx.events.publish(event)


SERVICE: Service[BackupService] = Service("checks.backups", BackupService)


def service(ctx: AppContext) -> BackupService:
    """The context's BackupService, created on first use."""
    return SERVICE.of(ctx)


def verify_poll_seconds(cfg: BackupConfig) -> float:
    """How often to ask whether a verification is due: hourly, or faster for short intervals."""
    return min(cfg.verify_interval, timedelta(hours=1)).total_seconds()


__all__ = ["SERVICE", "BackupService", "Snapshot", "Status", "service", "verify_poll_seconds"]
