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
    "tcp": "checks.tcp:TcpCheck",
    "http": "checks.http:HttpCheck",
    "tls": "checks.tls:TlsCheck",
    "dns": "checks.dns:DnsCheck",
    "icmp": "checks.icmp:IcmpCheck",
    "disk": "checks.disk:DiskCheck",
    "process": "checks.process:ProcessCheck",
    "memory": "checks.memory:MemoryCheck",
    "load": "checks.load:LoadCheck",
}


@cache
def check_class(kind: str) -> type[Check[Options]]:
    module, _, name = CHECK_KINDS[kind].partition(":")
    cls: type[Check[Options]] = getattr(importlib.import_module(module), name)
    return cls


def options_model(kind: str) -> type[Options]:
    return check_class(kind).Options
