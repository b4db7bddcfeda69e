"""``tls``: the server's certificate — valid for the host, trusted, and not expiring soon.

The probe connects twice only when verification fails: the second, unverified
handshake still reads the certificate, so an expired or wrong-host certificate is
reported with its expiry date.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from pydantic import Field, model_validator

from checks.kinds import texts
from itops.check import Check, Options
from itops.messages import Summary
from itops.status import Measurement, Status


def ssl_context(verify: bool, ca_file: Path | None) -> ssl.SSLContext:
    """A client context: system CAs (plus ``ca_file``) when verifying, none otherwise.

    Contexts are cached: building one reads the system CA store (~0.1 s of blocking
    work on the event loop), which would delay every other check at each TLS probe.
    A changed ``ca_file`` (new mtime) gets a new context.
    """
    mtime = None
    if ca_file is not None:
        try:
            mtime = ca_file.stat().st_mtime_ns
        except OSError:
            mtime = None  # the load below raises the real error
    return _cached_context(verify, ca_file, mtime)


@functools.lru_cache(maxsize=64)
def _cached_context(verify: bool, ca_file: Path | None, _mtime: int | None) -> ssl.SSLContext:
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def not_after(der: bytes) -> float:
    """The certificate's notAfter as a Unix timestamp."""
    return x509.load_der_x509_certificate(der).not_valid_after_utc.timestamp()


def verify_reason(code: int) -> Summary:
    """An OpenSSL X509_V_ERR_* code in words (codes without words say their number)."""
    if f"tls.verify.{code}" in texts.VERIFY:
        return Summary(f"tls.verify.{code}")
    return Summary("tls.verify.other", {"code": code})


class TlsOptions(Options):
    host: str = Field(min_length=1)
    port: int = Field(default=443, ge=1, le=65535)
    server_name: str | None = None
    warning_days: float = Field(default=21, ge=0)
    critical_days: float = Field(default=7, ge=0)
    ca_file: Path | None = None

    @model_validator(mode="after")
    def _order(self) -> TlsOptions:
        if self.critical_days > self.warning_days:
            raise ValueError("critical_days must not exceed warning_days")
        return self


class TlsCheck(Check[TlsOptions]):
    """OK while trusted, matching and valid for more than ``warning_days``."""

    kind = "tls"
    TEXTS = {**texts.TLS, **texts.VERIFY}
    Options = TlsOptions

    @property
    def target(self) -> str:
        return f"{self.options.host}:{self.options.port}"

    async def _handshake(self, verify: bool) -> bytes:
        opts = self.options
        server_name = opts.server_name or opts.host
        _, writer = await asyncio.open_connection(
            opts.host,
            opts.port,
            ssl=ssl_context(verify, opts.ca_file),
            server_hostname=server_name,
        )
        try:
            sslobj = writer.get_extra_info("ssl_object")
            der: bytes = sslobj.getpeercert(binary_form=True) if sslobj else b""
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, ssl.SSLError):
                pass
        return der

    async def probe(self) -> Sequence[Measurement]:
        checked = Measurement("checked_at", datetime.now(UTC).timestamp(), "ts")
        t0 = time.monotonic()
        try:
            der = await self._handshake(verify=True)
            verified, code = 1.0, 0
        except ssl.SSLCertVerificationError as exc:
            verified, code = 0.0, int(exc.verify_code or -1)
            try:
                der = await self._handshake(verify=False)
            except (OSError, ssl.SSLError):
                der = b""
        except (OSError, ssl.SSLError) as exc:
            return [checked, Measurement("connected", 0), Measurement("errno", exc.errno or 0)]
        out = [
            checked,
            Measurement("connected", 1),
            Measurement("verified", verified),
            Measurement("verify_code", code),
            Measurement("handshake_seconds", time.monotonic() - t0, "s"),
        ]
        if der:
            out.append(Measurement("cert_not_after", not_after(der), "ts"))
        return out

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = {m.name: m.value for m in measurements}
        target = self.target
        if v.get("connected") != 1:
            return Status.CRITICAL, Summary("tls.cannot_connect", {"target": target})
        days = None
        if "cert_not_after" in v:
            days = (v["cert_not_after"] - v["checked_at"]) / 86400
        if v.get("verified") != 1:
            reason = verify_reason(int(v.get("verify_code", -1)))
            return Status.CRITICAL, Summary(
                "tls.not_verified", {"target": target, "reason": reason}
            )
        if days is None:
            return Status.UNKNOWN, Summary("tls.no_certificate", {"target": target})
        if days <= self.options.critical_days:
            return Status.CRITICAL, Summary("tls.expires", {"days": days})
        if days <= self.options.warning_days:
            return Status.WARNING, Summary("tls.expires", {"days": days})
        return Status.OK, Summary("tls.valid", {"days": days})
