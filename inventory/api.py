"""``POST /api/v1/agent/report``: per-host token auth, whole validation, one transaction.

1. The ``Authorization: Bearer`` token's SHA-256 must name an unrevoked host token
   (tokens are random 256-bit values, so a fast hash is enough; the token itself is
   shown once and never stored). A read that never waits for the writer; a known
   token is remembered for a few minutes (``TokenGate``) since step 3 decides anyway.
2. The body is read up to ``[inventory] agent_max_report_bytes`` (413 beyond), checked
   for nesting on the raw bytes, parsed and validated whole against ``AgentReport`` and
   every report part (``antivirus`` …): not JSON → 400, anything that could not be
   stored → 422 naming the fields; nothing is written then. The report's hostname must
   be the token's host (403).
3. The single writer (``inventory.writer``) stores it — asset matched or discovered,
   ledger events, MACs, every part — in one transaction, batched with whatever else
   arrived meanwhile, and the answer (200) is sent only after that commit. The token is
   checked again, locked, inside the transaction (a revocation in between → 401).
4. After the commit: the parts' in-memory work, the metrics timestamp, ``agent_report``
   on ``ctx.events`` (informational: nothing stores data from it any more).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from inventory.config import INVENTORY
from inventory.intake import (
    LAPTOP_CHASSIS,
    SERVER_CHASSIS,
    Parts,
    Received,
    Refused,
    StoredReport,
    parse_parts,
    store_report,
)
from inventory.models import AgentToken
from inventory.payload import Hostname, ReportInvalid, parse_report
from inventory.writer import AGENT_REPORT, ReportWriter, publish
from itops.context import AppContext
from itops.db.session import read_scope
from itops.errors import ValidationError

REPORT_PATH = "/api/v1/agent/report"
_HOSTNAME: TypeAdapter[str] = TypeAdapter(Hostname)
INLINE_PARSE_BYTES = 64 * 1024  # parsed on the event loop up to this size (well under 1 ms)

__all__ = [
    "AGENT_REPORT",
    "LAPTOP_CHASSIS",
    "SERVER_CHASSIS",
    "StoredReport",
    "create_token",
    "hash_token",
    "publish",
    "report_parts",
    "routes",
    "store_report",
]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, hostname: str, now: datetime) -> str:
    """A new token for ``hostname`` (replacing any earlier one); only its hash is stored."""
    hostname = hostname.strip().lower()
    try:
        _HOSTNAME.validate_python(hostname)
    except PydanticValidationError:
        raise ValidationError(f'"{hostname}" is not a valid host name') from None
    token = secrets.token_urlsafe(32)
    row = session.scalar(select(AgentToken).where(AgentToken.hostname == hostname))
    if row is None:
        session.add(
            AgentToken(
                hostname=hostname, token_sha256=hash_token(token), created_at=now, revoked=False
            )
        )
    else:
        row.token_sha256, row.created_at, row.revoked = hash_token(token), now, False
    return token


def revoke_token(session: Session, hostname: str) -> None:
    """Revoke ``hostname``'s token: its reports are refused from now on."""
    row = session.scalar(select(AgentToken).where(AgentToken.hostname == hostname.lower()))
    if row is None:
        raise ValidationError(f'no token for "{hostname}"')
    row.revoked = True


def report_parts(ctx: AppContext) -> Parts:
    """Every feature's report parts (``Feature.report_parts``), by the field they own."""
    from itops.plugins import features

    return {
        part.key: part
        for feat in features()
        if feat.report_parts
        for part in feat.report_parts(ctx, feat.service(ctx))
    }


def _bearer_sha256(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        return None
    return hash_token(token)


def _authenticate(sessions: sessionmaker[Session], hashes: list[str]) -> dict[str, tuple[int, str]]:
    """Each known, unrevoked token's (id, hostname), by hash; one query per 500 tokens.
    The writer checks them again inside the transaction."""
    found: dict[str, tuple[int, str]] = {}
    with read_scope(sessions) as db:  # deferred: waits for no writer
        for start in range(0, len(hashes), 500):
            for row in db.execute(
                select(AgentToken.token_sha256, AgentToken.id, AgentToken.hostname).where(
                    AgentToken.token_sha256.in_(hashes[start : start + 500]),
                    AgentToken.revoked.is_(False),
                )
            ):
                found[row.token_sha256] = (row.id, row.hostname)
    return found


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and (
        not declared.isascii() or not declared.isdigit() or int(declared) > limit
    ):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _invalid(exc: ReportInvalid) -> JSONResponse:
    if exc.status == 400:
        return _error(400, "the body is not JSON", problems=exc.problems)
    fields = [p.split(":", 1)[0] for p in exc.problems]
    return _error(422, "invalid report: nothing was stored", fields=fields, problems=exc.problems)


class TokenGate:
    """Which tokens may send a body at all: known ones, remembered for ``ttl`` seconds.

    Only a gate against strangers uploading bodies: the decision that counts is taken
    again in the write transaction, with the token row locked (revoked or replaced
    meanwhile → 401, nothing written). Tokens not remembered are looked up together, one
    query for all that arrive while one is running; unknown tokens are never remembered.
    """

    def __init__(self, ttl: float = 300.0, size: int = 100_000) -> None:
        self.ttl, self.size = ttl, size
        self._known: dict[str, tuple[int, str, float]] = {}
        self._waiting: dict[str, asyncio.Future[tuple[int, str] | None]] = {}
        self._looking = False

    async def check(
        self, sessions: sessionmaker[Session], token_sha256: str
    ) -> tuple[int, str] | None:
        found = self._known.get(token_sha256)
        if found is not None and found[2] > time.monotonic():
            return found[0], found[1]
        waiting = self._waiting.get(token_sha256)
        if waiting is None:
            waiting = self._waiting[token_sha256] = asyncio.get_running_loop().create_future()
            if not self._looking:
                self._looking = True
                asyncio.get_running_loop().create_task(self._look_up(sessions))
        return await asyncio.shield(waiting)

    async def _look_up(self, sessions: sessionmaker[Session]) -> None:
        """One query (one thread hop) for every token that arrived meanwhile: 500 agents
        at once cost a handful of reads, not 500."""
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                try:
                    rows = await run_in_threadpool(_authenticate, sessions, sorted(batch))
                except Exception as exc:  # the database is down: every waiter gets a 503
                    for future in batch.values():
                        if not future.done():
                            future.set_exception(exc)
                    continue
                expires = time.monotonic() + self.ttl
                if len(self._known) + len(rows) > self.size:
                    self._known.clear()
                for sha, future in batch.items():
                    row = rows.get(sha)
                    if row is None:
                        self._known.pop(sha, None)
                    else:
                        self._known[sha] = (*row, expires)
                    if not future.done():
                        future.set_result(row)
        finally:
            self._looking = False

    def forget(self, token_sha256: str) -> None:
        self._known.pop(token_sha256, None)


class AgentReportEndpoint:
    """The route's handler, holding this process's report writer and token gate."""

    def __init__(self, writer: ReportWriter) -> None:
        self.writer = writer
        self.gate = TokenGate()

    async def handle(self, request: Request) -> Response:
        ctx: AppContext = request.app.state.ctx
        limit = ctx.settings.section(INVENTORY).agent_max_report_bytes
        token_sha256 = _bearer_sha256(request.headers.get("authorization", ""))
        if token_sha256 is None:
            return _error(401, "unknown or revoked agent token")
        found = await self.gate.check(ctx.sessions, token_sha256)
        if found is None:
            return _error(401, "unknown or revoked agent token")
        token_id, host = found
        try:
            body = await _read_body(request, limit)
        except ClientDisconnect:
            return _error(400, "the client went away")
        if body is None:
            return _error(413, f"report larger than {limit} bytes")
        now = ctx.clock.now()
        try:
            # A large report (a software list) is parsed off the event loop.
            report = (
                parse_report(body, now)
                if len(body) <= INLINE_PARSE_BYTES
                else await run_in_threadpool(parse_report, body, now)
            )
            if report.hostname.lower() != host:
                return _error(403, f'this token belongs to "{host}", not "{report.hostname}"')
            parts = parse_parts(report, self.writer.parts, now)
        except ReportInvalid as exc:
            return _invalid(exc)
        outcome = await asyncio.wrap_future(
            self.writer.submit(Received(report, now, token_id, token_sha256, parts))
        )
        if isinstance(outcome, Refused):
            if outcome.status == 401:
                self.gate.forget(token_sha256)
            return _error(outcome.status, outcome.message)
        return JSONResponse(
            {
                "asset_id": outcome.asset_id,
                "discovered": outcome.discovered,
                "hardware_changed": outcome.hardware_changed,
            },
            status_code=200,
        )


def routes(ctx: AppContext) -> list[BaseRoute]:
    handler = AgentReportEndpoint(ReportWriter(ctx, report_parts(ctx)))
    return [Route(REPORT_PATH, handler.handle, methods=["POST"])]
