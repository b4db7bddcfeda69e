"""``POST /api/v1/agent/report``: per-host token auth, validation, matching, ledger, event.

1. The ``Authorization: Bearer`` token's SHA-256 must name an unrevoked host token
   (tokens are random 256-bit values, so a fast hash is enough; the token itself is
   shown once and never stored). The report's hostname must be the token's host.
2. The body is read up to ``[inventory] agent_max_report_bytes`` (413 beyond), parsed
   and validated against ``AgentReport`` (400/422): a bad report writes nothing.
3. One transaction: match the asset (serial → hardware UUID → MAC → hostname) or add a
   "discovered" one; a changed RAM/disk/CPU/OS-install fingerprint becomes a
   ``hardware_changed`` ledger event (a repair candidate needing a protocol).
4. Publish ``agent_report`` on ``ctx.events`` (the antivirus feature listens).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from inventory import ledger
from inventory.collect import usable_id
from inventory.config import INVENTORY
from inventory.models import AgentToken, Asset, AssetMac
from inventory.payload import AgentReport, fingerprint
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.errors import ValidationError
from itops.events import Event
from itops.status import Status

logger = logging.getLogger(__name__)

AGENT_REPORT = "agent_report"
LAPTOP_CHASSIS = {8, 9, 10, 11, 14, 30, 31, 32}
SERVER_CHASSIS = {17, 23, 25, 28, 29}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, hostname: str, now: datetime) -> str:
    """A new token for ``hostname`` (replacing any earlier one); only its hash is stored."""
    hostname = hostname.strip().lower()
    try:
        AgentReport.model_validate({"hostname": hostname, "collected_at": now})
    except PydanticValidationError:
        raise ValidationError(f'"{hostname}" is not a valid host name') from None
    token = secrets.token_urlsafe(32)
    row = session.scalar(select(AgentToken).where(AgentToken.hostname == hostname))
    if row is None:
        session.add(AgentToken(hostname=hostname, token_sha256=hash_token(token),
                               created_at=now, revoked=False))
    else:
        row.token_sha256, row.created_at, row.revoked = hash_token(token), now, False
    return token


def revoke_token(session: Session, hostname: str) -> None:
    """Revoke ``hostname``'s token: its reports are refused from now on."""
    row = session.scalar(select(AgentToken).where(AgentToken.hostname == hostname.lower()))
    if row is None:
        raise ValidationError(f'no token for "{hostname}"')
    row.revoked = True


@dataclass(frozen=True)
class StoredReport:
    asset_id: int
    hostname: str
    discovered: bool
    hardware_changed: bool


def _category(report: AgentReport) -> str:
    chassis = report.hardware.chassis_type
    if chassis in LAPTOP_CHASSIS:
        return "laptop"
    if chassis in SERVER_CHASSIS:
        return "server"
    return "desktop"


def match_asset(session: Session, report: AgentReport) -> Asset | None:
    """The asset this report is about: by serial, then hardware UUID, then MAC, then hostname."""
    serial = usable_id(report.hardware.serial)
    if serial:
        found = session.scalars(select(Asset).where(Asset.serial == serial)).first()
        if found:
            return found
    uuid = usable_id(report.hardware.uuid).lower()
    if uuid:
        found = session.scalars(select(Asset).where(Asset.hardware_uuid == uuid)).first()
        if found:
            return found
    macs = [m for m in (ledger.normalise_mac(n.mac) for n in report.nics) if m]
    if macs:
        found = session.scalars(
            select(Asset).join(AssetMac, AssetMac.asset_id == Asset.id).where(
                AssetMac.mac.in_(macs))
        ).first()
        if found:
            return found
    by_name = session.scalars(
        select(Asset)
        .where(func.lower(Asset.hostname) == report.hostname.lower())
        .order_by(Asset.status == "retired", Asset.id)
    ).first()
    if by_name is not None and serial and by_name.serial and by_name.serial != serial:
        return None  # a different machine under a reused host name
    return by_name


def store_report(session: Session, report: AgentReport, now: datetime) -> StoredReport:
    """Match or discover the asset, keep the facts, record a hardware change (one transaction)."""
    asset = match_asset(session, report)
    discovered = asset is None
    if asset is None:
        asset = Asset(
            inventory_no=None, category=_category(report),
            manufacturer=report.hardware.vendor, model=report.hardware.product,
            serial=usable_id(report.hardware.serial) or None,
            hardware_uuid=usable_id(report.hardware.uuid).lower() or None,
            status="in_use", confirmed=False, hostname=report.hostname, unit_id="office",
            facts="{}", notes="",
        )
        session.add(asset)
        session.flush()
        ledger.record(session, asset, "discovered", now, now, "agent",
                      {"hostname": report.hostname})
    previous = json.loads(asset.facts or "{}").get("fingerprint")
    current = fingerprint(report)
    changed = bool(previous) and previous != current
    if changed:
        diff = {k: [previous.get(k), v] for k, v in current.items() if previous.get(k) != v}
        ledger.record(session, asset, "hardware_changed", now, now, "agent",
                      {"changes": diff, "hostname": report.hostname})
    asset.hostname = report.hostname
    asset.last_seen = now
    if not asset.serial and usable_id(report.hardware.serial):
        asset.serial = usable_id(report.hardware.serial)
    if not asset.hardware_uuid and usable_id(report.hardware.uuid):
        asset.hardware_uuid = usable_id(report.hardware.uuid).lower()
    for nic in report.nics:
        ledger.add_mac(session, asset, nic.mac)
    asset.facts = json.dumps(
        {"fingerprint": current, "report": report.model_dump(mode="json"),
         "received_at": now.isoformat()},
        ensure_ascii=False,
    )
    return StoredReport(asset.id, report.hostname, discovered, changed)


def _authenticate(session: Session, header: str) -> tuple[int, str] | None:
    """The token's (id, hostname), read only: the store transaction marks it used."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    row = session.execute(
        select(AgentToken.id, AgentToken.hostname, AgentToken.revoked).where(
            AgentToken.token_sha256 == hash_token(token))
    ).first()
    if row is None or row.revoked:
        return None
    return row.id, row.hostname


_sqlite_writer = threading.Lock()


@contextlib.contextmanager
def _serialised(ctx: AppContext) -> Iterator[None]:
    """On SQLite, queue this process's transactions in Python, not in SQLite's busy handler.

    SQLite has one writer; dozens of threads retrying with its sleeping busy handler
    spend most of their time asleep (measured: ~50 reports/s for 500 agents).
    """
    if ctx.engine.dialect.name != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def publish(ctx: AppContext, stored: StoredReport, report: AgentReport, at: datetime) -> None:
    ctx.events.publish(
        Event(
            kind=AGENT_REPORT, subject=stored.hostname, status=Status.OK, at=at,
            summary="agent report",
            data={
                "hostname": stored.hostname,
                "asset_id": stored.asset_id,
                "antivirus": report.antivirus,
                "reported_at": at.isoformat(),
            },
        )
    )


async def agent_report(request: Request) -> Response:
    ctx: AppContext = request.app.state.ctx
    limit = ctx.settings.section(INVENTORY).agent_max_report_bytes
    header = request.headers.get("authorization", "")
    now = ctx.clock.now()

    def auth() -> tuple[int, str] | None:
        with read_scope(ctx.sessions) as db:  # deferred: waits for no writer
            return _authenticate(db, header)

    found = await run_in_threadpool(auth)
    if found is None:
        return _error(401, "unknown or revoked agent token")
    token_id, host = found
    try:
        body = await _read_body(request, limit)
    except ClientDisconnect:
        return _error(400, "the client went away")
    if body is None:
        return _error(413, f"report larger than {limit} bytes")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "the body is not JSON")
    try:
        report = AgentReport.model_validate(data)
    except PydanticValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in exc.errors(include_url=False)[:20]
        ]
        return _error(422, "invalid report", problems=problems)
    if report.hostname.lower() != host:
        return _error(403, f'this token belongs to "{host}", not "{report.hostname}"')

    def store() -> StoredReport:
        with _serialised(ctx), session_scope(ctx.sessions) as db:
            token = db.get(AgentToken, token_id)
            if token is not None:
                token.last_used = now
            return store_report(db, report, now)

    stored = await run_in_threadpool(store)
    from inventory.metrics import note_agent_report

    note_agent_report(ctx, stored.hostname, now)
    publish(ctx, stored, report, now)
    return JSONResponse(
        {"asset_id": stored.asset_id, "discovered": stored.discovered,
         "hardware_changed": stored.hardware_changed},
        status_code=200,
    )


def routes(ctx: AppContext) -> list[BaseRoute]:
    return [Route("/api/v1/agent/report", agent_report, methods=["POST"])]
