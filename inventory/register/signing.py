"""The register's Ed25519 key: a file of the itops service that the database never holds.

The hash chain alone has no secret: anyone who can INSERT can append a checkpoint that
"links". Checkpoints and the chain's head are therefore signed with this key, and
``verify`` checks the signatures with its public half (derived from the key file, or
given as text from a printed register PDF or annual report).

Every signed message starts with a domain line (``itops-register-checkpoint-v1``,
``itops-register-head-v1``), so a signature made for one purpose never verifies as the
other. The key id is the SHA-256 of the raw 32-byte public key (hex); the fingerprint
prints it in groups of four.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from inventory.register.config import EMPLOYEE_MONITORING
from itops.errors import ItopsError, ValidationError

if TYPE_CHECKING:
    from itops.config import Settings

CHECKPOINT_DOMAIN = b"itops-register-checkpoint-v1\n"
HEAD_DOMAIN = b"itops-register-head-v1\n"


class KeyFileError(ItopsError):
    """The signing key file is missing, unreadable, too open or not an Ed25519 key."""

    exit_code = 2


@dataclass(frozen=True)
class PublicKey:
    """The public half: what verifiers, the PDF and the annual report need."""

    key: Ed25519PublicKey

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def text(self) -> str:
        """Base64 of the raw key (44 characters): what ``--public-key`` takes."""
        return base64.b64encode(self.raw).decode("ascii")

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def fingerprint(self) -> str:
        kid = self.key_id
        return " ".join(kid[i : i + 4] for i in range(0, len(kid), 4))

    def verifies(self, message: bytes, signature: str | None) -> bool:
        """True only for a well-formed signature of ``message`` by this key."""
        if not signature:
            return False
        try:
            self.key.verify(base64.b64decode(signature, validate=True), message)
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
            return cls(Ed25519PublicKey.from_public_bytes(raw))
        except (binascii.Error, ValueError):
            raise ValidationError(
                f'"{text}" is not a register public key (44 characters of base64, '
                "as printed in the register PDF)"
            ) from None


@dataclass(frozen=True)
class SigningKey:
    """The private key, loaded from its file."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.private.public_key())

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode("ascii")


def create_key_file(path: Path) -> SigningKey:
    """Write a new key to ``path`` (mode 0600); refuse if anything is there already."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValidationError(
            f"{path} exists: a register key is never overwritten (signatures made with it "
            "would no longer verify); move it away yourself if you really mean to replace it"
        ) from None
    except OSError as exc:
        raise ValidationError(f"cannot create {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(path, 0o600)  # whatever the umask made of it
    return SigningKey(key)


def load_key_file(path: Path) -> SigningKey:
    """The key of ``path``; refused when others may read it or it is no Ed25519 key."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(
            f"register signing key {path} does not exist (create it: itops register init-key)"
        ) from None
    except OSError as exc:
        raise KeyFileError(
            f"cannot read register signing key {path}: {exc.strerror or exc} (run as the "
            "itops user, or give the public key with --public-key)"
        ) from None
    if not stat.S_ISREG(mode) or mode & 0o077:
        raise KeyFileError(
            f"register signing key {path} must be a regular file of mode 0600 "
            f"(it is {stat.filemode(mode)})"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise KeyFileError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key")
    return SigningKey(key)


def configured_key(settings: Settings) -> SigningKey | None:
    """The installation's key; None when ``signing_key_file`` is not set.

    Raises ``KeyFileError`` when it is set but unusable (missing, unreadable, too open).
    """
    path = settings.section(EMPLOYEE_MONITORING).signing_key_file
    return None if path is None else load_key_file(path)
