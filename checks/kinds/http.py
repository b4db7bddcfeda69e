"""``http``: the URL answers with an expected status (and body), TLS verified by default.

A fresh connection per probe (``force_close``): a reused keep-alive connection would
hide a server that no longer accepts new ones (blackbox_exporter disables keep-alive for the
same reason). The connector is shared per event loop (the daemon's, or a probe worker's):
with ``force_close`` it pools nothing, so sharing it saves building and closing a connector
per probe without reusing any connection. Each probe still opens its own lightweight
``ClientSession`` on it (~5 µs), so a probe's cookie jar lives only through its own redirect
chain, as before, and never carries cookies from one probe or check to another. Names are
resolved at every probe (no DNS cache), TLS is verified per check (``verify_tls``,
``ca_file``) on every hop, an ``http://`` URL redirected to ``https://`` included.

A body is read only when a text is to be found in it, and only its first
``MAX_BODY_BYTES``: a hostile or broken server sending gigabytes must cost neither memory
nor the whole timeout. For HTTPS the certificate's expiry is recorded (``cert_not_after``)
for the dashboard and ``itops_tls_certificate_expiry_timestamp_seconds``.
"""

from __future__ import annotations

import asyncio
import contextvars
import ssl
import threading
import time
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import aiohttp
from pydantic import Field, field_validator

from checks.kinds import texts
from checks.kinds.tls import not_after, ssl_context, verify_reason
from itops.check import Check, Options
from itops.messages import Summary
from itops.patterns import UserPattern, compile_pattern
from itops.status import Measurement, Status

MAX_BODY_BYTES = 1 << 20  # 1 MiB of body is searched for body_contains / body_regex

# "error" measurement codes (measurements carry numbers only) are the "http.error.N"
# messages of checks.kinds.texts: 1 refused/unreachable, 2 TLS handshake, 3 invalid
# response, 4 too many redirects, 5 name does not resolve.


class _Peer:
    """The peer certificate of the last TLS connection one probe opened."""

    __slots__ = ("der",)

    def __init__(self) -> None:
        self.der: bytes | None = None


# Set by each probe (its own task), read where the shared connector opens a connection:
# concurrent probes on one connector never see each other's certificate.
_PEER: contextvars.ContextVar[_Peer | None] = contextvars.ContextVar("itops_http_peer")


class _CertConnector(aiohttp.TCPConnector):
    """Hands the peer certificate of each connection it opens to the probe that opened it.

    The response may release its connection (``force_close``) before the caller looks,
    so the certificate is read at connection time.
    """

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
        proto = await super()._create_connection(req, traces, timeout)
        peer = _PEER.get(None)
        transport = getattr(proto, "transport", None)
        sslobj = transport.get_extra_info("ssl_object") if transport else None
        if peer is not None and sslobj is not None:
            peer.der = sslobj.getpeercert(binary_form=True)
        return proto


_local = threading.local()  # an event loop belongs to one thread


def _connector() -> _CertConnector:
    """The connector of the running event loop, made on its first HTTP probe.

    ``limit=0``: the check engine already bounds how many probes run at once
    (``[daemon] max_concurrency``, shared out among the workers), so the connector adds no
    second, smaller bound whose queue would count against a probe's response time. Nothing
    needs closing: with ``force_close`` it never holds an idle connection.
    """
    loop = asyncio.get_running_loop()
    cached: tuple[asyncio.AbstractEventLoop, _CertConnector] | None = getattr(
        _local, "connector", None
    )
    if cached is not None and cached[0] is loop and not cached[1].closed:
        return cached[1]
    connector = _CertConnector(force_close=True, limit=0, use_dns_cache=False)
    _local.connector = (loop, connector)
    return connector


_NO_TIMEOUT = aiohttp.ClientTimeout(total=None)  # the runner enforces the check's timeout


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """At most ``limit`` bytes of the body; the rest is never read (the connection closes)."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) >= limit:
            break
    return bytes(body[:limit])


def _decode(raw: bytes, charset: str | None) -> str:
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return raw.decode("utf-8", errors="replace")


class HttpOptions(Options):
    url: str = Field(pattern=r"^https?://")
    method: Literal["GET", "HEAD"] = "GET"
    expect_status: list[int] = Field(default_factory=lambda: [200], min_length=1)
    body_contains: str | None = None
    body_regex: str | None = None
    verify_tls: bool = True
    ca_file: Path | None = None
    follow_redirects: bool = True
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("body_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            compile_pattern(value)  # PatternError (a ValueError) names RE2's reason
        return value

    @cached_property
    def body_pattern(self) -> UserPattern | None:
        """``body_regex`` compiled by RE2: linear time, whatever the body."""
        return None if self.body_regex is None else compile_pattern(self.body_regex)


class HttpCheck(Check[HttpOptions]):
    """OK on an expected status (and body match); CRITICAL otherwise."""

    kind = "http"
    TEXTS = {**texts.HTTP, **texts.VERIFY}
    Options = HttpOptions

    @property
    def target(self) -> str:
        return self.options.url

    async def probe(self) -> Sequence[Measurement]:
        opts = self.options
        https = opts.url.startswith("https://")
        peer = _Peer()
        token = _PEER.set(peer)
        t0 = time.monotonic()
        out: list[Measurement] = []
        try:
            async with (
                aiohttp.ClientSession(
                    connector=_connector(), connector_owner=False, timeout=_NO_TIMEOUT
                ) as session,
                session.request(
                    opts.method,
                    opts.url,
                    headers=opts.headers,
                    allow_redirects=opts.follow_redirects,
                    ssl=ssl_context(opts.verify_tls, opts.ca_file),
                ) as response,
            ):
                # Headers received: the service's time to first byte (connect and TLS
                # included, as curl's time_starttransfer), before any body is read.
                out.append(Measurement("ttfb_seconds", time.monotonic() - t0, "s"))
                if peer.der:
                    out.append(Measurement("cert_not_after", not_after(peer.der), "ts"))
                out.append(Measurement("status_code", response.status))
                if opts.body_contains is not None or opts.body_regex is not None:
                    raw = await _read_capped(response, MAX_BODY_BYTES)
                    body = _decode(raw, response.charset)
                    out.append(Measurement("body_bytes", len(raw), "B"))
                    ok = (opts.body_contains is None or opts.body_contains in body) and (
                        opts.body_pattern is None or opts.body_pattern.search(body)
                    )
                    out.append(Measurement("body_match", 1 if ok else 0))
        except aiohttp.ClientConnectorCertificateError as exc:
            cert_error = exc.certificate_error
            code = getattr(cert_error, "verify_code", None) or -1
            return [Measurement("error", 2), Measurement("verify_code", code)]
        except aiohttp.ClientConnectorDNSError:
            return [Measurement("error", 5)]
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, ssl.SSLError):
                return [Measurement("error", 2)]
            return [Measurement("error", 1)]
        except aiohttp.TooManyRedirects:
            return [Measurement("error", 4)]
        except (
            aiohttp.ClientResponseError,
            aiohttp.ClientPayloadError,
            aiohttp.ServerDisconnectedError,
        ):
            return [Measurement("error", 3)]
        except (aiohttp.ClientError, ssl.SSLError):
            return [Measurement("error", 2 if https else 3)]
        finally:
            _PEER.reset(token)
        out.append(Measurement("response_seconds", time.monotonic() - t0, "s"))
        return out

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = {m.name: m.value for m in measurements}
        target = self.target
        if "error" in v:
            code = int(v["error"])
            if code == 2 and "verify_code" in v:
                reason = verify_reason(int(v["verify_code"]))
                return Status.CRITICAL, Summary(
                    "http.not_verified", {"target": target, "reason": reason}
                )
            known = f"http.error.{code}" in texts.HTTP
            return Status.CRITICAL, Summary(
                f"http.error.{code if known else 'other'}", {"target": target}
            )
        status = int(v["status_code"])
        if status not in self.options.expect_status:
            expected = ", ".join(str(s) for s in self.options.expect_status)
            return Status.CRITICAL, Summary(
                "http.unexpected_status", {"code": str(status), "expected": expected}
            )
        if v.get("body_match") == 0:
            if v.get("body_bytes", 0) >= MAX_BODY_BYTES:
                kib = MAX_BODY_BYTES // 1024
                capped = Summary("http.text_missing_capped", {"code": str(status), "kib": kib})
                return Status.CRITICAL, capped
            return Status.CRITICAL, Summary("http.text_missing", {"code": str(status)})
        ms = v.get("response_seconds", 0.0) * 1000
        return Status.OK, Summary("http.ok", {"code": str(status), "ms": ms})
