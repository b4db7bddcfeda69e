"""Check kinds: one module per kind (checks, backup engines, antivirus engines).

``CHECK_KINDS`` is the table of the ``[[checks]]`` kinds; the backup and antivirus
engines are in ``checks.backups.kinds``. Adding a kind: see CONTRIBUTING.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itops.registry import KindRegistry

if TYPE_CHECKING:
    from itops.check import Check

CHECK_KINDS: KindRegistry[Check[Any]] = KindRegistry(
    "check",
    {
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
    },
)
