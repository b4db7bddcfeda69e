"""``dns``: a name resolves (optionally to the expected addresses) through a resolver.

Uses dnspython's asyncio resolver: the system's resolvers by default, or ``server``
(and ``port``) to ask one DNS server directly, e.g. the office's own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from ipaddress import ip_address
from typing import Literal

import dns.asyncresolver
import dns.exception
import dns.resolver
from pydantic import Field, field_validator

from checks.kinds import texts
from itops.check import Check, Options
from itops.errors import ProbeError
from itops.messages import Summary
from itops.status import Measurement, Status

# "error" measurement codes are the "dns.error.N" messages of checks.kinds.texts:
# 1 NXDOMAIN, 2 no answer of that type, 3 no server answered.


class DnsOptions(Options):
    query: str = Field(min_length=1)
    record_type: Literal["A", "AAAA"] = "A"
    expect: list[str] = Field(default_factory=list)
    server: str | None = None
    port: int = Field(default=53, ge=1, le=65535)

    @field_validator("expect")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [str(ip_address(v)) for v in value]


class DnsCheck(Check[DnsOptions]):
    """OK when the name resolves (to every expected address, if given)."""

    kind = "dns"
    TEXTS = texts.DNS
    Options = DnsOptions

    @property
    def target(self) -> str:
        where = f" @{self.options.server}" if self.options.server else ""
        return f"{self.options.query} {self.options.record_type}{where}"

    def _resolver(self) -> dns.asyncresolver.Resolver:
        if self.options.server is None:
            try:
                return dns.asyncresolver.Resolver()
            except dns.resolver.NoResolverConfiguration as exc:
                raise ProbeError(f"no DNS resolver configured on this host: {exc}") from None
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [self.options.server]
        resolver.port = self.options.port
        return resolver

    async def probe(self) -> Sequence[Measurement]:
        resolver = self._resolver()
        resolver.lifetime = self.config.timeout.total_seconds()
        t0 = time.monotonic()
        try:
            answer = await resolver.resolve(self.options.query, self.options.record_type)
        except dns.resolver.NXDOMAIN:
            return [Measurement("error", 1)]
        except dns.resolver.NoAnswer:
            return [Measurement("error", 2)]
        except (dns.resolver.NoNameservers, dns.exception.Timeout):
            return [Measurement("error", 3)]
        elapsed = time.monotonic() - t0
        found = {str(ip_address(r.to_text())) for r in answer}
        expected = set(self.options.expect)
        out = [Measurement("answers", len(found)), Measurement("resolve_seconds", elapsed, "s")]
        if expected:
            out.append(Measurement("missing", len(expected - found)))
        return out

    def evaluate(self, measurements: Sequence[Measurement]) -> tuple[Status, Summary]:
        v = {m.name: m.value for m in measurements}
        if "error" in v:
            code = f"dns.error.{int(v['error'])}"
            code = code if code in texts.DNS else "dns.error.other"
            return Status.CRITICAL, Summary(code, {"target": self.target})
        if v.get("missing", 0) > 0:
            expected = ", ".join(self.options.expect)
            return Status.CRITICAL, Summary(
                "dns.missing", {"target": self.target, "expected": expected}
            )
        ms = v.get("resolve_seconds", 0.0) * 1000
        return Status.OK, Summary("dns.ok", {"n": int(v["answers"]), "ms": ms})
