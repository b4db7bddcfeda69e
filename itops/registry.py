"""CHECK_KINDS: the one table from a check kind to the class that implements it.

Classes are imported lazily ("module:Class") so the config can name every kind
without importing aiohttp, icmplib … until a check of that kind exists.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from itops.check import Check, Options

CHECK_KINDS: dict[str, str] = {
    "tcp": "checks.kinds.tcp:TcpCheck",
    "http": "checks.kinds.http:HttpCheck",
    "tls": "checks.kinds.tls:TlsCheck",
    "dns": "checks.kinds.dns:DnsCheck",
    "icmp": "checks.kinds.icmp:IcmpCheck",
    "disk": "checks.kinds.disk:DiskCheck",
    "process": "checks.kinds.process:ProcessCheck",
    "memory": "checks.kinds.memory:MemoryCheck",
    "load": "checks.kinds.load:LoadCheck",
    "snmp": "checks.kinds.snmp:SnmpCheck",
    "freshness": "checks.kinds.freshness:FreshnessCheck",
    "host": "checks.kinds.host_report:HostReportCheck",
}


@cache
def check_class(kind: str) -> type[Check[Options]]:
    module, _, name = CHECK_KINDS[kind].partition(":")
    cls: type[Check[Options]] = getattr(importlib.import_module(module), name)
    return cls


def options_model(kind: str) -> type[Options]:
    return check_class(kind).Options
