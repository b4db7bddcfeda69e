"""The register's daemon jobs: sign the head, send the daily anchor away, prune.

1. ``seal_job`` (every ``seal_interval``): verify, then sign the head if it moved. A
   register that fails verify is never signed (that would bless the damage), except
   when its only problem is old entries no signed head covers (the daemon was down):
   then the head is signed and the gap is logged.
2. ``anchor_job`` (every ``anchor_interval``, daily by default): the same, always
   signed, time-stamped by the RFC 3161 authority if ``tsa_url`` is set, written to
   ``anchor_file`` if set, and published as a ``register_anchor`` event, which the
   notification rules that name it send to the auditor's e-mail and to webhooks. A
   broken register is published too, as CRITICAL, with every problem.
3. ``prune_job`` (daily with ``prune = true``): the retention prune, under the prune
   role if ``prune_url`` is set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from inventory.register import anchors, chain, queries, retention, seals, tsa, verification
from inventory.register.anchors import Anchor
from inventory.register.config import EMPLOYEE_MONITORING
from inventory.register.signing import KeyFileError, configured_key
from itops.context import AppContext
from itops.db.session import read_scope, session_scope
from itops.errors import ItopsError
from itops.events import REGISTER_ANCHOR, Event
from itops.messages import Param, Summary
from itops.status import Status

logger = logging.getLogger(__name__)

SUBJECT = "Rejestr monitoringu §82"


@dataclass
class MadeAnchor:
    """What ``make_anchor`` did: the anchor (None if refused or empty) and why."""

    anchor: Anchor | None
    verification: verification.Verification
    notes: list[str] = field(default_factory=list)


def make_anchor(ctx: AppContext, kind: str = seals.ANCHOR) -> MadeAnchor:
    """Verify, then sign, time-stamp and store the head (an unsigned one without a key)."""
    settings, now = ctx.settings, ctx.clock.now()
    cfg = settings.section(EMPLOYEE_MONITORING)
    key = configured_key(settings)
    with read_scope(ctx.sessions) as db:
        result = verification.verify_settings(db, settings, now)
        head = seals.current(db, now, settings.office.name)
    if not (result.ok or result.only_stale) or head is None:
        return MadeAnchor(None, result)
    notes = [result.problem] if result.only_stale else []
    if key is None:
        return MadeAnchor(head, result, [*notes, "unsigned: no signing key configured"])
    signed = head.signed_by(key)
    if cfg.tsa_url:
        try:
            signed = replace(
                signed, tsa_token=tsa.request_token(cfg.tsa_url, signed.stamp_digest())
            )
        except tsa.TimestampError as exc:
            logger.warning("§82 register anchor not time-stamped: %s", exc)
            notes.append(f"not time-stamped: {exc}")
    with session_scope(ctx.sessions) as db:
        seals.store(db, signed, kind)
    return MadeAnchor(signed, result, notes)


def seal_job(ctx: AppContext) -> None:
    """Sign the head if it moved since the last signature (module docstring, 1)."""
    try:
        key = configured_key(ctx.settings)
    except KeyFileError as exc:
        logger.error("§82 register not signed: %s", exc)
        return
    if key is None:
        return
    now = ctx.clock.now()
    with read_scope(ctx.sessions) as db:  # never waits for the write lock
        result = verification.verify_settings(db, ctx.settings, now)
        head = seals.current(db, now, ctx.settings.office.name)
    if not (result.ok or result.only_stale):
        logger.error("§82 register: %s; head not signed", result.describe())
        return
    if result.only_stale:
        logger.warning("§82 register: %s; signing the head now", result.problem)
    with session_scope(ctx.sessions) as db:  # the verified head, not a newer one
        seals.seal_head(db, key, now, ctx.settings.office.name, head=head)


def _summary(made: MadeAnchor) -> tuple[Status, Summary, dict[str, object]]:
    if made.anchor is None:
        return (
            Status.CRITICAL,
            Summary("register.anchor.broken", {"verification": made.verification.describe()}),
            {"verified": False, "problems": list(made.verification.problems)},
        )
    a = made.anchor
    params: dict[str, Param] = {
        "seq": str(a.seq),
        "hash": a.hash,
        "at": chain.utc_text(a.anchored_at),
        "anchor": a.text(),
        "json": a.dumps(),
        "notes": "".join(f"\n{n}" for n in made.notes),
    }
    return (
        Status.OK,
        Summary("register.anchor.signed", params),
        {"verified": True, "anchor": a.to_json(), "anchor_text": a.text()},
    )


def anchor_job(ctx: AppContext) -> None:
    """The daily anchor (module docstring, 2)."""
    with session_scope(ctx.sessions) as db:  # every read of the register is logged
        queries.log_read(
            db,
            ctx.clock.now(),
            None,
            "daemon",
            "anchor",
            str(ctx.settings.section(EMPLOYEE_MONITORING).anchor_file or ""),
        )
    try:
        made = make_anchor(ctx)
    except KeyFileError as exc:
        logger.error("§82 register anchor not made: %s", exc)
        made = None
        status, summary = Status.CRITICAL, Summary("register.anchor.not_made", {"error": str(exc)})
        data: dict[str, object] = {}
    if made is not None:
        status, summary, data = _summary(made)
        if made.anchor is None and made.verification.head_seq is None:
            return  # an empty register: nothing to anchor
        if made.anchor is None:
            logger.error("§82 register: %s; anchor not made", made.verification.describe())
        path = ctx.settings.section(EMPLOYEE_MONITORING).anchor_file
        if made.anchor is not None and path is not None:
            anchors.write(path, made.anchor)
    ctx.events.publish(Event(REGISTER_ANCHOR, SUBJECT, status, ctx.clock.now(), summary, data))


def prune_job(ctx: AppContext) -> None:
    """Daily retention pruning (``[employee_monitoring] prune = true``)."""
    try:
        key = configured_key(ctx.settings)
    except KeyFileError as exc:
        logger.error("§82 register not pruned: %s", exc)
        return
    engine, sessions = retention.prune_sessions(ctx)
    try:
        with session_scope(sessions) as db:
            result = retention.prune(db, ctx.settings, ctx.clock.now(), "itops", key)
    except ItopsError as exc:
        logger.error("§82 register not pruned: %s", exc)
        return
    finally:
        if engine is not ctx.engine:
            engine.dispose()
    if result.count:
        logger.info("§82 register: %s", result.describe())
        seal_job(ctx)
