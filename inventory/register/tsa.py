"""RFC 3161 time stamps of the daily anchor, through the ``openssl ts`` command.

Why the ``openssl`` binary and not ``cryptography``: checking a time-stamp token means
verifying a CMS SignedData structure (signed attributes, the ESS signing-certificate
attribute, the TSA certificate's critical timeStamping key usage, the chain to a trusted
CA) and the message imprint. ``cryptography`` has no CMS verification and no RFC 3161
support, and hand-written ASN.1 checks of that size would be the riskiest code in
itops. ``openssl ts -verify`` is the reference implementation, and ``openssl`` is
already one of itops's Debian packages. The request is made by ``openssl ts -query``
too; only the HTTP POST (``application/timestamp-query``) is ours.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from itops.errors import ItopsError

OPENSSL = "openssl"
TIMEOUT = 30.0


class TimestampError(ItopsError):
    """The time-stamp authority could not be reached or gave no valid token."""


@dataclass(frozen=True)
class StampCheck:
    """Result of checking one token against the digest it should stamp."""

    ok: bool
    at: datetime | None
    problem: str = ""


def _openssl(args: list[str], timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - fixed binary, arguments are ours
            [OPENSSL, "ts", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TimestampError(f"openssl ts {args[0]}: {exc}") from None


def _error(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    return lines[-1][-200:] if lines else f"exit {result.returncode}"


def request_token(url: str, digest: bytes, timeout: float = TIMEOUT) -> bytes:
    """Ask the TSA at ``url`` to stamp the SHA-256 ``digest``; the token's DER bytes."""
    with tempfile.TemporaryDirectory(prefix="itops-tsa-") as tmp:
        query, reply, token = Path(tmp, "q.tsq"), Path(tmp, "r.tsr"), Path(tmp, "t.tst")
        made = _openssl(["-query", "-digest", digest.hex(), "-sha256", "-cert", "-out", str(query)])
        if made.returncode != 0:
            raise TimestampError(f"cannot build the time-stamp query: {_error(made)}")
        post = urllib.request.Request(  # noqa: S310 - the URL is http(s), checked by config
            url,
            data=query.read_bytes(),
            method="POST",
            headers={"Content-Type": "application/timestamp-query", "User-Agent": "itops"},
        )
        try:
            with urllib.request.urlopen(post, timeout=timeout) as answer:  # noqa: S310
                reply.write_bytes(answer.read(1_000_000))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise TimestampError(f"time-stamp authority {url}: {exc}") from None
        status = _openssl(["-reply", "-in", str(reply), "-text"])
        if status.returncode != 0 or "Status: Granted" not in status.stdout:
            raise TimestampError(f"time-stamp authority {url} refused: {_error(status)}")
        out = _openssl(["-reply", "-in", str(reply), "-token_out", "-out", str(token)])
        if out.returncode != 0 or not token.exists():
            raise TimestampError(f"no token in the answer of {url}: {_error(out)}")
        return token.read_bytes()


_TIME = re.compile(r"^Time stamp: (\w{3}) +(\d+) (\d\d:\d\d:\d\d)(?:\.\d+)? (\d{4}) GMT$", re.M)


def token_time(token: bytes) -> datetime | None:
    """The time the token states (not verified: see ``check_token``)."""
    with tempfile.TemporaryDirectory(prefix="itops-tsa-") as tmp:
        path = Path(tmp, "t.tst")
        path.write_bytes(token)
        shown = _openssl(["-reply", "-token_in", "-in", str(path), "-text", "-token_out"])
    found = _TIME.search(shown.stdout)
    if shown.returncode != 0 or not found:
        return None
    month, day, clock, year = found.groups()
    return datetime.strptime(  # noqa: DTZ007 - the text is GMT, attached below
        f"{month} {day} {clock} {year}", "%b %d %H:%M:%S %Y"
    ).replace(tzinfo=UTC)


def check_token(token: bytes, digest: bytes, ca_file: Path) -> StampCheck:
    """Verify the token's signature chain to ``ca_file`` and that it stamps ``digest``."""
    with tempfile.TemporaryDirectory(prefix="itops-tsa-") as tmp:
        path = Path(tmp, "t.tst")
        path.write_bytes(token)
        result = _openssl(
            [
                "-verify",
                "-token_in",
                "-in",
                str(path),
                "-digest",
                digest.hex(),
                "-CAfile",
                str(ca_file),
            ]
        )
    if result.returncode != 0 or "Verification: OK" not in result.stdout:
        return StampCheck(False, None, f"time-stamp token does not verify: {_error(result)}")
    return StampCheck(True, token_time(token))
