"""Anchors: a signed head of the chain (seq, hash, time, signature) kept off the machine.

Two written forms carry the same signed facts:

- JSON (the anchor file, the daily e-mail and webhook)::

    {"register": "itops §82", "v": 2, "office": "…", "seq": 42, "hash": "…",
     "anchored_at": "2026-11-26T10:00:00.000000Z", "key": "<key id>",
     "signature": "<base64>", "tsa": "<RFC 3161 token, base64>"}

- one line of text (printed in the register PDF and the annual report, short enough
  to copy)::

    itops-82-anchor v2 42 <hash> 2026-11-26T10:00:00.000000Z <key id> <signature>

The signature covers ``HEAD_DOMAIN`` + the canonical JSON of register, seq, hash,
anchored_at and key (not the office name, a label). The RFC 3161 token time-stamps the
SHA-256 of the signed message followed by a newline and the signature. Anchors of
version 1 (before signing) load with no key and no signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from inventory.register.chain import parse_utc, utc_text
from inventory.register.signing import HEAD_DOMAIN, SigningKey
from itops.errors import ValidationError

REGISTER = "itops §82"
TEXT_PREFIX = "itops-82-anchor"


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at one moment, optionally signed and time-stamped."""

    seq: int
    hash: str
    anchored_at: datetime
    office: str = ""
    key_id: str | None = None
    signature: str | None = None
    tsa_token: bytes | None = None

    def signed_message(self) -> bytes:
        body = {
            "register": REGISTER,
            "seq": self.seq,
            "hash": self.hash,
            "anchored_at": utc_text(self.anchored_at),
            "key": self.key_id,
        }
        return HEAD_DOMAIN + json.dumps(
            body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    def stamp_digest(self) -> bytes:
        """What the time-stamp authority signs: SHA-256 of message, newline, signature."""
        return hashlib.sha256(
            self.signed_message() + b"\n" + (self.signature or "").encode("ascii")
        ).digest()

    def signed_by(self, key: SigningKey) -> Anchor:
        unsigned = replace(self, key_id=key.public.key_id, signature=None, tsa_token=None)
        return replace(unsigned, signature=key.sign(unsigned.signed_message()))

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "register": REGISTER,
            "v": 2 if self.signature else 1,
            "office": self.office,
            "seq": self.seq,
            "hash": self.hash,
            "anchored_at": utc_text(self.anchored_at),
        }
        if self.signature:
            data["key"] = self.key_id
            data["signature"] = self.signature
        if self.tsa_token:
            data["tsa"] = base64.b64encode(self.tsa_token).decode("ascii")
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True)

    def text(self) -> str:
        """The one-line form (no time-stamp token: it is kilobytes long)."""
        if not self.signature:
            return f"{TEXT_PREFIX} v1 {self.seq} {self.hash} {utc_text(self.anchored_at)}"
        return (
            f"{TEXT_PREFIX} v2 {self.seq} {self.hash} {utc_text(self.anchored_at)} "
            f"{self.key_id} {self.signature}"
        )


def _from_json(data: dict[str, object]) -> Anchor:
    token = data.get("tsa")
    return Anchor(
        seq=int(str(data["seq"])),
        hash=str(data["hash"]),
        anchored_at=parse_utc(str(data["anchored_at"])),
        office=str(data.get("office", "")),
        key_id=str(data["key"]) if data.get("key") else None,
        signature=str(data["signature"]) if data.get("signature") else None,
        tsa_token=base64.b64decode(str(token), validate=True) if token else None,
    )


def _from_text(line: str) -> Anchor:
    parts = line.split()
    if len(parts) == 5 and parts[1] == "v1":
        return Anchor(int(parts[2]), parts[3], parse_utc(parts[4]))
    if len(parts) == 7 and parts[1] == "v2":
        return Anchor(
            int(parts[2]), parts[3], parse_utc(parts[4]), key_id=parts[5], signature=parts[6]
        )
    raise ValueError("expected 'itops-82-anchor v2 SEQ HASH TIME KEY SIGNATURE'")


def parse(value: str, source: str = "anchor") -> Anchor:
    """An anchor from its JSON or its one-line text."""
    text = value.strip()
    try:
        if text.startswith("{"):
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            return _from_json(data)
        if text.startswith(TEXT_PREFIX):
            return _from_text(text)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValidationError(f"{source}: not a register anchor ({exc})") from None
    raise ValidationError(
        f"{source}: not a register anchor (neither an anchor file nor text starting "
        f'"{TEXT_PREFIX}")'
    )


def load(value: str) -> Anchor:
    """``--anchor FILE|TEXT``: a file holding an anchor, else the anchor's own text."""
    stripped = value.strip()
    if not stripped.startswith(("{", TEXT_PREFIX)):
        path = Path(value)
        try:
            return parse(path.read_text(encoding="utf-8"), str(path))
        except OSError as exc:
            raise ValidationError(
                f"{value}: neither a readable anchor file ({exc.strerror or exc}) "
                f'nor anchor text starting "{TEXT_PREFIX}"'
            ) from None
    return parse(value)


def write(path: Path, anchor: Anchor) -> None:
    """Write atomically (a half-written anchor must never replace a good one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(anchor.dumps() + "\n", encoding="utf-8")
    tmp.replace(path)
