"""Signed heads of the chain (``register_seal``): made periodically, daily as anchors.

The periodic seal (``[employee_monitoring] seal_interval``) signs the head when it moved
since the last seal, so rewriting entries older than the last seal, even with every hash
recomputed, no longer matches a signature; ``verify`` also refuses entries older than two
intervals that no seal covers (seals removed, or the daemon not signing). The daily
anchor is a seal that also leaves the machine (``inventory.register.jobs``).
"""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.register import chain
from inventory.register.anchors import Anchor
from inventory.register.models import RegisterSeal
from inventory.register.signing import PublicKey, SigningKey

HEAD, ANCHOR, EXPORT = "head", "anchor", "export"


def current(session: Session, now: datetime, office: str = "") -> Anchor | None:
    """The unsigned anchor of the current head (None while the register is empty)."""
    found = chain.head(session)
    return None if found is None else Anchor(found[0], found[1], now, office)


def to_anchor(row: RegisterSeal, office: str = "") -> Anchor:
    token = base64.b64decode(row.tsa_token) if row.tsa_token else None
    return Anchor(row.seq, row.hash, row.signed_at, office, row.key_id, row.signature, token)


def store(session: Session, anchor: Anchor, kind: str) -> RegisterSeal:
    """Add the signed ``anchor`` to ``register_seal`` (caller commits)."""
    assert anchor.signature and anchor.key_id  # noqa: S101 - only signed anchors are sealed
    row = RegisterSeal(
        kind=kind,
        seq=anchor.seq,
        hash=anchor.hash,
        signed_at=anchor.anchored_at,
        key_id=anchor.key_id,
        signature=anchor.signature,
        tsa_token=base64.b64encode(anchor.tsa_token).decode("ascii") if anchor.tsa_token else None,
    )
    session.add(row)
    session.flush()
    return row


def seal_head(
    session: Session,
    key: SigningKey,
    now: datetime,
    office: str = "",
    kind: str = HEAD,
    only_if_moved: bool = True,
    head: Anchor | None = None,
) -> Anchor | None:
    """Sign and store ``head`` (default: the current head); None when the register is
    empty or (``only_if_moved``) the last signature names the same head."""
    head = head or current(session, now, office)
    if head is None:
        return None
    if only_if_moved:
        last = session.scalars(
            select(RegisterSeal)
            .where(RegisterSeal.key_id == key.public.key_id)
            .order_by(RegisterSeal.id.desc())
            .limit(1)
        ).first()
        if last is not None and (last.seq, last.hash) == (head.seq, head.hash):
            return None
    signed = head.signed_by(key)
    store(session, signed, kind)
    return signed


def genuine(row: RegisterSeal, key: PublicKey) -> bool:
    return row.key_id == key.key_id and key.verifies(to_anchor(row).signed_message(), row.signature)


def latest(session: Session, key: PublicKey | None, office: str = "") -> Anchor | None:
    """The newest seal this key really signed (what the PDF and the report print)."""
    if key is None:
        return None
    rows = session.scalars(
        select(RegisterSeal)
        .where(RegisterSeal.key_id == key.key_id)
        .order_by(RegisterSeal.id.desc())
        .limit(50)
    )
    for row in rows:
        if genuine(row, key):
            return to_anchor(row, office)
    return None


def all_seals(session: Session) -> list[RegisterSeal]:
    return list(session.scalars(select(RegisterSeal).order_by(RegisterSeal.id)))
